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
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Iterable

import anyio
import attrs

from wkapi._errors import APIError, APIStatusError
from wkapi.models import TaskSpec, TracingType
from wkapi.resources.projects import ProjectsResource
from wkapi.resources.task_types import TaskTypesResource

from ._bulk_reconcile import floor_before

__all__ = ["Preflight", "ProjectInfo", "Refusal"]

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


def _refusal(exc: APIStatusError, what: str) -> Refusal:
    detail = "; ".join(exc.messages) if exc.messages else exc.message
    return Refusal(exc.status, f"{what}: {detail}")


class Preflight:
    """The looked-up facts of one run: volume flags and projects, or why items cannot go."""

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
        self.volume: dict[str, bool | Refusal] = {}
        self.projects: dict[str, ProjectInfo | Refusal] = {}

    @property
    def types_looked_up(self) -> bool:
        """Whether task types were checked (``False`` when the caller named the volume ones)."""
        return self._volume_word is None

    async def run(self, specs: Iterable[TaskSpec], *, concurrency: int) -> None:
        """Look up every distinct task type and project name of ``specs``, concurrently."""
        type_ids: dict[str, None] = {}
        names: dict[str, None] = {}
        for spec in specs:
            type_ids[spec.task_type_id] = None
            names[spec.project_name] = None
        if self._volume_word is not None:
            self.volume = {t: t in self._volume_word for t in type_ids}
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

    def refusal(self, spec: TaskSpec) -> Refusal | None:
        """Why ``spec`` cannot be sent, or ``None``."""
        volume = self.volume[spec.task_type_id]
        if isinstance(volume, Refusal):
            return volume
        project = self.projects[spec.project_name]
        return project if isinstance(project, Refusal) else None

    def project(self, spec: TaskSpec) -> ProjectInfo:
        """The project of a spec that passed :meth:`refusal`."""
        info = self.projects[spec.project_name]
        assert isinstance(info, ProjectInfo)
        return info

    def is_volume(self, spec: TaskSpec) -> bool:
        """Whether a spec that passed :meth:`refusal` falls under the volume batch limit."""
        return self.volume[spec.task_type_id] is True

    async def _task_type(self, task_type_id: str) -> None:
        try:
            task_type = await self._task_types.get(task_type_id)
        except APIStatusError as exc:
            if exc.status not in _ITEM_STATUSES:
                raise
            self.volume[task_type_id] = _refusal(exc, f"unknown task type {task_type_id}")
            return
        self.volume[task_type_id] = task_type.tracing_type != TracingType.SKELETON

    async def _project(self, name: str) -> None:
        try:
            project = await self._projects.by_name(name)
        except APIStatusError as exc:
            if exc.status not in _ITEM_STATUSES:
                raise
            self.projects[name] = _refusal(exc, f"unknown project {name!r}")
            return
        try:
            newest = await self._projects.tasks(project.id, page_size=1).page(0)
        except APIStatusError as exc:
            if exc.status not in _ITEM_STATUSES:
                raise
            what = f"cannot list the tasks of project {name!r} (needed to recover lost answers)"
            self.projects[name] = _refusal(exc, what)
            return
        self.projects[name] = ProjectInfo(
            project.id, floor_before(newest[0].created) if newest else None
        )
