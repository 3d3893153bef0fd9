"""Finding what an export fetches: the annotations of projects, task types, users, or ids.

- A project: its tasks (``GET /projects/:id/tasks``, paged), then each task's annotations
  (``GET /tasks/:id/annotations``), several tasks at once within the export's concurrency.
- A task type: its tasks from ``POST /tasks/list`` with ``taskType``, which the server caps at
  1000 tasks without paging (a warning says so when the cap is reached), then as for a project.
- A user: the user's task annotations and explorative annotations (``/users/:id/tasks`` and
  ``/users/:id/annotations``, paged); ``is_finished`` goes to the server.
- Explicit ids: ``"<id>"`` (of the default type) or ``(typ, id)`` pairs.

Task annotations are filtered by ``is_finished`` here (their route has no such filter).
Cancelled annotations are never exported, and an annotation found twice is fetched once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import TypeVar

import anyio
import attrs

from wkapi._errors import AuthenticationError, InputError, WebknossosError
from wkapi._pagination import Pager
from wkapi.models import Annotation, AnnotationState, AnnotationType, Task
from wkapi.resources._base import check_id
from wkapi.resources.annotations import AnnotationTypeLike, annotation_type
from wkapi.resources.projects import ProjectsResource
from wkapi.resources.tasks import TasksResource
from wkapi.resources.users import UsersResource

__all__ = [
    "TASK_LIST_CAP",
    "AnnotationIdLike",
    "ExportTarget",
    "ListingLog",
    "TargetSink",
    "TargetSource",
    "compound_targets",
    "explicit_targets",
    "list_targets",
]

T = TypeVar("T")

#: ``POST /tasks/list`` answers at most this many tasks and cannot page.
TASK_LIST_CAP = 1000

AnnotationIdLike = str | tuple[AnnotationTypeLike, str]
"""An annotation id (of the default type) or a ``(typ, id)`` pair."""


@attrs.frozen
class ExportTarget:
    """One download to make: ``typ``, ``id``, and the modification time when the list gave it."""

    typ: str
    id: str
    modified: int | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.typ, self.id)


TargetSink = Callable[[ExportTarget], Awaitable[None]]


@attrs.define
class ListingLog:
    """What went wrong or deserves a note while listing (collected for the report)."""

    warnings: list[str] = attrs.Factory(list)
    errors: list[str] = attrs.Factory(list)


def _type_name(value: AnnotationType | str) -> str:
    return value.value if isinstance(value, AnnotationType) else value


def _wanted(annotation: Annotation, is_finished: bool | None) -> bool:
    if annotation.state == AnnotationState.CANCELLED:
        return False
    if is_finished is None:
        return True
    wanted_state = AnnotationState.FINISHED if is_finished else AnnotationState.ACTIVE
    return annotation.state == wanted_state


def _target(annotation: Annotation) -> ExportTarget:
    return ExportTarget(_type_name(annotation.typ), annotation.id, annotation.modified)


def explicit_targets(
    annotation_ids: Iterable[AnnotationIdLike], default_typ: AnnotationTypeLike
) -> list[ExportTarget]:
    """Targets for explicit ids, checked before anything is sent (:class:`~wkapi.InputError`)."""
    if isinstance(annotation_ids, str):
        raise InputError("annotation_ids must be a list of ids, not one string")
    default = annotation_type(default_typ)
    targets = []
    for value in annotation_ids:
        if isinstance(value, tuple):
            if len(value) != 2:
                raise InputError(f"an annotation must be an id or a (typ, id) pair, got {value!r}")
            typ, ident = annotation_type(value[0]), value[1]
        else:
            typ, ident = default, value
        targets.append(ExportTarget(typ.value, check_id(ident, "annotation id")))
    return targets


def compound_targets(
    *, project_id: str | None, task_id: str | None, task_type_id: str | None
) -> list[ExportTarget]:
    """One compound download per id given, checked before anything is sent."""
    targets = []
    if project_id is not None:
        targets.append(
            ExportTarget(AnnotationType.COMPOUND_PROJECT.value, check_id(project_id, "project id"))
        )
    if task_id is not None:
        targets.append(
            ExportTarget(AnnotationType.COMPOUND_TASK.value, check_id(task_id, "task id"))
        )
    if task_type_id is not None:
        targets.append(
            ExportTarget(
                AnnotationType.COMPOUND_TASK_TYPE.value, check_id(task_type_id, "task type id")
            )
        )
    if not targets:
        raise InputError("a compound export needs project_id, task_id or task_type_id")
    return targets


@attrs.frozen
class TargetSource:
    """Where the annotations of an export come from (any combination; the union is exported)."""

    project_id: str | None = None
    task_type_id: str | None = None
    user_id: str | None = None
    explicit: Sequence[ExportTarget] = ()
    is_finished: bool | None = None

    def check(self) -> None:
        """Check the ids before anything is sent."""
        if self.project_id is not None:
            check_id(self.project_id, "project id")
        if self.task_type_id is not None:
            check_id(self.task_type_id, "task type id")
        if self.user_id is not None:
            check_id(self.user_id, "user id")
        if self.is_finished is not None and not isinstance(self.is_finished, bool):
            raise InputError(f"is_finished must be True, False or None, got {self.is_finished!r}")
        if (
            self.project_id is None
            and self.task_type_id is None
            and self.user_id is None
            and not self.explicit
        ):
            raise InputError(
                "nothing to export: give project_id, task_type_id, user_id or annotation_ids"
            )


class _Lister:
    """Walks the sources and hands each new target to ``sink`` once."""

    def __init__(
        self,
        *,
        users: UsersResource,
        projects: ProjectsResource,
        tasks: TasksResource,
        limiter: anyio.CapacityLimiter,
        sink: TargetSink,
        log: ListingLog,
    ) -> None:
        self._users = users
        self._projects = projects
        self._tasks = tasks
        self._limiter = limiter
        self._sink = sink
        self._log = log
        self._seen: set[tuple[str, str]] = set()

    async def emit(self, target: ExportTarget) -> None:
        if target.key in self._seen:
            return
        self._seen.add(target.key)
        await self._sink(target)

    async def run(self, source: TargetSource) -> None:
        for target in source.explicit:
            await self.emit(target)
        if source.project_id is not None:
            project_tasks = aiter(self._projects.tasks(source.project_id))
            await self._tasks_annotations(project_tasks, source.is_finished)
        if source.task_type_id is not None:
            type_tasks = self._task_type_tasks(source.task_type_id)
            await self._tasks_annotations(type_tasks, source.is_finished)
        if source.user_id is not None:
            await self._user_annotations(source.user_id, source.is_finished)

    async def _task_type_tasks(self, task_type_id: str) -> AsyncIterator[Task]:
        async with self._limiter:
            found = await self._tasks.list(task_type=task_type_id)
        if len(found) >= TASK_LIST_CAP:
            self._log.warnings.append(
                f"task type {task_type_id}: the server lists at most {TASK_LIST_CAP} tasks "
                "(POST /tasks/list has no paging); annotations of further tasks were not "
                "exported: export by project instead"
            )
        for task in found:
            yield task

    async def _tasks_annotations(
        self, tasks: AsyncIterator[Task], is_finished: bool | None
    ) -> None:
        # Several tasks are listed at once; the semaphore bounds how many wait at a time, the
        # limiter how many requests are in flight (shared with the downloads).
        pending = anyio.Semaphore(int(self._limiter.total_tokens))
        async with anyio.create_task_group() as group, _closing(tasks):
            async for task in tasks:
                await pending.acquire()
                group.start_soon(self._one_task, task.id, is_finished, pending)

    async def _one_task(
        self, task_id: str, is_finished: bool | None, pending: anyio.Semaphore
    ) -> None:
        try:
            try:
                async with self._limiter:
                    annotations = await self._tasks.annotations(task_id)
            except AuthenticationError:
                raise
            except WebknossosError as exc:
                self._log.errors.append(f"task {task_id}: cannot list its annotations: {exc}")
                return
            for annotation in annotations:
                if _wanted(annotation, is_finished):
                    await self.emit(_target(annotation))
        finally:
            pending.release()

    async def _user_annotations(self, user_id: str, is_finished: bool | None) -> None:
        # The two lists are read side by side: downloads start with whichever answers first.
        async with anyio.create_task_group() as group:
            group.start_soon(self._drain, self._users.tasks(user_id, is_finished), is_finished)
            group.start_soon(
                self._drain, self._users.annotations(user_id, is_finished), is_finished
            )

    async def _drain(self, pager: Pager[Annotation], is_finished: bool | None) -> None:
        async with _closing(aiter(pager)) as annotations:
            async for annotation in annotations:
                if _wanted(annotation, is_finished):
                    await self.emit(_target(annotation))


@asynccontextmanager
async def _closing(iterator: AsyncIterator[T]) -> AsyncIterator[AsyncIterator[T]]:
    """Close an async generator left early (a failure or cancellation) right away."""
    try:
        yield iterator
    finally:
        close = getattr(iterator, "aclose", None)
        if close is not None:
            await close()


async def list_targets(
    source: TargetSource,
    *,
    users: UsersResource,
    projects: ProjectsResource,
    tasks: TasksResource,
    limiter: anyio.CapacityLimiter,
    sink: TargetSink,
    log: ListingLog,
) -> None:
    """Hand every annotation of ``source`` to ``sink``, once each, as the lists arrive."""
    lister = _Lister(
        users=users, projects=projects, tasks=tasks, limiter=limiter, sink=sink, log=log
    )
    await lister.run(source)
