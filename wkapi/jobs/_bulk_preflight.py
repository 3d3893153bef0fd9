"""Checks before the first ``POST /tasks``, one cached lookup per distinct name or id.

- Each task type id once (``GET /taskTypes/:id``): an unknown one fails its items without
  sending them; its tracing type decides the batch limit (anything but skeleton counts as volume:
  the smaller limit is the safe guess for a kind this version does not know). Skipped when the
  caller names the volume task types.
- Each project name once (``GET /projects/byName/:name``): an unknown one fails its items
  (the server would refuse the whole batch, after creating the other items). The id is kept
  for reconciliation, with the project's newest task (``GET /projects/:id/tasks?limit=1``),
  whose ``created`` time bounds how far back a scan for this run's tasks must look.

A lookup answered 400, 403 or 404 fails the items that need it; any other failure (401, a
server or network error that outlasted the retries) is raised: nothing was sent yet.

:meth:`Preflight.check` answers with one verdict per item, in input order: a :class:`Refusal`
(why the item is not sent) or a :class:`Clearance` (its project and its batch key), so the run
asks nothing more of the lookups afterwards.
"""

from __future__ import annotations

import operator
from collections.abc import Awaitable, Callable, Collection, Iterable, Sequence

import anyio
import attrs

from wkapi._errors import APIError, APIStatusError
from wkapi.models import TaskSpec, TracingType
from wkapi.resources.projects import ProjectsResource
from wkapi.resources.task_types import TaskTypesResource

from ._bulk_plan import BatchKey
from ._bulk_reconcile import floor_before

__all__ = ["Clearance", "Preflight", "ProjectInfo", "Refusal", "Verdict"]

#: What a spec's verdict depends on: its task type id, project name and dataset.
_spec_key: Callable[[TaskSpec], tuple[str, str, str]] = operator.attrgetter(
    "task_type_id", "project_name", "dataset"
)

#: Lookup answers that concern only the items needing that lookup.
_ITEM_STATUSES = frozenset({400, 403, 404})


@attrs.frozen
class Refusal:
    """Why items are not sent: the lookup's status and a message for the report."""

    status: int | None
    message: str


@attrs.frozen
class ProjectInfo:
    """A project the run creates tasks in: its id and the scan floor before the run."""

    id: str
    floor: int | None


@attrs.frozen
class Clearance:
    """An item that may be sent: the project it goes to and the batch it may travel in."""

    project: ProjectInfo
    key: BatchKey


#: What the preflight says of one item.
Verdict = Clearance | Refusal


def _refusal(exc: APIStatusError, what: str) -> Refusal:
    detail = "; ".join(exc.messages) if exc.messages else exc.message
    return Refusal(exc.status, f"{what}: {detail}")


class Preflight:
    """The lookups of one run, and the verdict they give on each item (:meth:`check`)."""

    def __init__(
        self,
        task_types: TaskTypesResource,
        projects: ProjectsResource,
        *,
        volume_task_types: Collection[str] | None = None,
    ) -> None:
        self._task_types = task_types
        self._projects = projects
        self._volume_word = None if volume_task_types is None else frozenset(volume_task_types)
        self._volume: dict[str, bool | Refusal] = {}
        self._project_infos: dict[str, ProjectInfo | Refusal] = {}

    async def check(self, specs: Sequence[TaskSpec], *, concurrency: int) -> list[Verdict]:
        """One verdict per spec, in order, after looking up every distinct task type and
        project name of ``specs`` once, concurrently."""
        # Items of one task type, project and dataset share their (frozen) verdict. The keys
        # are made twice rather than kept: a list of one tuple per item would stay alive.
        distinct = dict.fromkeys(map(_spec_key, specs))
        await self._look_up(distinct, concurrency)
        verdicts = {key: self._verdict(*key) for key in distinct}
        return [verdicts[key] for key in map(_spec_key, specs)]

    async def _look_up(self, keys: Iterable[tuple[str, str, str]], concurrency: int) -> None:
        type_ids: dict[str, None] = {}
        names: dict[str, None] = {}
        for type_id, name, _ in keys:
            type_ids[type_id] = None
            names[name] = None
        if self._volume_word is not None:
            self._volume = {t: t in self._volume_word for t in type_ids}
            type_ids = {}
        limiter = anyio.CapacityLimiter(concurrency)
        errors: list[APIError] = []

        async def limited(lookup: Callable[[str], Awaitable[None]], key: str) -> None:
            async with limiter:
                try:
                    await lookup(key)
                except APIError as exc:  # raised below as itself, not in an ExceptionGroup
                    errors.append(exc)

        async with anyio.create_task_group() as group:
            for name in names:
                group.start_soon(limited, self._project, name)
            for type_id in type_ids:
                group.start_soon(limited, self._task_type, type_id)
        if errors:
            raise errors[0]

    def _verdict(self, task_type_id: str, project_name: str, dataset: str) -> Verdict:
        volume = self._volume[task_type_id]
        if isinstance(volume, Refusal):
            return volume
        project = self._project_infos[project_name]
        if isinstance(project, Refusal):
            return project
        # Task types taken on the caller's word were not checked: a batch per task type keeps
        # a wrong id (the server refuses the whole request) to its own items.
        by_type = None if self._volume_word is None else task_type_id
        return Clearance(project, BatchKey(dataset, volume, by_type))

    async def _task_type(self, task_type_id: str) -> None:
        try:
            task_type = await self._task_types.get(task_type_id)
        except APIStatusError as exc:
            if exc.status not in _ITEM_STATUSES:
                raise
            self._volume[task_type_id] = _refusal(exc, f"unknown task type {task_type_id}")
            return
        self._volume[task_type_id] = task_type.tracing_type != TracingType.SKELETON

    async def _project(self, name: str) -> None:
        try:
            project = await self._projects.by_name(name)
        except APIStatusError as exc:
            if exc.status not in _ITEM_STATUSES:
                raise
            self._project_infos[name] = _refusal(exc, f"unknown project {name!r}")
            return
        try:
            newest = await self._projects.tasks(project.id, page_size=1).page(0)
        except APIStatusError as exc:
            if exc.status not in _ITEM_STATUSES:
                raise
            what = f"cannot list the tasks of project {name!r} (needed to recover lost answers)"
            self._project_infos[name] = _refusal(exc, what)
            return
        self._project_infos[name] = ProjectInfo(
            project.id, floor_before(newest[0].created) if newest else None
        )
