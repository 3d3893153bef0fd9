"""Annotation JSON: the full form, the compact list form and the compound (merged) form.

Lists go through an :class:`AnnotationRenderer`, which renders what annotations share once per
response.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from ._access import administrates_annotation, annotation_team_ids, can_read_annotation
from ._content import SkeletonStats
from ._context import Context
from ._downloads import skeleton_stats
from ._json import (
    JsonDict,
    TaskRenderer,
    compact_user_json,
    datastore_json,
    settings_json,
    task_type_settings_json,
    team_json,
    tracingstore_json,
)
from ._state import Annotation, TaskType, User


@lru_cache(maxsize=1 << 14)
def tracing_id(annotation_id: str, content_seed: int, layer: str) -> str:
    """A stable UUID-shaped tracing id per annotation layer (the md5 of its identity, formatted
    as ``uuid.UUID(bytes=digest)`` prints it; memoized, as every listing asks again)."""
    digest = hashlib.md5(f"{annotation_id}:{content_seed}:{layer}".encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:]}"


def _skeleton_stats(annotation: Annotation) -> JsonDict:
    """The counts of the NML the annotation's download holds."""
    stats = skeleton_stats(annotation)
    return {
        "treeCount": stats.tree_count,
        "nodeCount": stats.node_count,
        "edgeCount": stats.edge_count,
        "branchPointCount": stats.branch_point_count,
    }


def _layers_json(ctx: Context, annotation: Annotation) -> list[JsonDict]:
    layers: list[JsonDict] = []
    if annotation.skeleton:
        layer: JsonDict = {
            "tracingId": tracing_id(annotation.id, annotation.content_seed, "Skeleton"),
            "typ": "Skeleton",
            "name": "Skeleton",
        }
        if ctx.new:
            layer["stats"] = _skeleton_stats(annotation)
        layers.append(layer)
    for name in annotation.volume_layers:
        layer = {
            "tracingId": tracing_id(annotation.id, annotation.content_seed, name),
            "typ": "Volume",
            "name": name,
        }
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


def annotation_json(ctx: Context, annotation: Annotation, viewer: User | None) -> JsonDict:
    """The full form (info, finish, createExplorational, task annotation lists, ...)."""
    return AnnotationRenderer(ctx, viewer).full(annotation)


class AnnotationRenderer:
    """Renders the annotations of one response for one viewer.

    What annotations share (owners, datasets, teams, stores, settings, tasks) is rendered once per
    renderer and the same objects reused: state does not change while one response is rendered.
    Make a new renderer per response, so later changes to the state show.
    """

    def __init__(self, ctx: Context, viewer: User | None) -> None:
        self._ctx = ctx
        self._state = ctx.state
        self._new = ctx.new
        self._viewer = viewer
        self._tasks = TaskRenderer(ctx)
        self._owners: dict[str, JsonDict | None] = {}
        self._users: dict[str, JsonDict | None] = {}
        self._teams: dict[str, JsonDict] = {}
        self._stores: dict[str, JsonDict] = {}
        self._settings: dict[tuple[object, ...], JsonDict] = {}
        self._tracingstore: JsonDict | None = None

    def _owner(self, owner_id: str | None) -> JsonDict | None:
        if not owner_id:
            return None
        if owner_id not in self._owners:
            owner = self._state.users.get(owner_id)
            self._owners[owner_id] = (
                None
                if owner is None
                else {"id": owner.id, "firstName": owner.first_name, "lastName": owner.last_name}
            )
        return self._owners[owner_id]

    def _user(self, owner_id: str | None) -> JsonDict | None:
        if not owner_id:
            return None
        if owner_id not in self._users:
            owner = self._state.users.get(owner_id)
            self._users[owner_id] = None if owner is None else compact_user_json(self._ctx, owner)
        return self._users[owner_id]

    def _team_list(self, annotation: Annotation) -> list[JsonDict]:
        """A task annotation's project team, then the teams it is shared with."""
        team_ids = [*annotation_team_ids(self._state, annotation), *annotation.shared_team_ids]
        teams = self._state.teams
        found: list[JsonDict] = []
        for team_id in dict.fromkeys(team_ids):
            if team_id not in teams:
                continue
            if team_id not in self._teams:
                self._teams[team_id] = team_json(self._ctx, teams[team_id])
            found.append(self._teams[team_id])
        return found

    def _contributors(self, annotation: Annotation) -> list[JsonDict]:
        found = (
            self._user(user_id)
            for user_id in dict.fromkeys(annotation.contributor_ids)
            if user_id != annotation.owner_id
        )
        return [user for user in found if user is not None]

    def _datastore(self, dataset_name: str) -> JsonDict:
        found = self._stores.get(dataset_name)
        if found is None:
            state = self._state
            dataset = state.datasets.get(dataset_name)
            store_name = (
                dataset.datastore_name if dataset is not None else next(iter(state.datastores))
            )
            found = self._stores[dataset_name] = datastore_json(
                self._ctx, state.datastores[store_name]
            )
        return found

    def _tracingstore_json(self) -> JsonDict:
        if self._tracingstore is None:
            store = next(iter(self._state.tracingstores.values()))
            self._tracingstore = tracingstore_json(self._ctx, store)
        return self._tracingstore

    def _settings_json(self, annotation: Annotation, task_type: TaskType | None) -> JsonDict:
        """A Task annotation's settings are its task type's; others' follow their layers and
        the restrictions createExplorational was given."""
        if task_type is not None:
            key: tuple[object, ...] = ("type", task_type.id)
        else:
            key = (_tracing_type(annotation), *sorted(annotation.mag_restrictions.items()))
        found = self._settings.get(key)
        if found is None:
            if task_type is not None:
                found = task_type_settings_json(self._ctx, task_type)
            else:
                found = settings_json(
                    self._ctx, _tracing_type(annotation), annotation.mag_restrictions
                )
            self._settings[key] = found
        return found

    def compact(self, annotation: Annotation) -> JsonDict:
        """The list form of ``/user/annotations`` and ``/users/:id/annotations``."""
        data: JsonDict = {
            "id": annotation.id,
            "typ": annotation.typ,
            "state": annotation.state,
            "name": annotation.name,
            "description": annotation.description,
            "modified": annotation.modified,
            "stats": _stats_json(self._ctx, annotation),
            "annotationLayers": _layers_json(self._ctx, annotation),
            "dataSetName": annotation.dataset,
            "organization": self._state.organization,
            "visibility": annotation.visibility,
            "tracingTime": annotation.tracing_time,
            "teams": self._team_list(annotation),
            "tags": list(annotation.tags),
            "owner": self._owner(annotation.owner_id),
            "othersMayEdit": annotation.others_may_edit,
        }
        if not self._new:
            data["formattedHash"] = annotation.id[-6:]
        else:
            data["isLockedByOwner"] = False
            data["datasetId"] = self._tasks.dataset_id(annotation.dataset)
        return data

    def full(self, annotation: Annotation) -> JsonDict:
        """The full form."""
        state = self._state
        data = self.compact(annotation)
        owner_json = self._user(annotation.owner_id)
        task = state.tasks.get(annotation.task_id) if annotation.task_id else None
        task_type = state.task_types[task.task_type_id] if task is not None else None
        data["viewConfiguration"] = None
        data["task"] = self._tasks.render(task) if task is not None else None
        data["restrictions"] = _restrictions_json(self._ctx, annotation, self._viewer)
        data["dataStore"] = self._datastore(annotation.dataset)
        data["tracingStore"] = self._tracingstore_json()
        data["settings"] = self._settings_json(annotation, task_type)
        data["user"] = owner_json
        data["owner"] = owner_json
        data["contributors"] = self._contributors(annotation)
        return data


def compound_annotation_json(
    ctx: Context,
    typ: str,
    entity_id: str,
    name: str,
    dataset: str,
    viewer: User,
    stats: SkeletonStats,
) -> JsonDict:
    """The merged annotation a compound ``info`` describes; ``stats`` are its members' counts
    together."""
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
        content_stats=stats,
    )
    data = annotation_json(ctx, merged, viewer)
    data["restrictions"] = {
        "allowAccess": True,
        "allowUpdate": False,
        "allowFinish": False,
        "allowDownload": True,
    }
    return data
