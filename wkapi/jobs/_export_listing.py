"""Finding what an export fetches: the annotations of projects, task types, users, or ids.

- A project: its tasks (``GET /projects/:id/tasks``, paged), then each task's annotations
  (``GET /tasks/:id/annotations``), several tasks at once within the export's concurrency.
- A task type: its tasks from ``POST /tasks/list`` with ``taskType``, then as for a project.
  That list stops at 1000 tasks and cannot page, so when it comes back full the rest is found
  project by project: every project the caller can read (``GET /projects``), each asked for its
  tasks of the type (``POST /tasks/list`` with ``project`` and ``taskType``) and, when that list
  is full too, paged in full (``GET /projects/:id/tasks``, keeping the tasks of the type). If a
  list of that walk cannot be read, the listing is incomplete: a listing error says so, which
  makes the report not ``ok``.
- A user: the user's task annotations and explorative annotations (``/users/:id/tasks`` and
  ``/users/:id/annotations``, paged); ``is_finished`` goes to the server.
- Explicit ids: ``"<id>"`` (of the default type) or ``(typ, id)`` pairs, each read once
  (``GET /annotations/:typ/:id/info``) for its modification time, so a changed one is fetched
  again exactly as for the lists (compound ZIPs are always fetched anew: nothing is read).

A refused token (401) and an unreachable server (:class:`~wkapi.ServerUnreachableError`) end the
listing; any other list that cannot be read is a listing error and the rest goes on.

Task annotations are filtered by ``is_finished`` here (their route has no such filter).
Cancelled annotations are never exported; a task found twice has its annotations listed once,
and an annotation found twice is fetched once. The task lists and each task's annotation list
go through the export's limiter (shared with the downloads); the paged lists of a project's tasks
(as a source) and of a user's annotations are read one page at a time beside it.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Protocol, TypeVar

import anyio
import attrs

from wkapi._checks import check_bool, check_id, check_items
from wkapi._errors import (
    AuthenticationError,
    InputError,
    ServerUnreachableError,
    WebknossosError,
)
from wkapi._pagination import Pager
from wkapi.models import Annotation, AnnotationState, AnnotationType, Project, Task
from wkapi.resources.annotations import (
    AnnotationsResource,
    AnnotationTypeLike,
    annotation_type,
)
from wkapi.resources.projects import ProjectsResource
from wkapi.resources.tasks import TasksResource
from wkapi.resources.users import UsersResource

from ._export_report import ListingCallback, ListingProgress
from ._patience import Patience

__all__ = [
    "TASK_LIST_CAP",
    "AnnotationIdLike",
    "ExportTarget",
    "ListingLog",
    "ListingTally",
    "TargetSink",
    "TargetSource",
    "compound_targets",
    "explicit_targets",
    "list_targets",
]

T = TypeVar("T")


class _Identified(Protocol):
    @property
    def id(self) -> str: ...


ItemT = TypeVar("ItemT", bound=_Identified)

#: ``POST /tasks/list`` answers at most this many tasks and cannot page.
TASK_LIST_CAP = 1000

#: Compound downloads: built anew by the server on each request, never compared or skipped.
_COMPOUND_TYPES = frozenset(
    {
        AnnotationType.COMPOUND_PROJECT.value,
        AnnotationType.COMPOUND_TASK.value,
        AnnotationType.COMPOUND_TASK_TYPE.value,
    }
)

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
    for value in check_items("annotation_ids", annotation_ids, "ids or (typ, id) pairs"):
        if isinstance(value, tuple):
            if len(value) != 2:
                raise InputError(f"an annotation must be an id or a (typ, id) pair, got {value!r}")
            typ, ident = annotation_type(value[0]), value[1]
        else:
            typ, ident = default, value
        targets.append(ExportTarget(typ.value, check_id("annotation id", ident)))
    return targets


def compound_targets(
    *, project_id: str | None, task_id: str | None, task_type_id: str | None
) -> list[ExportTarget]:
    """One compound download per id given, checked before anything is sent."""
    targets = []
    if project_id is not None:
        targets.append(
            ExportTarget(AnnotationType.COMPOUND_PROJECT.value, check_id("project id", project_id))
        )
    if task_id is not None:
        targets.append(
            ExportTarget(AnnotationType.COMPOUND_TASK.value, check_id("task id", task_id))
        )
    if task_type_id is not None:
        targets.append(
            ExportTarget(
                AnnotationType.COMPOUND_TASK_TYPE.value, check_id("task type id", task_type_id)
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
            check_id("project id", self.project_id)
        if self.task_type_id is not None:
            check_id("task type id", self.task_type_id)
        if self.user_id is not None:
            check_id("user id", self.user_id)
        if self.is_finished is not None:
            check_bool("is_finished", self.is_finished)
        if (
            self.project_id is None
            and self.task_type_id is None
            and self.user_id is None
            and not self.explicit
        ):
            raise InputError(
                "nothing to export: give project_id, task_type_id, user_id or annotation_ids"
            )


class ListingTally:
    """Counts what the listing found, per source, and tells ``on_listing`` (if given)."""

    def __init__(self, sources: Sequence[str], on_listing: ListingCallback | None) -> None:
        self._by_source = dict.fromkeys(sources, 0)
        self._on_listing = on_listing
        self.found = 0
        self.tasks_listed = 0

    def started(self) -> None:
        self._tell(done=False)

    def annotation(self, source: str) -> None:
        self.found += 1
        self._by_source[source] = self._by_source.get(source, 0) + 1
        self._tell(done=False)

    def task(self) -> None:
        self.tasks_listed += 1
        self._tell(done=False)

    def finished(self) -> None:
        self._tell(done=True)

    def _tell(self, *, done: bool) -> None:
        if self._on_listing is not None:
            self._on_listing(
                ListingProgress(self.found, dict(self._by_source), self.tasks_listed, done)
            )


#: The source names of :class:`~wkapi.jobs.ListingProgress`.
EXPLICIT_SOURCE = "annotation ids"


def source_names(source: TargetSource) -> list[str]:
    """The names of ``source``'s parts, in the order they are listed."""
    names = [EXPLICIT_SOURCE] if source.explicit else []
    if source.project_id is not None:
        names.append(f"project {source.project_id}")
    if source.task_type_id is not None:
        names.append(f"task type {source.task_type_id}")
    if source.user_id is not None:
        names.append(f"user {source.user_id}")
    return names


class _Lister:
    """Walks the sources and hands each new target to ``sink`` once."""

    def __init__(
        self,
        *,
        annotations: AnnotationsResource,
        users: UsersResource,
        projects: ProjectsResource,
        tasks: TasksResource,
        limiter: anyio.CapacityLimiter,
        sink: TargetSink,
        log: ListingLog,
        tally: ListingTally,
        patience: Patience,
    ) -> None:
        self._tally = tally
        self._patience = patience
        self._annotations = annotations
        self._users = users
        self._projects = projects
        self._tasks = tasks
        self._limiter = limiter
        self._sink = sink
        self._log = log
        self._seen: set[tuple[str, str]] = set()
        self._listed_tasks: set[str] = set()
        # Bounds the per-task annotation lists started but not yet done, over all sources (the
        # limiter bounds the requests in flight; this, how many wait for it).
        self._pending = anyio.Semaphore(int(limiter.total_tokens))

    async def _ask(self, function: Callable[[], Awaitable[T]]) -> T:
        """``await function()`` within the limiter, asked again after refused connections
        until the client gives up on the server (:class:`Patience`)."""

        async def limited() -> T:
            async with self._limiter:
                return await function()

        return await self._patience.call(limited)

    async def _pages(self, pager: Pager[ItemT]) -> AsyncIterator[ItemT]:
        """Every item of ``pager``, page by page, each page asked again after refused
        connections (:class:`Patience`). A full page of items already seen ends it (a server
        that ignores ``pageNumber``: going on could loop forever)."""
        seen: set[str] = set()
        for number in itertools.count():
            page = await self._patience.call(functools.partial(pager.page, number))
            fresh = [item for item in page if item.id not in seen]
            seen.update(item.id for item in fresh)
            for item in fresh:
                yield item
            if len(page) < pager.page_size or not fresh:
                return

    async def emit(self, target: ExportTarget, source: str) -> None:
        if target.key in self._seen:
            return
        self._seen.add(target.key)
        self._tally.annotation(source)
        await self._sink(target)

    async def run(self, source: TargetSource) -> None:
        self._tally.started()
        if source.explicit:
            await self._explicit(source.explicit)
        if source.project_id is not None:
            project_tasks = self._pages(self._projects.tasks(source.project_id))
            name = f"project {source.project_id}"
            await self._tasks_annotations(project_tasks, source.is_finished, name)
        if source.task_type_id is not None:
            await self._task_type_annotations(source.task_type_id, source.is_finished)
        if source.user_id is not None:
            await self._user_annotations(source.user_id, source.is_finished)
        self._tally.finished()

    # explicit ids

    async def _explicit(self, targets: Sequence[ExportTarget]) -> None:
        """Each explicit target with its modification time, several read at once."""
        async with anyio.create_task_group() as group:
            asked: set[tuple[str, str]] = set()
            for target in targets:
                if target.key in asked or target.key in self._seen:
                    continue
                asked.add(target.key)
                if target.typ in _COMPOUND_TYPES or target.modified is not None:
                    await self.emit(target, EXPLICIT_SOURCE)
                    continue
                await self._pending.acquire()
                group.start_soon(self._explicit_one, target)

    async def _explicit_one(self, target: ExportTarget) -> None:
        try:
            try:
                info = await self._ask(
                    functools.partial(self._annotations.info, target.typ, target.id)
                )
            except (AuthenticationError, ServerUnreachableError):
                raise
            except WebknossosError:
                # Unreadable (gone, forbidden, ...): its download fails the same way and records
                # why; without a modification time it is never taken for unchanged.
                await self.emit(target, EXPLICIT_SOURCE)
            else:
                target = ExportTarget(target.typ, target.id, info.modified)
                await self.emit(target, EXPLICIT_SOURCE)
        finally:
            self._pending.release()

    # task types

    async def _task_type_annotations(self, task_type_id: str, is_finished: bool | None) -> None:
        """The task type's capped task list, and when it is full, the walk over the projects
        for the rest, side by side."""
        capped = await self._ask(functools.partial(self._tasks.list, task_type=task_type_id))
        name = f"task type {task_type_id}"
        async with anyio.create_task_group() as group:
            group.start_soon(self._tasks_annotations, _iterate(capped), is_finished, name)
            if len(capped) >= TASK_LIST_CAP:
                group.start_soon(self._task_type_by_project, task_type_id, is_finished)

    async def _task_type_by_project(self, task_type_id: str, is_finished: bool | None) -> None:
        try:
            projects = await self._ask(self._projects.list)
        except (AuthenticationError, ServerUnreachableError):
            raise
        except WebknossosError as exc:
            self._incomplete(task_type_id, f"the project list could not be read: {exc}")
            return
        async with anyio.create_task_group() as group:
            for project in projects:
                group.start_soon(self._project_of_task_type, project, task_type_id, is_finished)

    async def _project_of_task_type(
        self, project: Project, task_type_id: str, is_finished: bool | None
    ) -> None:
        try:
            capped = await self._ask(
                functools.partial(self._tasks.list, project=project.id, task_type=task_type_id)
            )
        except (AuthenticationError, ServerUnreachableError):
            raise
        except WebknossosError as exc:
            self._project_unreadable(project, task_type_id, exc)
            return
        name = f"task type {task_type_id}"
        if len(capped) < TASK_LIST_CAP:
            await self._tasks_annotations(_iterate(capped), is_finished, name)
        else:
            every_task = self._paged_project_tasks(project, task_type_id)
            await self._tasks_annotations(every_task, is_finished, name)

    async def _paged_project_tasks(
        self, project: Project, task_type_id: str
    ) -> AsyncIterator[Task]:
        """The project's tasks of the task type, page by page, each page within the limiter.

        A page that cannot be read ends the walk with a listing error (raised here, it would
        reach the caller inside the task group's exception group), and so does a full page of
        tasks already seen (a server that ignores ``pageNumber``: going on could loop forever).
        """
        pager = self._projects.tasks(project.id)
        seen: set[str] = set()
        for number in itertools.count():
            try:
                page = await self._ask(functools.partial(pager.page, number))
            except (AuthenticationError, ServerUnreachableError):
                raise
            except WebknossosError as exc:
                self._project_unreadable(project, task_type_id, exc)
                return
            fresh = [task for task in page if task.id not in seen]
            seen.update(task.id for task in fresh)
            for task in fresh:
                if task.type.id == task_type_id:
                    yield task
            if len(page) < pager.page_size:
                return
            if not fresh:
                self._project_unreadable(
                    project, task_type_id, f"page {number} repeats tasks already listed"
                )
                return

    def _project_unreadable(
        self, project: Project, task_type_id: str, problem: Exception | str
    ) -> None:
        reason = f"the tasks of project {project.name} ({project.id}) could not be read: {problem}"
        self._incomplete(task_type_id, reason)

    def _incomplete(self, task_type_id: str, reason: str) -> None:
        self._log.errors.append(
            f"task type {task_type_id}: the server lists at most {TASK_LIST_CAP} tasks at once, "
            f"and the rest could not be found: {reason}; annotations of further tasks may be "
            "missing"
        )

    # tasks

    async def _tasks_annotations(
        self, tasks: AsyncIterator[Task], is_finished: bool | None, source: str
    ) -> None:
        # Several tasks are listed at once, each once however often it is found.
        async with anyio.create_task_group() as group, _closing(tasks):
            async for task in tasks:
                if task.id in self._listed_tasks:
                    continue
                self._listed_tasks.add(task.id)
                await self._pending.acquire()
                group.start_soon(self._one_task, task.id, is_finished, source)

    async def _one_task(self, task_id: str, is_finished: bool | None, source: str) -> None:
        try:
            try:
                annotations = await self._ask(functools.partial(self._tasks.annotations, task_id))
            except (AuthenticationError, ServerUnreachableError):
                raise
            except WebknossosError as exc:
                self._log.errors.append(f"task {task_id}: cannot list its annotations: {exc}")
                return
            self._tally.task()
            for annotation in annotations:
                if _wanted(annotation, is_finished):
                    await self.emit(_target(annotation), source)
        finally:
            self._pending.release()

    # users

    async def _user_annotations(self, user_id: str, is_finished: bool | None) -> None:
        # The two lists are read side by side: downloads start with whichever answers first.
        name = f"user {user_id}"
        async with anyio.create_task_group() as group:
            for pager in (
                self._users.tasks(user_id, is_finished),
                self._users.annotations(user_id, is_finished),
            ):
                group.start_soon(self._drain, pager, is_finished, name)

    async def _drain(self, pager: Pager[Annotation], is_finished: bool | None, source: str) -> None:
        async with _closing(self._pages(pager)) as annotations:
            async for annotation in annotations:
                if _wanted(annotation, is_finished):
                    await self.emit(_target(annotation), source)


async def _iterate(items: Iterable[T]) -> AsyncIterator[T]:
    for item in items:
        yield item


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
    annotations: AnnotationsResource,
    users: UsersResource,
    projects: ProjectsResource,
    tasks: TasksResource,
    limiter: anyio.CapacityLimiter,
    sink: TargetSink,
    log: ListingLog,
    on_listing: ListingCallback | None = None,
    patience: Patience | None = None,
) -> None:
    """Hand every annotation of ``source`` to ``sink``, once each, as the lists arrive, and
    tell ``on_listing`` how far it is."""
    lister = _Lister(
        tally=ListingTally(source_names(source), on_listing),
        patience=patience or Patience(annotations._session),
        annotations=annotations,
        users=users,
        projects=projects,
        tasks=tasks,
        limiter=limiter,
        sink=sink,
        log=log,
    )
    await lister.run(source)
