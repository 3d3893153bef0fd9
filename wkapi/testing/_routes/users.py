"""Routes about users and teams, including the users' paged annotation and task lists."""

from __future__ import annotations

from aiohttp import web

from .._access import can_edit_user, can_read_user, is_member, manages
from .._context import context
from .._errors import forbidden, json_response, not_found
from .._json import team_json, user_json
from .._json_annotations import AnnotationRenderer
from .._routing import Route
from .._state import Annotation, User
from ._auth import require_user
from ._paging import finished_filter, paged_response
from ._params import object_id, query_bool

ANNOTATION_LIST_LIMIT = 1000


def _target_user(request: web.Request, viewer: User) -> User:
    ctx = context(request)
    user_id = object_id(request.match_info["id"])
    user = ctx.state.users.get(user_id)
    if user is None:
        raise not_found("User could not be found")
    if not can_read_user(viewer, user):
        raise forbidden()
    return user


async def list_users(request: web.Request) -> web.StreamResponse:
    viewer = require_user(request)
    ctx = context(request)
    editable = query_bool(request, "isEditable")
    admin = query_bool(request, "isAdmin")
    users = [u for u in ctx.state.users.values() if can_read_user(viewer, u)]
    if editable is not None:
        users = [u for u in users if can_edit_user(viewer, u) == editable]
    if admin is not None:
        users = [u for u in users if u.is_admin == admin]
    return json_response([user_json(ctx, u, viewer) for u in users])


async def current_user(request: web.Request) -> web.StreamResponse:
    viewer = require_user(request)
    return json_response(user_json(context(request), viewer, viewer))


async def read_user(request: web.Request) -> web.StreamResponse:
    viewer = require_user(request)
    return json_response(user_json(context(request), _target_user(request, viewer), viewer))


def _annotations_of(request: web.Request, user: User, typ: str) -> list[Annotation]:
    """The user's annotations of ``typ`` passing ``isFinished``, newest first."""
    state = context(request).state
    keep = finished_filter(request)
    ids = state.annotations_by_owner.get(user.id)
    found = (state.annotations[a] for a in reversed(ids or ()))
    return [a for a in found if a.typ == typ and keep(a.state)]


def _explorationals(request: web.Request, user: User) -> web.Response:
    ctx = context(request)
    annotations = _annotations_of(request, user, "Explorational")
    return paged_response(
        request,
        annotations,
        AnnotationRenderer(ctx, None).compact,
        default_limit=ANNOTATION_LIST_LIMIT,
    )


def _task_annotations(request: web.Request, user: User, viewer: User) -> web.Response:
    ctx = context(request)
    annotations = _annotations_of(request, user, "Task")
    return paged_response(
        request,
        annotations,
        AnnotationRenderer(ctx, viewer).full,
        default_limit=ANNOTATION_LIST_LIMIT,
    )


async def own_annotations(request: web.Request) -> web.StreamResponse:
    return _explorationals(request, require_user(request))


async def own_tasks(request: web.Request) -> web.StreamResponse:
    viewer = require_user(request)
    return _task_annotations(request, viewer, viewer)


async def user_annotations(request: web.Request) -> web.StreamResponse:
    viewer = require_user(request)
    return _explorationals(request, _target_user(request, viewer))


async def user_tasks(request: web.Request) -> web.StreamResponse:
    viewer = require_user(request)
    return _task_annotations(request, _target_user(request, viewer), viewer)


async def list_teams(request: web.Request) -> web.StreamResponse:
    """The teams the caller may read (its own; every team for an admin). The route list says
    "teams that you can manage": that is the real ``isEditable=true`` filter, which this honours;
    absent or false, real servers list all readable teams."""
    viewer = require_user(request)
    ctx = context(request)
    allowed = manages if query_bool(request, "isEditable") else is_member
    teams = [t for t in ctx.state.teams.values() if allowed(viewer, t.id)]
    return json_response([team_json(ctx, t) for t in teams])


ROUTES = [
    Route("GET", "/users", list_users),
    Route("GET", "/user", current_user),
    Route("GET", "/user/tasks", own_tasks),
    Route("GET", "/user/annotations", own_annotations),
    Route("GET", "/users/{id}", read_user),
    Route("GET", "/users/{id}/tasks", user_tasks),
    Route("GET", "/users/{id}/annotations", user_annotations),
    Route("GET", "/teams", list_teams),
]
