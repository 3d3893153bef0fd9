"""Finding the entity a path names, with the real server's refusals for bad or missing ones."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from .._access import (
    can_read_annotation,
    can_read_dataset,
    can_read_project,
    can_read_task,
    manages,
)
from .._build import ANNOTATION_TYPES
from .._context import caller, context
from .._errors import (
    ANNOTATION_NOT_FOUND,
    ANNOTATION_NOT_PUBLIC,
    NOT_FOUND_GENERIC,
    ApiError,
    bad_request,
    forbidden,
    not_found,
)
from .._routing import split_api_path
from .._state import Annotation, Dataset, Project, Task, TaskType, User
from ._params import object_id

# API v4 changed the project routes (and the project filter of POST /tasks/list) from names to ids.
_FIRST_VERSION_WITH_PROJECT_IDS = 4


def annotation_type(value: str) -> str:
    if value not in ANNOTATION_TYPES:
        raise bad_request(f"Invalid AnnotationType: {value}")
    return value


def readable_annotation(request: web.Request, annotation_id: str) -> Annotation:
    """The annotation if the caller may read it: 404 for anonymous callers and missing ones,
    403 for logged-in callers without access."""
    user = caller(request)
    annotation = context(request).state.annotations.get(object_id(annotation_id))
    if annotation is None:
        raise not_found(ANNOTATION_NOT_PUBLIC if user is None else ANNOTATION_NOT_FOUND)
    if not can_read_annotation(context(request).state, user, annotation):
        if user is None:
            raise not_found(ANNOTATION_NOT_PUBLIC)
        raise forbidden()
    return annotation


def dataset_not_found(name: str) -> ApiError:
    return not_found(f"Dataset {name} does not exist or could not be accessed")


def readable_dataset(request: web.Request, organization: str, name: str) -> Dataset:
    """The dataset, or the 404 a real server gives for missing and unreadable ones alike."""
    state = context(request).state
    dataset = state.datasets.get(name)
    if (
        organization != state.organization
        or dataset is None
        or not can_read_dataset(caller(request), dataset)
    ):
        raise dataset_not_found(name)
    return dataset


def task_for_read(request: web.Request, task_id: str, user: User) -> Task:
    state = context(request).state
    task = state.tasks.get(object_id(task_id))
    if task is None:
        raise not_found("Task could not be found")
    if not can_read_task(state, user, task):
        raise not_found(NOT_FOUND_GENERIC)
    return task


def task_for_admin(request: web.Request, task_id: str, user: User) -> Task:
    task = task_for_read(request, task_id, user)
    if not manages(user, context(request).state.project_of(task).team_id):
        raise forbidden()
    return task


def projects_by_name(request: web.Request) -> bool:
    """Whether the request's API version names projects by name (``/api/v1`` to ``/api/v3``)."""
    version, _ = split_api_path(request.path)
    return version is not None and version < _FIRST_VERSION_WITH_PROJECT_IDS


def project_by_key(request: web.Request, key: str) -> Project | None:
    """The project a path or filter names: by id, or by name before API v4."""
    state = context(request).state
    if projects_by_name(request):
        return state.project_by_name(key)
    return state.projects.get(object_id(key))


def project_for_read(request: web.Request, project_key: str, user: User) -> Project:
    project = project_by_key(request, project_key)
    if project is None:
        raise not_found("Project could not be found")
    if not can_read_project(user, project):
        raise not_found(NOT_FOUND_GENERIC)
    return project


def project_for_admin(request: web.Request, project_key: str, user: User) -> Project:
    project = project_for_read(request, project_key, user)
    if not manages(user, project.team_id):
        raise forbidden()
    return project


def task_type_for_read(request: web.Request, task_type_id: str) -> TaskType:
    task_type = context(request).state.task_types.get(object_id(task_type_id))
    if task_type is None:
        raise not_found("Task type could not be found")
    return task_type


@dataclass(frozen=True)
class Compound:
    """What a compound type and id name: the merged annotation's name, dataset and team."""

    typ: str
    id: str
    name: str
    dataset: str
    team_id: str


def compound_for_admin(request: web.Request, typ: str, entity_id: str) -> Compound:
    """Resolve ``CompoundTask``/``CompoundProject``/``CompoundTaskType``; team managers and
    admins only (403 otherwise, anonymous callers included)."""
    state = context(request).state
    user = caller(request)
    object_id(entity_id)
    if typ == "CompoundTask":
        task = state.tasks.get(entity_id)
        if task is None:
            raise not_found("Task could not be found")
        found = Compound(typ, entity_id, task.id, task.dataset, state.project_of(task).team_id)
    elif typ == "CompoundProject":
        project = state.projects.get(entity_id)
        if project is None:
            raise not_found("Project could not be found")
        first_task = next(iter(state.tasks_by_project.get(entity_id, ())), None)
        dataset = state.tasks[first_task].dataset if first_task is not None else ""
        found = Compound(typ, entity_id, project.name, dataset, project.team_id)
    else:
        task_type = state.task_types.get(entity_id)
        if task_type is None:
            raise not_found("Task type could not be found")
        found = Compound(typ, entity_id, task_type.summary, "", task_type.team_id)
    if not manages(user, found.team_id):
        raise forbidden()
    return found
