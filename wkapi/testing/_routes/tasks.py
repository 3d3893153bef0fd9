"""Task and task type routes (creation itself lives in ``_task_creation``)."""

from __future__ import annotations

import random
from collections.abc import Iterable

from aiohttp import web

from .._access import can_read_task, is_member
from .._build import assign_task, holders
from .._context import context
from .._errors import (
    bad_request,
    html_error,
    json_list_response,
    json_response,
    not_found,
    play_map_error,
    success_messages,
    with_messages,
)
from .._gc import gc_paused
from .._json import TaskRenderer, task_json, task_type_json
from .._json_annotations import AnnotationRenderer
from .._routing import Route, v5_adapter
from .._state import Task, User
from ._auth import require_user
from ._lookup import project_by_key, task_for_admin, task_for_read, task_type_for_read
from ._params import json_body, json_body_bytes, object_id, parse_json
from ._task_creation import TaskSpec, create_tasks, instances_key, task_fields
from ._validation import Field, collect_errors, field_errors, is_valid

LIST_LIMIT = 1000
_LIST_FIELDS = (
    Field("user", "string", required=False),
    Field("project", "string", required=False),
    Field("ids", "strings", required=False),
    Field("taskType", "string", required=False),
    Field("random", "bool", required=False),
)


async def create(request: web.Request) -> web.StreamResponse:
    user = require_user(request)
    raw = await json_body_bytes(request)
    with gc_paused():
        return _create(request, user, raw)


def _create(request: web.Request, user: User, raw: bytes) -> web.Response:
    ctx = context(request)
    body = parse_json(request, raw)
    if not isinstance(body, list):
        raise play_map_error({"obj": ["error.expected.jsarray"]})
    fields = task_fields(ctx)
    errors: dict[str, list[str]] = {}
    for index, item in enumerate(body):
        if not is_valid(item, fields):
            errors.update(collect_errors(item, fields, path=f"obj[{index}]"))
    if errors:
        raise play_map_error(errors)
    specs = [TaskSpec.from_json(ctx, item) for item in body]
    del body  # free the parsed items before the tasks are created
    return create_tasks(request, user, specs)


async def read(request: web.Request) -> web.StreamResponse:
    user = require_user(request)
    task = task_for_read(request, request.match_info["id"], user)
    return json_response(task_json(context(request), task, with_data_set=v5_adapter(request)))


async def delete(request: web.Request) -> web.StreamResponse:
    user = require_user(request)
    task = task_for_admin(request, request.match_info["id"], user)
    context(request).state.remove_task(task.id)
    return success_messages("Task was removed")


async def update(request: web.Request) -> web.StreamResponse:
    """Validates a full task body but applies only the instance count (the new pending count)."""
    user = require_user(request)
    ctx = context(request)
    task = task_for_admin(request, request.match_info["id"], user)
    body = await json_body(request)
    errors = field_errors(body, task_fields(ctx))
    if errors:
        raise play_map_error(errors)
    assert isinstance(body, dict)
    pending = int(body[instances_key(ctx)])
    if pending < 0:
        raise bad_request("The number of instances must not be negative")
    task.instances = task.active + task.finished + pending
    data = task_json(ctx, task, with_data_set=v5_adapter(request))
    return json_response(with_messages(data, "Task was updated successfully"))


async def task_annotations(request: web.Request) -> web.StreamResponse:
    user = require_user(request)
    ctx = context(request)
    task = task_for_read(request, request.match_info["id"], user)
    found = [a for a in ctx.state.annotations_of_task(task.id) if a.state != "Cancelled"]
    return json_list_response(found, AnnotationRenderer(ctx, user).full)


async def assign(request: web.Request) -> web.StreamResponse:
    user = require_user(request)
    ctx = context(request)
    task = task_for_admin(request, request.match_info["id"], user)
    raw_user_id = request.query.get("userId")
    if raw_user_id is None:
        raise html_error(request, 400, "Missing parameter: userId")
    assignee = ctx.state.users.get(object_id(raw_user_id))
    if assignee is None:
        raise not_found("User could not be found")
    if task.pending <= 0:
        raise bad_request("This task has no pending instances left")
    if assignee.id in holders(ctx.state, task.id):
        raise bad_request("The user already has an annotation of this task")
    assign_task(ctx.state, task, assignee)
    return json_response(task_json(ctx, task))


def _filtered_project_id(request: web.Request, key: str) -> str:
    """The id of the project the ``project`` filter names (a name before API v4); an unknown
    one matches no task."""
    project = project_by_key(request, key)
    return project.id if project is not None else ""


def _candidates(request: web.Request, body: dict[str, object]) -> Iterable[Task]:
    """Tasks matching the filters, from the smallest index that applies, in id order."""
    state = context(request).state
    raw_ids = body.get("ids")
    if isinstance(raw_ids, list):
        ids = sorted({object_id(str(i)) for i in raw_ids})
        tasks: Iterable[Task] = (state.tasks[i] for i in ids if i in state.tasks)
        if body.get("project") is not None:
            project_id = _filtered_project_id(request, str(body["project"]))
            tasks = (t for t in tasks if t.project_id == project_id)
    elif body.get("project") is not None:
        project_id = _filtered_project_id(request, str(body["project"]))
        tasks = (state.tasks[i] for i in state.tasks_by_project.get(project_id, ()))
    else:
        tasks = state.tasks.values()
    if body.get("taskType") is not None:
        type_id = object_id(str(body["taskType"]))
        tasks = (t for t in tasks if t.task_type_id == type_id)
    if body.get("user") is not None:
        user_id = object_id(str(body["user"]))
        worked = {state.annotations[a].task_id for a in state.annotations_by_owner.get(user_id, ())}
        tasks = (t for t in tasks if t.id in worked)
    return tasks


async def list_tasks(request: web.Request) -> web.StreamResponse:
    """``POST /tasks/list``: at most 1000 tasks, no paging (``tasktype`` is ignored, as on real
    servers; ``taskType`` filters)."""
    user = require_user(request)
    ctx = context(request)
    body = await json_body(request)
    errors = field_errors(body, _LIST_FIELDS)
    if errors:
        raise play_map_error(errors)
    assert isinstance(body, dict)
    readable = (t for t in _candidates(request, body) if can_read_task(ctx.state, user, t))
    if body.get("random"):
        everything = list(readable)
        rng = random.Random(ctx.state.derive("tasks/list", ctx.request_count))
        found = rng.sample(everything, min(LIST_LIMIT, len(everything)))
    else:
        found = []
        for task in readable:
            if len(found) == LIST_LIMIT:
                break
            found.append(task)
    return json_list_response(found, TaskRenderer(ctx).render)


async def list_task_types(request: web.Request) -> web.StreamResponse:
    user = require_user(request)
    ctx = context(request)
    types = [t for t in ctx.state.task_types.values() if is_member(user, t.team_id)]
    return json_response([task_type_json(ctx, t) for t in types])


async def read_task_type(request: web.Request) -> web.StreamResponse:
    require_user(request)
    task_type = task_type_for_read(request, request.match_info["id"])
    return json_response(task_type_json(context(request), task_type))


ROUTES = [
    Route("POST", "/tasks", create),
    Route("POST", "/tasks/list", list_tasks),
    Route("GET", "/tasks/{id}", read),
    Route("DELETE", "/tasks/{id}", delete),
    Route("PUT", "/tasks/{id}", update),
    Route("GET", "/tasks/{id}/annotations", task_annotations),
    Route("POST", "/tasks/{id}/assign", assign),
    Route("GET", "/taskTypes", list_task_types),
    Route("GET", "/taskTypes/{id}", read_task_type),
]
