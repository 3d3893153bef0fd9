"""Tasks: create (from specs or from annotation files), list, read, update, delete, assign."""

from __future__ import annotations

import builtins
import os
from collections.abc import Iterable, Mapping
from typing import Any

import orjson

from wkapi._checks import INT32_MAX, check_bool, check_id, check_int, check_items
from wkapi._errors import InputError
from wkapi._transfer import ProgressCallback, post_files
from wkapi.models import (
    Annotation,
    ServerMessage,
    Task,
    TaskCreationReport,
    TaskFromFilesParams,
    TaskSpec,
)
from wkapi.models.task_spec import task_json

from ._base import Resource

__all__ = ["MAX_TASKS_PER_REQUEST", "TasksResource"]

#: The most tasks the server creates in one ``POST /tasks`` (100 when any task type is volume
#: or hybrid, which only the server checks here).
MAX_TASKS_PER_REQUEST = 1000

PathLike = str | os.PathLike[str]


def _spec(value: TaskSpec | Mapping[str, Any]) -> TaskSpec:
    if isinstance(value, TaskSpec):
        return value
    if isinstance(value, Mapping):
        return TaskSpec.from_row(value)
    raise InputError(f"a task must be a TaskSpec or a mapping, got {type(value).__name__}")


def _ids(values: Iterable[str], what: str) -> builtins.list[str]:
    if isinstance(values, str):
        raise InputError(f"{what}s must be a list of ids, not one string")
    return [check_id(what, value) for value in check_items(f"{what}s", values, "ids")]


def _update_body(task: Task, open_instances: int) -> dict[str, Any]:
    """The full task body ``PUT /tasks/:id`` validates, mirroring ``task`` with only the
    instance count (under both generations' names) changed."""
    return task_json(
        task.type.id,
        task.project_name,
        task.needed_experience,
        open_instances,
        None if task.script is None else task.script.id,
        task.bounding_box,
        dataset=task.dataset_name,
        edit_position=task.edit_position,
        edit_rotation=task.edit_rotation,
        creation_info=task.creation_info,
        description=task.description,
    )


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
        listed = check_items("specs", specs, "task specs or mappings")
        body = [_spec(item).to_json() for item in listed]
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
        response = await post_files(
            self._session,
            "/tasks/createFromFiles",
            files=paths,
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
            body["user"] = check_id("user id", user)
        if project is not None:
            body["project"] = check_id("project id", project)
        if ids is not None:
            body["ids"] = _ids(ids, "task id")
        if task_type is not None:
            body["taskType"] = check_id("task type id", task_type)
        body["random"] = check_bool("random", random)
        data = await self._session.request_json("POST", "/tasks/list", json=body, idempotent=True)
        return self._structure_list(data, Task)

    async def get(self, task_id: str) -> Task:
        """``GET /tasks/:id``: one task."""
        data = await self._session.request_json("GET", "/tasks/" + check_id("task id", task_id))
        return self._structure(data, Task)

    async def delete(self, task_id: str) -> tuple[ServerMessage, ...]:
        """``DELETE /tasks/:id``: delete a task and all its annotations.

        Returns the server's messages (none when a retry found the task already gone after an
        attempt whose answer was lost).
        """
        path = "/tasks/" + check_id("task id", task_id)
        return await self._delete(path)

    async def update(self, task_id: str, open_instances: int) -> Task:
        """``PUT /tasks/:id``: set a task's number of open (pending) instances.

        The server validates a full task body but applies only the instance count, so this
        reads the task first and sends it back with only that number changed.

        Returns:
            The updated task, with the server's messages in ``.messages``.
        """
        count = check_int("open_instances", open_instances, minimum=0, maximum=INT32_MAX)
        task = await self.get(task_id)
        data = await self._session.request_json(
            "PUT", "/tasks/" + task.id, json=_update_body(task, count)
        )
        return self._structure(data, Task)

    async def annotations(self, task_id: str) -> builtins.list[Annotation]:
        """``GET /tasks/:id/annotations``: the task's annotations (cancelled ones left out)."""
        path = f"/tasks/{check_id('task id', task_id)}/annotations"
        data = await self._session.request_json("GET", path)
        return self._structure_list(data, Annotation)

    async def assign(self, task_id: str, user_id: str) -> Task:
        """``POST /tasks/:id/assign?userId=``: give one pending instance of a task to a user
        (the server creates the user's task annotation).

        Returns the task with its updated instance counts; the new annotation is listed by
        :meth:`annotations`.
        """
        path = f"/tasks/{check_id('task id', task_id)}/assign"
        params = {"userId": check_id("user id", user_id)}
        data = await self._session.request_json("POST", path, params=params)
        return self._structure(data, Task)
