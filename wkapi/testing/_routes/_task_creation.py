"""Task creation as ``POST /tasks`` and ``POST /tasks/createFromFiles`` do it (section 9).

Whole-request failures come first and create nothing: the batch limit, body validation, items on
several datasets, an unknown dataset or task type. Then every item is tried in input order and
answered one by one (unknown script, a project whose team the caller does not manage). An
unknown project name fails the whole request only **after** the other items were created.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .._access import can_read_dataset, manages
from .._build import new_task
from .._context import Context, context
from .._errors import NOT_AUTHORIZED, bad_request, json_response, not_found
from .._json import TaskRenderer
from .._routing import v5_adapter
from .._state import Project, State, Task, User
from ._lookup import dataset_not_found
from ._params import object_id
from ._validation import Field

MAX_TASKS = 1000
MAX_VOLUME_TASKS = 100
LIMIT_EXCEEDED = (
    "task.create.limitExceeded: at most 1000 tasks per request, 100 if a task type is volume "
    "or hybrid"
)
_BOUNDING_BOX = Field(
    "boundingBox",
    "object",
    required=False,
    children=(
        Field("topLeft", "vec3int"),
        Field("width", "int"),
        Field("height", "int"),
        Field("depth", "int"),
    ),
)
_EXPERIENCE = Field(
    "neededExperience", "object", children=(Field("domain", "string"), Field("value", "int"))
)


def instances_key(ctx: Context) -> str:
    """The instance-count key the generation requires (``openInstances`` before 23.09)."""
    return _instances_key(ctx.new)


def _instances_key(new: bool) -> str:
    return "pendingInstances" if new else "openInstances"


def form_json_fields(ctx: Context) -> tuple[Field, ...]:
    """The keys of createFromFiles' ``formJSON``."""
    return _form_json_fields(ctx.new)


def task_fields(ctx: Context) -> tuple[Field, ...]:
    """The keys of one ``POST /tasks`` item (and of ``PUT /tasks/:id``)."""
    return _task_fields(ctx.new)


@functools.cache
def _form_json_fields(new: bool) -> tuple[Field, ...]:
    return (
        Field("taskTypeId", "string"),
        _EXPERIENCE,
        Field(_instances_key(new), "int"),
        Field("projectName", "string"),
        Field("scriptId", "string", required=False),
        _BOUNDING_BOX,
    )


@functools.cache
def _task_fields(new: bool) -> tuple[Field, ...]:
    return (
        *_form_json_fields(new),
        Field("dataSet", "string"),
        Field("editPosition", "vec3int"),
        Field("editRotation", "vec3"),
        Field("creationInfo", "string", required=False),
        Field("description", "string", required=False),
    )


@dataclass
class TaskSpec:
    """One task to create, read from a validated body item."""

    task_type_id: str
    experience: tuple[str, int]
    instances: int
    project_name: str
    dataset: str
    script_id: str | None = None
    bounding_box: dict[str, Any] | None = None
    edit_position: tuple[int, int, int] = (0, 0, 0)
    edit_rotation: tuple[float, float, float] = (0.0, 0.0, 0.0)
    creation_info: str | None = None
    description: str | None = None
    refusal: str | None = None

    @classmethod
    def from_json(
        cls, ctx: Context, item: dict[str, Any], *, dataset: str | None = None
    ) -> TaskSpec:
        experience = item["neededExperience"]
        x, y, z = item.get("editPosition") or (0, 0, 0)
        rx, ry, rz = item.get("editRotation") or (0, 0, 0)
        return cls(
            task_type_id=item["taskTypeId"],
            experience=(experience["domain"], int(experience["value"])),
            instances=int(item[instances_key(ctx)]),
            project_name=item["projectName"],
            dataset=dataset if dataset is not None else item["dataSet"],
            script_id=item.get("scriptId"),
            bounding_box=item.get("boundingBox"),
            edit_position=(int(x), int(y), int(z)),
            edit_rotation=(rx, ry, rz),
            creation_info=item.get("creationInfo"),
            description=item.get("description"),
        )


def _check_whole_request(request: web.Request, user: User, specs: Sequence[TaskSpec]) -> None:
    state = context(request).state
    if not specs:
        raise bad_request("No tasks to create were given")
    if len(specs) > MAX_TASKS:
        raise bad_request(LIMIT_EXCEEDED)
    kinds = set()
    for type_id in {s.task_type_id for s in specs}:
        task_type = state.task_types.get(object_id(type_id))
        if task_type is None:
            raise not_found("Task type could not be found")
        kinds.add(task_type.tracing_type)
    if kinds & {"volume", "hybrid"} and len(specs) > MAX_VOLUME_TASKS:
        raise bad_request(LIMIT_EXCEEDED)
    datasets = {s.dataset for s in specs if s.refusal is None}
    if len(datasets) > 1:
        raise bad_request("Cannot create tasks on multiple datasets in one go")
    for name in datasets:
        dataset = state.datasets.get(name)
        if dataset is None or not can_read_dataset(user, dataset):
            raise dataset_not_found(name)


def _refusal(state: State, user: User, spec: TaskSpec, project: Project) -> str | None:
    if spec.refusal is not None:
        return spec.refusal
    if not manages(user, project.team_id):
        return NOT_AUTHORIZED
    if spec.script_id is not None and spec.script_id not in state.scripts:
        return "Script could not be found"
    if spec.instances < 0:
        return "The number of instances must not be negative"
    return None


def _warnings(request: web.Request, created: list[Task]) -> list[str]:
    state = context(request).state
    warnings = []
    seen: set[tuple[str, str]] = set()
    for task in created:
        project = state.projects[task.project_id]
        dataset = state.datasets[task.dataset]
        key = (project.id, dataset.name)
        if key in seen or dataset.is_public or project.team_id in dataset.allowed_team_ids:
            continue
        seen.add(key)
        team = state.teams[project.team_id].name
        warnings.append(
            f"The team {team} of project {project.name} cannot access dataset {dataset.name}"
        )
    return warnings


def create_tasks(request: web.Request, user: User, specs: Sequence[TaskSpec]) -> web.Response:
    """Create the tasks and answer ``{"tasks": [...], "warnings": [...]}`` (see module doc)."""
    ctx = context(request)
    state = ctx.state
    _check_whole_request(request, user, specs)
    projects: dict[str, Project | None] = {}
    render = TaskRenderer(ctx, with_data_set=v5_adapter(request)).render
    results: list[dict[str, Any]] = []
    created: list[Task] = []
    unknown_project = False
    for spec in specs:
        if spec.project_name not in projects:
            projects[spec.project_name] = state.project_by_name(spec.project_name)
        project = projects[spec.project_name]
        if project is None:
            unknown_project = True
            results.append({"status": 404, "error": "Project could not be found"})
            continue
        refusal = _refusal(state, user, spec, project)
        if refusal is not None:
            results.append({"status": 400, "error": refusal})
            continue
        task = new_task(
            state,
            project.id,
            spec.task_type_id,
            spec.dataset,
            instances=spec.instances,
            edit_position=spec.edit_position,
            edit_rotation=spec.edit_rotation,
            creation_info=spec.creation_info,
            needed_experience=spec.experience,
            bounding_box=spec.bounding_box,
            script_id=spec.script_id,
            description=spec.description,
        )
        created.append(task)
        results.append({"status": 200, "success": render(task)})
    if unknown_project:
        raise bad_request("Project could not be found")
    return json_response({"tasks": results, "warnings": _warnings(request, created)})
