"""Tasks, task types and the report of a task creation."""

from __future__ import annotations

from datetime import datetime, timedelta

import attrs

from wkapi._convert import wk_metadata
from wkapi.models.common import (
    AnnotationSettings,
    BoundingBox,
    JsonObject,
    NeededExperience,
    ResolutionRestrictions,
    ServerMessage,
    Vec3Float,
    Vec3Int,
    WkEnum,
    ms_to_datetime,
    ms_to_timedelta,
)
from wkapi.models.user import CompactUser

__all__ = [
    "Script",
    "Task",
    "TaskCreationReport",
    "TaskCreationResult",
    "TaskStatus",
    "TaskType",
    "TracingType",
]


class TracingType(WkEnum):
    """What a task type's annotations hold."""

    SKELETON = "skeleton"
    VOLUME = "volume"
    HYBRID = "hybrid"


@attrs.frozen
class TaskType:
    """A task type (``GET /taskTypes``, and the ``type`` of every task).

    ``tracing_type`` is a :class:`TracingType`, or the server's string for a kind this
    version of wkapi does not know. The magnifications its annotations may use are
    :attr:`mag_restrictions` (``settings.magRestrictions``, ``resolutionRestrictions`` on
    older servers).
    """

    id: str
    summary: str
    description: str
    team_id: str
    team_name: str
    settings: AnnotationSettings
    tracing_type: TracingType | str
    recommended_configuration: JsonObject | None = None

    @property
    def mag_restrictions(self) -> ResolutionRestrictions:
        """The smallest and largest magnification its annotations may use (each ``None``
        when unrestricted)."""
        return self.settings.mag_restrictions

    @property
    def is_volume_or_hybrid(self) -> bool:
        """Whether annotations of this type hold volume data (task creation batches <= 100)."""
        return self.tracing_type in (TracingType.VOLUME, TracingType.HYBRID)


@attrs.frozen
class TaskStatus:
    """How many instances of a task are pending (not yet assigned), active and finished.

    ``pending`` reads ``pending`` or, from servers before 23.09, ``open``.
    """

    pending: int = attrs.field(metadata=wk_metadata(aliases=("open",)))
    active: int
    finished: int

    @property
    def total(self) -> int:
        """All instances of the task."""
        return self.pending + self.active + self.finished


@attrs.frozen
class Script:
    """A user script attached to tasks: ``{id, name, gist, owner}``.

    ``owner`` is the compact user, or an id string where a server sends only that.
    """

    id: str
    name: str
    gist: str
    owner: CompactUser | str | None = None


@attrs.frozen
class Task:
    """A task: an editing job on a dataset, handed out as annotation instances.

    ``team`` is the team's *name*. ``dataset_name`` reads ``datasetName`` or ``dataSet``
    (the key depends on the server generation); ``dataset_id`` comes from newer servers.
    ``messages`` holds what ``PUT /tasks/:id`` reports alongside the task.
    """

    id: str
    project_id: str
    project_name: str
    team: str
    type: TaskType
    dataset_name: str = attrs.field(metadata=wk_metadata(key="datasetName", aliases=("dataSet",)))
    needed_experience: NeededExperience
    created: int
    status: TaskStatus
    edit_position: Vec3Int
    edit_rotation: Vec3Float
    formatted_hash: str | None = None
    dataset_id: str | None = None
    script: Script | None = None
    tracing_time: int | None = None
    creation_info: str | None = None
    description: str | None = None
    bounding_box: BoundingBox | None = None
    messages: tuple[ServerMessage, ...] = ()

    @property
    def created_at(self) -> datetime:
        """When the task was created (UTC)."""
        return ms_to_datetime(self.created)

    @property
    def tracing_duration(self) -> timedelta | None:
        """Time spent on the task's annotations, if the server reports it."""
        return ms_to_timedelta(self.tracing_time)


@attrs.frozen
class TaskCreationResult:
    """The outcome of one item of a task creation request, in input order.

    Exactly one of ``task`` (from the server's ``success``) and ``error`` is set.
    """

    status: int
    task: Task | None = attrs.field(default=None, metadata=wk_metadata(key="success"))
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether this item was created."""
        return self.task is not None and self.error is None


@attrs.frozen
class TaskCreationReport:
    """What ``POST /tasks`` and ``POST /tasks/createFromFiles`` answer: one result per item.

    The server answers 200 even when some items fail; check :attr:`ok` or :attr:`failed`.
    """

    results: tuple[TaskCreationResult, ...] = attrs.field(metadata=wk_metadata(key="tasks"))
    warnings: tuple[str, ...] = ()

    @property
    def created(self) -> tuple[Task, ...]:
        """The tasks that were created."""
        return tuple(r.task for r in self.results if r.task is not None and r.error is None)

    @property
    def failed(self) -> tuple[TaskCreationResult, ...]:
        """The results of the items that were not created."""
        return tuple(r for r in self.results if not r.ok)

    @property
    def ok(self) -> bool:
        """Whether every item was created (warnings do not count as failures)."""
        return not self.failed
