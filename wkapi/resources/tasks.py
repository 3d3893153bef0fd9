"""Tasks: create (from specs or from annotation files), list, read, update, delete, assign."""

from __future__ import annotations

import builtins
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs
import orjson

from wkapi._errors import InputError
from wkapi._transfer import ProgressCallback, post_files
from wkapi.models import (
    Annotation,
    BoundingBox,
    NeededExperience,
    ServerMessage,
    Task,
    TaskCreationReport,
    TaskSpec,
)
from wkapi.models.task_spec import _bounding_box, _needed_experience

from ._base import Resource, check_bool, check_id, check_int, check_str

__all__ = ["MAX_TASKS_PER_REQUEST", "TaskFromFilesParams", "TasksResource"]

#: The most tasks the server creates in one ``POST /tasks`` (100 when any task type is volume
#: or hybrid, which only the server checks here).
MAX_TASKS_PER_REQUEST = 1000

PathLike = str | os.PathLike[str]


@attrs.frozen(init=False)
class TaskFromFilesParams:
    """What ``POST /tasks/createFromFiles`` needs besides the files (its ``formJSON``).

    The dataset and start position come from each annotation file; one task is created per file.

    Args:
        task_type_id: id of the task type.
        project_name: name of the project.
        needed_experience: ``(domain, value)``, a dict or a
            :class:`~wkapi.models.NeededExperience`; ``("", 0)`` means none needed.
        open_instances: how many annotators get each task (>= 1).
        script_id: id of a user script to attach.
        bounding_box: a :class:`~wkapi.models.BoundingBox`, a dict or
            ``(x, y, z, width, height, depth)``.

    Raises:
        InputError: a value is not valid; the message names it.
    """

    task_type_id: str
    project_name: str
    needed_experience: NeededExperience
    open_instances: int
    script_id: str | None
    bounding_box: BoundingBox | None

    def __init__(
        self,
        task_type_id: str,
        project_name: str,
        *,
        needed_experience: NeededExperience | tuple[str, int] | Mapping[str, Any] = ("", 0),
        open_instances: int = 1,
        script_id: str | None = None,
        bounding_box: BoundingBox | Mapping[str, Any] | Sequence[int] | None = None,
    ) -> None:
        self.__attrs_init__(
            task_type_id=check_id(task_type_id, "task_type_id"),
            project_name=check_str(project_name, "project_name"),
            needed_experience=_needed_experience(needed_experience),
            open_instances=check_int(open_instances, "open_instances", minimum=1),
            script_id=None if script_id is None else check_id(script_id, "script_id"),
            bounding_box=None if bounding_box is None else _bounding_box(bounding_box),
        )

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> TaskFromFilesParams:
        """Build the parameters from a mapping with snake_case or camelCase keys
        (``taskTypeId``, ``projectName``, ``neededExperience``, ``openInstances`` or
        ``pendingInstances``, ``scriptId``, ``boundingBox``)."""
        kwargs: dict[str, Any] = {}
        for key, value in values.items():
            name = _PARAM_KEYS.get(key)
            if name is None:
                raise InputError(f"unknown task parameter: {key!r}")
            if name in kwargs:
                raise InputError(f"{name} is given twice")
            kwargs[name] = value
        for required in ("task_type_id", "project_name"):
            if required not in kwargs:
                raise InputError(f"{required} is missing")
        return cls(kwargs.pop("task_type_id"), kwargs.pop("project_name"), **kwargs)

    def to_json(self) -> dict[str, Any]:
        """The ``formJSON`` object; the instance count goes out under both generations' names
        (``openInstances`` and ``pendingInstances``)."""
        body: dict[str, Any] = {
            "taskTypeId": self.task_type_id,
            "neededExperience": {
                "domain": self.needed_experience.domain,
                "value": self.needed_experience.value,
            },
            "openInstances": self.open_instances,
            "pendingInstances": self.open_instances,
            "projectName": self.project_name,
        }
        if self.script_id is not None:
            body["scriptId"] = self.script_id
        if self.bounding_box is not None:
            body["boundingBox"] = _box_json(self.bounding_box)
        return body


_PARAM_KEYS = {
    **{name: name for name in ("task_type_id", "project_name", "needed_experience")},
    **{name: name for name in ("open_instances", "script_id", "bounding_box")},
    "taskTypeId": "task_type_id",
    "projectName": "project_name",
    "neededExperience": "needed_experience",
    "openInstances": "open_instances",
    "pendingInstances": "open_instances",
    "pending_instances": "open_instances",
    "scriptId": "script_id",
    "boundingBox": "bounding_box",
}


def _box_json(box: BoundingBox) -> dict[str, Any]:
    return {
        "topLeft": list(box.top_left),
        "width": box.width,
        "height": box.height,
        "depth": box.depth,
    }


def _spec(value: TaskSpec | Mapping[str, Any]) -> TaskSpec:
    if isinstance(value, TaskSpec):
        return value
    if isinstance(value, Mapping):
        return TaskSpec.from_row(value)
    raise InputError(f"a task must be a TaskSpec or a mapping, got {type(value).__name__}")


def _ids(values: Iterable[str], what: str) -> builtins.list[str]:
    if isinstance(values, str):
        raise InputError(f"{what}s must be a list of ids, not one string")
    return [check_id(value, what) for value in values]


def _update_body(task: Task, open_instances: int) -> dict[str, Any]:
    """The full task body ``PUT /tasks/:id`` validates, mirroring ``task`` with only the
    instance count (under both generations' names) changed."""
    body: dict[str, Any] = {
        "taskTypeId": task.type.id,
        "neededExperience": {
            "domain": task.needed_experience.domain,
            "value": task.needed_experience.value,
        },
        "openInstances": open_instances,
        "pendingInstances": open_instances,
        "projectName": task.project_name,
        "dataSet": task.dataset_name,
        "editPosition": list(task.edit_position),
        "editRotation": list(task.edit_rotation),
    }
    if task.script is not None:
        body["scriptId"] = task.script.id
    if task.bounding_box is not None:
        body["boundingBox"] = _box_json(task.bounding_box)
    if task.creation_info is not None:
        body["creationInfo"] = task.creation_info
    if task.description is not None:
        body["description"] = task.description
    return body


class TasksResource(Resource):
    """Tasks (``wk.tasks``).

    Task ids, project ids, user ids and task type ids are checked before anything is sent.
    """

    async def create(self, specs: Iterable[TaskSpec | Mapping[str, Any]]) -> TaskCreationReport:
        """``POST /tasks``: create up to 1000 tasks in one request.

        Args:
            specs: :class:`~wkapi.models.TaskSpec` objects, or mappings that
                :meth:`TaskSpec.from_row` accepts.

        Returns:
            One result per spec in input order: the server answers 200 even when some items
            failed (see :attr:`TaskCreationReport.failed`).

        Careful: the server does not deduplicate, and a 400 "Project could not be found" comes
        *after* the other items were created. Splitting large jobs into batches and recovering
        from failures is the job of ``create_many``.
        """
        if isinstance(specs, (TaskSpec, Mapping)):
            specs = [specs]
        body = [_spec(item).to_json() for item in specs]
        if not body:
            raise InputError("create needs at least one task")
        if len(body) > MAX_TASKS_PER_REQUEST:
            raise InputError(
                f"the server creates at most {MAX_TASKS_PER_REQUEST} tasks per request, "
                f"got {len(body)}; use create_many to send them in batches"
            )
        data = await self._session.request_json("POST", "/tasks", json=body)
        return self._structure(data, TaskCreationReport)

    async def create_from_files(
        self,
        params: TaskFromFilesParams | Mapping[str, Any],
        paths: PathLike | Iterable[PathLike],
        *,
        progress: ProgressCallback | None = None,
    ) -> TaskCreationReport:
        """``POST /tasks/createFromFiles``: one task per annotation file (``.nml``, or a ``.zip``
        of them), starting from that file's annotation.

        Args:
            params: the tasks' settings: :class:`TaskFromFilesParams`, or a mapping
                :meth:`TaskFromFilesParams.from_mapping` accepts.
            paths: one path or several.
            progress: told the bytes sent and the body's size.

        Files are checked before anything is sent and streamed from disk.
        """
        if not isinstance(params, TaskFromFilesParams):
            if not isinstance(params, Mapping):
                raise InputError(
                    f"params must be TaskFromFilesParams or a mapping, got {type(params).__name__}"
                )
            params = TaskFromFilesParams.from_mapping(params)
        files = [paths] if isinstance(paths, (str, os.PathLike)) else builtins.list(paths)
        if not files:
            raise InputError("create_from_files needs at least one file")
        response = await post_files(
            self._session,
            "/tasks/createFromFiles",
            files=files,
            fields={"formJSON": orjson.dumps(params.to_json()).decode()},
            progress=progress,
        )
        return self._structure(response.json(), TaskCreationReport)

    async def list(
        self,
        user: str | None = None,
        project: str | None = None,
        ids: Iterable[str] | None = None,
        task_type: str | None = None,
        random: bool = False,
    ) -> builtins.list[Task]:
        """``POST /tasks/list``: tasks matching every filter given (at most 1000, no paging).

        Args:
            user: id of a user who worked on the tasks.
            project: id of the tasks' project.
            ids: only these task ids.
            task_type: id of the tasks' task type.
            random: a random selection of the matches instead of the first 1000.
        """
        body: dict[str, Any] = {}
        if user is not None:
            body["user"] = check_id(user, "user id")
        if project is not None:
            body["project"] = check_id(project, "project id")
        if ids is not None:
            body["ids"] = _ids(ids, "task id")
        if task_type is not None:
            body["taskType"] = check_id(task_type, "task type id")
        body["random"] = check_bool(random, "random")
        data = await self._session.request_json("POST", "/tasks/list", json=body, idempotent=True)
        return self._structure_list(data, Task)

    async def get(self, task_id: str) -> Task:
        """``GET /tasks/:id``: one task."""
        data = await self._session.request_json("GET", "/tasks/" + check_id(task_id, "task id"))
        return self._structure(data, Task)

    async def delete(self, task_id: str) -> tuple[ServerMessage, ...]:
        """``DELETE /tasks/:id``: delete a task and all its annotations. Returns the messages."""
        path = "/tasks/" + check_id(task_id, "task id")
        return self._messages(await self._session.request_json("DELETE", path))

    async def update(self, task_id: str, open_instances: int) -> Task:
        """``PUT /tasks/:id``: set a task's number of open (pending) instances.

        The server validates a full task body but applies only the instance count, so this
        reads the task first and sends it back with only that number changed.

        Returns:
            The updated task, with the server's messages in ``.messages``.
        """
        count = check_int(open_instances, "open_instances", minimum=0)
        task = await self.get(task_id)
        data = await self._session.request_json(
            "PUT", "/tasks/" + task.id, json=_update_body(task, count)
        )
        return self._structure(data, Task)

    async def annotations(self, task_id: str) -> builtins.list[Annotation]:
        """``GET /tasks/:id/annotations``: the task's annotations (cancelled ones left out)."""
        path = f"/tasks/{check_id(task_id, 'task id')}/annotations"
        data = await self._session.request_json("GET", path)
        return self._structure_list(data, Annotation)

    async def assign(self, task_id: str, user_id: str) -> Task:
        """``POST /tasks/:id/assign?userId=``: give one pending instance of a task to a user
        (the server creates the user's task annotation).

        Returns the task with its updated instance counts; the new annotation is listed by
        :meth:`annotations`.
        """
        path = f"/tasks/{check_id(task_id, 'task id')}/assign"
        params = {"userId": check_id(user_id, "user id")}
        data = await self._session.request_json("POST", path, params=params)
        return self._structure(data, Task)
