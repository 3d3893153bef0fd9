"""Annotation routes other than download and upload: info, edit, state changes, copies."""

from __future__ import annotations

from aiohttp import web

from .._access import administrates_annotation, can_update_annotation
from .._build import COMPOUND_TYPES
from .._content import NmlError, total
from .._context import caller, context
from .._copies import duplicate_annotation, merge_annotations
from .._downloads import compound_members, skeleton_stats
from .._errors import (
    bad_request,
    forbidden,
    json_response,
    play_map_error,
    success_messages,
    with_messages,
)
from .._json_annotations import annotation_json, compound_annotation_json
from .._routing import Route, split_api_path
from .._state import Annotation, User
from ._auth import require_user
from ._lookup import annotation_type, compound_for_admin, readable_annotation
from ._params import json_body, object_id, require_query_long
from ._validation import Field, field_errors

_VISIBILITIES = ("Private", "Internal", "Public")
_EDIT_FIELDS = (
    Field("name", "string", required=False),
    Field("description", "string", required=False),
    Field("visibility", "string", required=False),
    Field("tags", "strings", required=False),
)


def _require_timestamp(request: web.Request) -> None:
    """``timestamp`` is required from API v3 on (and on the unversioned newest routes)."""
    version, _ = split_api_path(request.path)
    if version is None or version >= 3:
        require_query_long(request, "timestamp")


def _updatable(request: web.Request, user: User) -> Annotation:
    annotation_type(request.match_info["typ"])
    annotation = readable_annotation(request, request.match_info["id"])
    if not can_update_annotation(context(request).state, user, annotation):
        raise forbidden()
    return annotation


def _answer(request: web.Request, annotation: Annotation, user: User, message: str) -> web.Response:
    data = annotation_json(context(request), annotation, user)
    return json_response(with_messages(data, message))


async def info(request: web.Request) -> web.StreamResponse:
    _require_timestamp(request)
    ctx = context(request)
    typ = annotation_type(request.match_info["typ"])
    if typ in COMPOUND_TYPES:
        compound = compound_for_admin(request, typ, request.match_info["id"])
        members = compound_members(ctx.state, typ, compound.id)
        dataset = members[0].dataset if members else compound.dataset
        viewer = require_user(request)
        stats = total(skeleton_stats(m) for m in members if m.skeleton)
        data = compound_annotation_json(
            ctx, typ, compound.id, compound.name, dataset, viewer, stats
        )
        return json_response(data)
    annotation = readable_annotation(request, request.match_info["id"])
    return json_response(annotation_json(ctx, annotation, caller(request)))


async def edit(request: web.Request) -> web.StreamResponse:
    user = require_user(request)
    annotation = _updatable(request, user)
    body = await json_body(request)
    errors = field_errors(body, _EDIT_FIELDS)
    if (
        not errors
        and isinstance(body, dict)
        and body.get("visibility") not in (None, *_VISIBILITIES)
    ):
        errors["obj.visibility"] = ["error.expected.validenumvalue"]
    if errors:
        raise play_map_error(errors)
    assert isinstance(body, dict)
    for key, attribute in (("name", "name"), ("description", "description")):
        if body.get(key) is not None:
            setattr(annotation, attribute, body[key])
    if body.get("visibility") is not None:
        annotation.visibility = body["visibility"]
    if body.get("tags") is not None:
        annotation.tags = list(body["tags"])
    annotation.modified = context(request).state.now_ms()
    return success_messages("Successfully updated annotation")


async def finish(request: web.Request) -> web.StreamResponse:
    _require_timestamp(request)
    user = require_user(request)
    annotation = _updatable(request, user)
    if annotation.state != "Active":
        raise bad_request("Annotation is not active and cannot be finished")
    context(request).state.set_annotation_state(annotation, "Finished")
    message = "Task is finished" if annotation.typ == "Task" else "Annotation is archived"
    return _answer(request, annotation, user, message)


async def finish_many(request: web.Request) -> web.StreamResponse:
    _require_timestamp(request)
    user = require_user(request)
    annotation_type(request.match_info["typ"])
    body = await json_body(request)
    errors = field_errors(body, (Field("annotations", "strings"),))
    if errors:
        raise play_map_error(errors)
    assert isinstance(body, dict)
    state = context(request).state
    found = [readable_annotation(request, a) for a in body["annotations"]]
    for annotation in found:
        if not can_update_annotation(state, user, annotation):
            raise forbidden()
        if annotation.state != "Active":
            raise bad_request(f"Annotation {annotation.id} is not active and cannot be finished")
    for annotation in found:
        state.set_annotation_state(annotation, "Finished")
    return success_messages("Annotations are finished")


async def reopen(request: web.Request) -> web.StreamResponse:
    user = require_user(request)
    annotation = _updatable(request, user)
    state = context(request).state
    if annotation.typ == "Task" and not administrates_annotation(state, user, annotation):
        raise forbidden()
    if annotation.state != "Finished":
        raise bad_request("Annotation is not finished and cannot be reopened")
    state.set_annotation_state(annotation, "Active")
    return _answer(request, annotation, user, "Annotation was reopened")


async def reset(request: web.Request) -> web.StreamResponse:
    user = require_user(request)
    annotation = _updatable(request, user)
    state = context(request).state
    if annotation.typ != "Task":
        raise bad_request("Only task annotations can be reset")
    if not administrates_annotation(state, user, annotation):
        raise forbidden()
    annotation.content_seed = state.derive("reset", annotation.id, annotation.content_seed)
    annotation.modified = state.now_ms()
    return _answer(request, annotation, user, "Annotation was reset")


async def cancel(request: web.Request) -> web.StreamResponse:
    user = require_user(request)
    annotation = _updatable(request, user)
    if annotation.state == "Cancelled":
        raise bad_request("Annotation is already cancelled")
    context(request).state.set_annotation_state(annotation, "Cancelled")
    return success_messages("Annotation was cancelled")


def _same_dataset(sources: list[Annotation]) -> None:
    if len({a.dataset for a in sources}) > 1:
        raise bad_request("Cannot merge annotations of different datasets")


def _stored(request: web.Request, typ_key: str, id_key: str) -> Annotation:
    typ = annotation_type(request.match_info[typ_key])
    if typ in COMPOUND_TYPES:
        object_id(request.match_info[id_key])
        raise bad_request(f"Cannot use a {typ} annotation here")
    return readable_annotation(request, request.match_info[id_key])


async def duplicate(request: web.Request) -> web.StreamResponse:
    """A copy owned by the caller that downloads what the original does."""
    user = require_user(request)
    ctx = context(request)
    copy = duplicate_annotation(ctx.state, user.id, _stored(request, "typ", "id"))
    return json_response(annotation_json(ctx, copy, user))


async def merge(request: web.Request) -> web.StreamResponse:
    """A new annotation of the caller holding the trees of both (see ``_copies``)."""
    user = require_user(request)
    ctx = context(request)
    sources = [_stored(request, "typ", "id"), _stored(request, "mergedTyp", "mergedId")]
    _same_dataset(sources)
    try:
        merged = await merge_annotations(ctx, user.id, sources)
    except NmlError as exc:
        raise bad_request(f"Could not merge the annotations. {exc.reason}") from None
    return _answer(request, merged, user, "Annotations were merged")


ROUTES = [
    Route("PATCH", "/annotations/{typ}/finish", finish_many),
    Route("GET", "/annotations/{typ}/{id}/info", info),
    Route("PATCH", "/annotations/{typ}/{id}/edit", edit),
    Route("PATCH", "/annotations/{typ}/{id}/finish", finish),
    Route("PATCH", "/annotations/{typ}/{id}/reopen", reopen),
    Route("PUT", "/annotations/{typ}/{id}/reset", reset),
    Route("DELETE", "/annotations/{typ}/{id}", cancel),
    Route("POST", "/annotations/{typ}/{id}/duplicate", duplicate),
    Route("POST", "/annotations/{typ}/{id}/merge/{mergedTyp}/{mergedId}", merge),
]
