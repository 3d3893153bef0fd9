"""Project routes, including the generation-specific with-status list."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from .._access import can_read_project, manages
from .._build import new_project
from .._context import context
from .._errors import (
    bad_request,
    forbidden,
    form_error,
    json_response,
    not_found,
    success_messages,
)
from .._json import TaskRenderer, project_json
from .._routing import Route, v5_adapter
from .._state import IdIndex, NewestFirst, User
from ._auth import require_user
from ._lookup import project_for_admin, project_for_read
from ._paging import paged_response
from ._params import json_body, object_id, query_int
from ._validation import Field, field_errors, form_fields

_NAME = re.compile(r"[a-zA-Z0-9_-]{3,}")
_FIELDS = (
    Field("name", "string"),
    Field("team", "string"),
    Field("priority", "int"),
    Field("paused", "bool", required=False),
    Field("expectedTime", "long", required=False),
    Field("owner", "string", required=False),
    Field("isBlacklistedFromReport", "bool", required=False),
)


async def _project_body(request: web.Request, user: User) -> dict[str, Any]:
    """A validated project body whose team exists and is managed by ``user``."""
    state = context(request).state
    body = await json_body(request)
    errors = form_fields(field_errors(body, _FIELDS, path="", separator="/"))
    if not errors and isinstance(body, dict) and not _NAME.fullmatch(body["name"]):
        errors.append(("/name", "error.pattern"))
    if errors:
        raise form_error(errors)
    assert isinstance(body, dict)
    if object_id(body["team"]) not in state.teams:
        raise not_found("Team could not be found")
    if not manages(user, body["team"]):
        raise forbidden()
    owner = body.get("owner")
    if owner is not None and object_id(owner) not in state.users:
        raise not_found("User could not be found")
    return body


def _visible(request: web.Request, user: User, *, with_status: bool) -> web.Response:
    ctx = context(request)
    projects = [p for p in ctx.state.projects.values() if can_read_project(user, p)]
    return json_response([project_json(ctx, p, with_status=with_status) for p in projects])


async def list_projects(request: web.Request) -> web.StreamResponse:
    return _visible(request, require_user(request), with_status=False)


async def assignments(request: web.Request) -> web.StreamResponse:
    """``/projects/assignments``: only servers before 23.09 have it.

    Newer servers route the path to ``GET /projects/:id``, which refuses the id (400).
    """
    if context(request).new:
        return _read_project(request, "assignments")
    return _visible(request, require_user(request), with_status=True)


async def with_status(request: web.Request) -> web.StreamResponse:
    """``/projects/withStatus``: only servers from 23.09 on have it.

    Older servers route the path to ``GET /projects/:id``, which refuses the id (400; before
    API v4 it is looked up as a project name instead, and not found: 404).
    """
    if not context(request).new:
        return _read_project(request, "withStatus")
    return _visible(request, require_user(request), with_status=True)


async def create(request: web.Request) -> web.StreamResponse:
    user = require_user(request)
    ctx = context(request)
    body = await _project_body(request, user)
    if ctx.state.project_by_name(body["name"]) is not None:
        raise bad_request(f"A project with the name {body['name']} already exists")
    project = new_project(
        ctx.state,
        body["name"],
        team_id=body["team"],
        owner_id=body.get("owner") or user.id,
        priority=int(body["priority"]),
        paused=bool(body.get("paused", False)),
        expected_time=body.get("expectedTime"),
        is_blacklisted_from_report=bool(body.get("isBlacklistedFromReport", False)),
    )
    return json_response(project_json(ctx, project))


async def read(request: web.Request) -> web.StreamResponse:
    return _read_project(request, request.match_info["id"])


def _read_project(request: web.Request, project_id: str) -> web.Response:
    """``GET /projects/:id`` for ``project_id``."""
    user = require_user(request)
    project = project_for_read(request, project_id, user)
    return json_response(project_json(context(request), project))


async def read_by_name(request: web.Request) -> web.StreamResponse:
    user = require_user(request)
    project = context(request).state.project_by_name(request.match_info["name"])
    if project is None or not can_read_project(user, project):
        raise not_found("Project could not be found")
    return json_response(project_json(context(request), project))


async def update(request: web.Request) -> web.StreamResponse:
    """Applies everything but ``name`` and ``paused``."""
    user = require_user(request)
    project = project_for_admin(request, request.match_info["id"], user)
    body = await _project_body(request, user)
    project.team_id = body["team"]
    project.priority = int(body["priority"])
    project.expected_time = body.get("expectedTime")
    project.owner_id = body.get("owner") or project.owner_id
    project.is_blacklisted_from_report = bool(body.get("isBlacklistedFromReport", False))
    return json_response(project_json(context(request), project))


async def delete(request: web.Request) -> web.StreamResponse:
    user = require_user(request)
    project = project_for_admin(request, request.match_info["id"], user)
    context(request).state.remove_project(project.id)
    return success_messages("Project was removed successfully")


async def tasks(request: web.Request) -> web.StreamResponse:
    user = require_user(request)
    ctx = context(request)
    project = project_for_read(request, request.match_info["id"], user)
    newest_first = NewestFirst(ctx.state.tasks_by_project.get(project.id) or IdIndex())
    render = TaskRenderer(ctx, with_data_set=v5_adapter(request)).render
    tasks_by_id = ctx.state.tasks
    return paged_response(
        request, newest_first, lambda t: render(tasks_by_id[t]), default_limit=None
    )


async def increment_instances(request: web.Request) -> web.StreamResponse:
    user = require_user(request)
    ctx = context(request)
    project = project_for_admin(request, request.match_info["id"], user)
    delta = query_int(request, "delta")
    delta = 1 if delta is None else delta
    if delta < 0:
        raise bad_request("The delta must not be negative")
    for task_id in ctx.state.tasks_by_project.get(project.id, ()):
        ctx.state.tasks[task_id].instances += delta
    return json_response(project_json(ctx, project, with_status=True))


async def _set_paused(request: web.Request, paused: bool) -> web.Response:
    user = require_user(request)
    project = project_for_admin(request, request.match_info["id"], user)
    project.paused = paused
    return json_response(project_json(context(request), project))


async def pause(request: web.Request) -> web.StreamResponse:
    return await _set_paused(request, True)


async def resume(request: web.Request) -> web.StreamResponse:
    return await _set_paused(request, False)


ROUTES = [
    Route("GET", "/projects", list_projects),
    Route("POST", "/projects", create),
    Route("GET", "/projects/assignments", assignments),
    Route("GET", "/projects/withStatus", with_status),
    Route("GET", "/projects/byName/{name}", read_by_name),
    Route("GET", "/projects/{id}", read),
    Route("PUT", "/projects/{id}", update),
    Route("DELETE", "/projects/{id}", delete),
    Route("GET", "/projects/{id}/tasks", tasks),
    Route("PATCH", "/projects/{id}/incrementEachTasksInstances", increment_instances),
    Route("PATCH", "/projects/{id}/pause", pause),
    Route("PATCH", "/projects/{id}/resume", resume),
]
