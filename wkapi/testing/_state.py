"""The in-memory store of the fake server: plain dataclasses and the indexes over them.

``server.state`` is a :class:`State`. Tests read it for assertions; they may also change it, but
the ``server.add_*`` helpers keep the indexes and task counters right and should be preferred.

Collections (all ``dict`` keyed by id unless said otherwise):

- ``users``: :class:`User` (``first_name``, ``last_name``, ``email``, ``role``, ``is_admin``,
  ``is_dataset_manager``, ``is_super_user``, ``team_roles`` {team id: is manager}, ``experiences``)
- ``teams``: :class:`Team` (``name``, ``is_organization_team``)
- ``datasets``: :class:`Dataset`, keyed by **name** (``layers``, ``is_public``, ``is_active``,
  ``allowed_team_ids``, ``tags``, ``mags``)
- ``datastores`` / ``tracingstores``: :class:`Datastore` / :class:`Tracingstore`, keyed by name;
  a ``url`` of ``None`` stands for the fake server's own URL
- ``task_types``: :class:`TaskType` (``summary``, ``tracing_type``, ``team_id``,
  ``mag_restrictions``, ``allowed_modes``)
- ``projects``: :class:`Project` (``name``, ``team_id``, ``owner_id``, ``priority``, ``paused``,
  ``expected_time``)
- ``tasks``: :class:`Task` (``project_id``, ``task_type_id``, ``dataset``, ``instances``,
  ``active``, ``finished``, ``pending``, ``creation_info``, ``edit_position``, ...)
- ``annotations``: :class:`Annotation` (``typ``, ``state``, ``owner_id``, ``task_id``, ``dataset``,
  ``name``, ``visibility``, ``volume_layers``, ``skeleton``, ...). What its download sends: a
  new file written from the parsed content of an upload or merge (``stored``), a generated body
  (``synthetic``), or else an NML rendered from ``content_seed``; ``content_stats`` holds the
  skeleton counts of the first two (rendered ones are derived from the seed).
- ``scripts``: :class:`Script`

Indexes (read-only for tests): ``tasks_by_project``, ``annotations_by_task`` and
``annotations_by_owner`` map an id to an :class:`IdIndex`, a list-like sequence of ids, oldest
first.

Ids are 24 lowercase hex characters from one counter, so a later entity always has a greater id
("newest id first" is descending id order). Times come from a logical clock (epoch milliseconds,
one second per tick) so that a seed reproduces everything, downloads included.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import overload

from ._content import SkeletonStats, StoredContent

ANNOTATION_STATES = ("Active", "Finished", "Cancelled", "Initializing")
TRACING_TYPES = ("skeleton", "volume", "hybrid")
DEFAULT_MAGS = ((1, 1, 1), (2, 2, 1), (4, 4, 2), (8, 8, 4))
DEFAULT_MODES = ("orthogonal", "oblique", "flight")
KNOWN_MODES = DEFAULT_MODES
"""The view modes a task type may allow (its ``settings.allowedModes``); by default, all."""
_CLOCK_START_MS = 1_690_000_000_000


@dataclass
class Team:
    id: str
    name: str
    is_organization_team: bool = False


@dataclass
class User:
    id: str
    email: str
    first_name: str
    last_name: str
    token: str
    role: str
    is_admin: bool = False
    is_organization_owner: bool = False
    is_dataset_manager: bool = False
    is_super_user: bool = False
    is_active: bool = True
    team_roles: dict[str, bool] = field(default_factory=dict)
    experiences: dict[str, int] = field(default_factory=dict)
    created: int = 0
    last_activity: int = 0
    last_task_type_id: str | None = None

    def manages(self, team_id: str) -> bool:
        """Whether this user may administrate the team (organization admins manage every team)."""
        return self.is_admin or self.team_roles.get(team_id, False)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass
class Script:
    id: str
    name: str
    gist: str
    owner_id: str


@dataclass
class Datastore:
    name: str
    url: str | None
    public_url: str | None
    key: str
    is_scratch: bool = False
    allows_upload: bool = True


@dataclass
class Tracingstore:
    name: str
    url: str | None
    public_url: str | None


@dataclass
class Dataset:
    id: str
    name: str
    layers: tuple[str, ...]
    is_public: bool
    is_active: bool
    allowed_team_ids: list[str]
    created: int
    datastore_name: str
    description: str | None = None
    tags: list[str] = field(default_factory=list)
    mags: tuple[tuple[int, int, int], ...] = DEFAULT_MAGS
    """The magnifications of every layer, finest first."""
    data_format: str = "wkw"


@dataclass
class TaskType:
    id: str
    summary: str
    description: str
    team_id: str
    tracing_type: str
    created: int
    mag_restrictions: dict[str, int] = field(default_factory=dict)
    """``{"min": .., "max": ..}``, either key optional: the magnifications its annotations may
    use."""
    allowed_modes: tuple[str, ...] = DEFAULT_MODES


@dataclass
class Project:
    id: str
    name: str
    team_id: str
    owner_id: str | None
    priority: int
    paused: bool
    expected_time: int | None
    created: int
    is_blacklisted_from_report: bool = False


@dataclass
class Task:
    id: str
    project_id: str
    task_type_id: str
    dataset: str
    instances: int
    created: int
    needed_experience: tuple[str, int] = ("", 0)
    edit_position: tuple[int, int, int] = (0, 0, 0)
    edit_rotation: tuple[float, float, float] = (0.0, 0.0, 0.0)
    bounding_box: dict[str, object] | None = None
    script_id: str | None = None
    creation_info: str | None = None
    description: str | None = None
    tracing_time: int | None = None
    active: int = 0
    finished: int = 0

    @property
    def pending(self) -> int:
        """Instances nobody holds yet (cancelled annotations give theirs back)."""
        return max(self.instances - self.active - self.finished, 0)


@dataclass(frozen=True)
class SyntheticSpec:
    """A generated download: ``size`` bytes of ``kind`` (``nml``/``zip``) from ``seed``; a ZIP's
    NML is called ``nml_name`` (fixed when the annotation is made, so copies send the same
    bytes)."""

    size: int
    kind: str
    seed: int
    nml_name: str = "synthetic.nml"


@dataclass
class Annotation:
    id: str
    typ: str
    state: str
    owner_id: str | None
    dataset: str
    created: int
    modified: int
    name: str = ""
    description: str = ""
    visibility: str = "Internal"
    tags: list[str] = field(default_factory=list)
    task_id: str | None = None
    skeleton: bool = True
    volume_layers: tuple[str, ...] = ()
    content_seed: int = 0
    tracing_time: int | None = None
    stored: StoredContent | None = None
    synthetic: SyntheticSpec | None = None
    content_stats: SkeletonStats | None = None
    others_may_edit: bool = False
    mag_restrictions: dict[str, int] = field(default_factory=dict)
    """What createExplorational was asked for; a Task annotation follows its task type's."""
    shared_team_ids: list[str] = field(default_factory=list)
    """The teams it is shared with (listed in its ``teams``, after a task's project team)."""
    contributor_ids: list[str] = field(default_factory=list)
    """Users other than the owner who changed its content (its ``contributors``)."""


class IdIndex(Sequence[str]):
    """Ids in insertion order (oldest first) with O(1) add and remove; reads like a list."""

    def __init__(self) -> None:
        self._ids: dict[str, None] = {}

    def add(self, entity_id: str) -> None:
        self._ids[entity_id] = None

    def discard(self, entity_id: str) -> None:
        self._ids.pop(entity_id, None)

    def __len__(self) -> int:
        return len(self._ids)

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __reversed__(self) -> Iterator[str]:
        return reversed(self._ids)

    def __contains__(self, entity_id: object) -> bool:
        return entity_id in self._ids

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return list(self._ids)[index]
        ordered = iter(self._ids) if index >= 0 else reversed(self._ids)
        position = index if index >= 0 else -index - 1
        found = next(itertools.islice(ordered, position, None), None)
        if found is None:
            raise IndexError(index)
        return found

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"IdIndex({list(self._ids)!r})"


class NewestFirst(Sequence[str]):
    """A read-only view of an :class:`IdIndex` newest first; a page of it costs O(offset + page)
    instead of a copy of the whole index."""

    def __init__(self, index: IdIndex) -> None:
        self._index = index

    def __len__(self) -> int:
        return len(self._index)

    def __iter__(self) -> Iterator[str]:
        return reversed(self._index)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self._index))
            if step != 1:
                return list(reversed(self._index))[index]
            return list(itertools.islice(reversed(self._index), start, max(start, stop)))
        return self._index[-index - 1]


class State:
    """Everything the fake server knows, plus the indexes its routes need to stay O(result)."""

    def __init__(self, *, seed: int, organization: str) -> None:
        self.seed = seed
        self.organization = organization
        self.users: dict[str, User] = {}
        self.teams: dict[str, Team] = {}
        self.datasets: dict[str, Dataset] = {}
        self.datastores: dict[str, Datastore] = {}
        self.tracingstores: dict[str, Tracingstore] = {}
        self.task_types: dict[str, TaskType] = {}
        self.projects: dict[str, Project] = {}
        self.tasks: dict[str, Task] = {}
        self.annotations: dict[str, Annotation] = {}
        self.scripts: dict[str, Script] = {}
        self.users_by_token: dict[str, str] = {}
        self.tasks_by_project: dict[str, IdIndex] = {}
        self.annotations_by_task: dict[str, IdIndex] = {}
        self.annotations_by_owner: dict[str, IdIndex] = {}
        self._counter = 0
        self._ticks = 0
        self._id_prefix = 0x64C00000 + (seed * 2_654_435_761) % 0x100000

    # ids and time

    def new_id(self) -> str:
        """A fresh id, greater than every id handed out before."""
        self._counter += 1
        return f"{self._id_prefix:08x}{self._counter:016x}"

    def now_ms(self) -> int:
        """The logical clock: advances one second per call."""
        self._ticks += 1
        return _CLOCK_START_MS + self._ticks * 1000

    def derive(self, *parts: object) -> int:
        """A deterministic 32-bit number from the seed and ``parts``."""
        text = ":".join(str(p) for p in (self.seed, *parts))
        return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "big")

    def derive_id(self, *parts: object) -> str:
        """A fixed id-shaped string for things the store does not keep (folders, tracings)."""
        text = ":".join(str(p) for p in (self.seed, *parts))
        return hashlib.sha256(text.encode()).hexdigest()[:24]

    def make_token(self, label: str) -> str:
        """A long random-looking token, fixed for a seed and label."""
        digest = hashlib.sha256(f"wkapi-fake-token:{self.seed}:{label}".encode()).hexdigest()
        return digest[:32]

    # lookups

    def project_by_name(self, name: str) -> Project | None:
        for project in self.projects.values():
            if project.name == name:
                return project
        return None

    def team_by_name(self, name: str) -> Team | None:
        for team in self.teams.values():
            if team.name == name:
                return team
        return None

    def annotations_of_task(self, task_id: str) -> list[Annotation]:
        return [self.annotations[a] for a in self.annotations_by_task.get(task_id, ())]

    def project_of(self, task: Task) -> Project:
        return self.projects[task.project_id]

    # changes that keep indexes and counters right

    def add_user(self, user: User) -> User:
        self.users[user.id] = user
        self.users_by_token[user.token] = user.id
        return user

    def add_task(self, task: Task) -> Task:
        self.tasks[task.id] = task
        self.tasks_by_project.setdefault(task.project_id, IdIndex()).add(task.id)
        return task

    def add_annotation(self, annotation: Annotation) -> Annotation:
        self.annotations[annotation.id] = annotation
        if annotation.owner_id is not None:
            self.annotations_by_owner.setdefault(annotation.owner_id, IdIndex()).add(annotation.id)
        if annotation.task_id is not None:
            self.annotations_by_task.setdefault(annotation.task_id, IdIndex()).add(annotation.id)
            self._count(annotation, +1)
        return annotation

    def set_annotation_state(self, annotation: Annotation, new_state: str) -> None:
        """Move an annotation to ``new_state``, updating its task's active/finished counts."""
        if new_state not in ANNOTATION_STATES:
            raise ValueError(f"unknown annotation state {new_state!r}")
        self._count(annotation, -1)
        annotation.state = new_state
        annotation.modified = self.now_ms()
        self._count(annotation, +1)

    def _count(self, annotation: Annotation, sign: int) -> None:
        if annotation.typ != "Task" or annotation.task_id not in self.tasks:
            return
        task = self.tasks[annotation.task_id]
        if annotation.state == "Active":
            task.active += sign
        elif annotation.state == "Finished":
            task.finished += sign

    def remove_annotation(self, annotation_id: str) -> None:
        annotation = self.annotations.pop(annotation_id)
        self._count(annotation, -1)
        if annotation.owner_id is not None:
            self.annotations_by_owner[annotation.owner_id].discard(annotation_id)
        if annotation.task_id is not None:
            self.annotations_by_task[annotation.task_id].discard(annotation_id)

    def remove_task(self, task_id: str) -> None:
        """Delete a task and all its annotations."""
        for annotation_id in list(self.annotations_by_task.get(task_id, ())):
            self.remove_annotation(annotation_id)
        self.annotations_by_task.pop(task_id, None)
        task = self.tasks.pop(task_id)
        self.tasks_by_project[task.project_id].discard(task_id)

    def remove_project(self, project_id: str) -> None:
        """Delete a project with its tasks and their annotations."""
        for task_id in list(self.tasks_by_project.get(project_id, ())):
            self.remove_task(task_id)
        self.tasks_by_project.pop(project_id, None)
        del self.projects[project_id]
