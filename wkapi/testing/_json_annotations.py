"""Annotation JSON: the full form, the compact list form and the compound (merged) form."""

from __future__ import annotations

import hashlib
import uuid

from ._access import administrates_annotation, annotation_team_ids, can_read_annotation
from ._context import Context
from ._json import (
    JsonDict,
    compact_user_json,
    datastore_json,
    settings_json,
    task_json,
    team_json,
    tracingstore_json,
)
from ._state import Annotation, User


def tracing_id(annotation: Annotation, layer: str) -> str:
    """A stable UUID-shaped tracing id per annotation layer."""
    digest = hashlib.md5(f"{annotation.id}:{annotation.content_seed}:{layer}".encode()).digest()
    return str(uuid.UUID(bytes=digest))


def _skeleton_stats(annotation: Annotation) -> JsonDict:
    seed = annotation.content_seed
    trees = 1 + seed % 4
    nodes = 10 + seed % 90
    return {
        "treeCount": trees,
        "nodeCount": nodes,
        "edgeCount": nodes - trees,
        "branchPointCount": seed % 3,
    }


def _layers_json(ctx: Context, annotation: Annotation) -> list[JsonDict]:
    layers: list[JsonDict] = []
    if annotation.skeleton:
        layer: JsonDict = {
            "tracingId": tracing_id(annotation, "Skeleton"),
            "typ": "Skeleton",
            "name": "Skeleton",
        }
        if ctx.new:
            layer["stats"] = _skeleton_stats(annotation)
        layers.append(layer)
    for name in annotation.volume_layers:
        layer = {"tracingId": tracing_id(annotation, name), "typ": "Volume", "name": name}
        if ctx.new:
            layer["stats"] = {}
        layers.append(layer)
    return layers


def _stats_json(ctx: Context, annotation: Annotation) -> JsonDict:
    if ctx.new or not annotation.skeleton:
        return {}
    return _skeleton_stats(annotation)


def _tracing_type(annotation: Annotation) -> str:
    if annotation.volume_layers:
        return "hybrid" if annotation.skeleton else "volume"
    return "skeleton"


def _restrictions_json(ctx: Context, annotation: Annotation, viewer: User | None) -> JsonDict:
    state = ctx.state
    owner = viewer is not None and viewer.id == annotation.owner_id
    admin = administrates_annotation(state, viewer, annotation)
    active = annotation.state == "Active"
    access = can_read_annotation(state, viewer, annotation)
    return {
        "allowAccess": access,
        "allowUpdate": owner and active,
        "allowFinish": (owner or admin) and active,
        "allowDownload": access and annotation.typ != "View",
    }


def _owner(ctx: Context, annotation: Annotation) -> User | None:
    return ctx.state.users.get(annotation.owner_id) if annotation.owner_id else None


def compact_annotation_json(ctx: Context, annotation: Annotation) -> JsonDict:
    """The list form of ``/user/annotations`` and ``/users/:id/annotations``."""
    owner = _owner(ctx, annotation)
    dataset = ctx.state.datasets.get(annotation.dataset)
    data: JsonDict = {
        "id": annotation.id,
        "typ": annotation.typ,
        "state": annotation.state,
        "name": annotation.name,
        "description": annotation.description,
        "modified": annotation.modified,
        "stats": _stats_json(ctx, annotation),
        "annotationLayers": _layers_json(ctx, annotation),
        "dataSetName": annotation.dataset,
        "organization": ctx.state.organization,
        "visibility": annotation.visibility,
        "tracingTime": annotation.tracing_time,
        "teams": [
            team_json(ctx, ctx.state.teams[t]) for t in annotation_team_ids(ctx.state, annotation)
        ],
        "tags": list(annotation.tags),
        "owner": None
        if owner is None
        else {"id": owner.id, "firstName": owner.first_name, "lastName": owner.last_name},
        "othersMayEdit": annotation.others_may_edit,
    }
    if not ctx.new:
        data["formattedHash"] = annotation.id[-6:]
    else:
        data["isLockedByOwner"] = False
        data["datasetId"] = dataset.id if dataset is not None else None
    return data


def annotation_json(ctx: Context, annotation: Annotation, viewer: User | None) -> JsonDict:
    """The full form (info, finish, createExplorational, task annotation lists, ...)."""
    state = ctx.state
    data = compact_annotation_json(ctx, annotation)
    owner = _owner(ctx, annotation)
    owner_json = compact_user_json(ctx, owner) if owner is not None else None
    task = state.tasks.get(annotation.task_id) if annotation.task_id else None
    task_type = state.task_types[task.task_type_id] if task is not None else None
    dataset = state.datasets.get(annotation.dataset)
    store_name = dataset.datastore_name if dataset is not None else next(iter(state.datastores))
    data.update(
        {
            "viewConfiguration": None,
            "task": task_json(ctx, task) if task is not None else None,
            "restrictions": _restrictions_json(ctx, annotation, viewer),
            "dataStore": datastore_json(ctx, state.datastores[store_name]),
            "tracingStore": tracingstore_json(ctx, next(iter(state.tracingstores.values()))),
            "settings": settings_json(
                ctx, task_type.tracing_type if task_type else _tracing_type(annotation)
            ),
            "user": owner_json,
            "owner": owner_json,
            "contributors": [],
        }
    )
    return data


def compound_annotation_json(
    ctx: Context, typ: str, entity_id: str, name: str, dataset: str, viewer: User
) -> JsonDict:
    """The merged annotation a compound ``info`` describes."""
    state = ctx.state
    merged = Annotation(
        id=entity_id,
        typ=typ,
        state="Finished",
        owner_id=None,
        dataset=dataset,
        created=0,
        modified=0,
        name=name,
        content_seed=state.derive("compound", entity_id),
    )
    data = annotation_json(ctx, merged, viewer)
    data["restrictions"] = {
        "allowAccess": True,
        "allowUpdate": False,
        "allowFinish": False,
        "allowDownload": True,
    }
    return data
