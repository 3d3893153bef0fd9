"""Projects: groups of tasks with a team, an owner and a priority."""

from __future__ import annotations

from datetime import datetime, timedelta

import attrs

from wkapi._convert import wk_metadata
from wkapi.models.common import ServerMessage, ms_to_datetime, ms_to_timedelta
from wkapi.models.user import CompactUser

__all__ = ["Project", "ProjectWithStatus"]


@attrs.frozen
class Project:
    """A project (``GET /projects``, ``/projects/:id``, ``/projects/byName/:name``).

    ``team`` is the team's *id* (unlike :attr:`Task.team`); ``expected_time`` is in
    milliseconds. ``messages`` holds what the server reports alongside the project.
    """

    id: str
    name: str
    team: str
    team_name: str
    priority: int
    paused: bool
    is_blacklisted_from_report: bool
    created: int
    owner: CompactUser | None = None
    expected_time: int | None = None
    messages: tuple[ServerMessage, ...] = ()

    @property
    def created_at(self) -> datetime:
        """When the project was created (UTC)."""
        return ms_to_datetime(self.created)

    @property
    def expected_duration(self) -> timedelta | None:
        """The expected time per task instance, if set."""
        return ms_to_timedelta(self.expected_time)


@attrs.frozen
class ProjectWithStatus(Project):
    """A project with its open workload (``/projects/withStatus``, older ``/projects/assignments``,
    and ``incrementEachTasksInstances``).

    ``pending_instances`` reads ``pendingInstances`` or, from servers before 23.09,
    ``numberOfOpenAssignments``; ``tracing_time`` (ms) comes from newer servers only.
    """

    pending_instances: int = attrs.field(
        kw_only=True, metadata=wk_metadata(aliases=("numberOfOpenAssignments",))
    )
    tracing_time: int | None = attrs.field(default=None, kw_only=True)

    @property
    def tracing_duration(self) -> timedelta | None:
        """Time spent on the project's annotations, if the server reports it."""
        return ms_to_timedelta(self.tracing_time)
