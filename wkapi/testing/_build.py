"""Constructors for the fake server's entities with realistic defaults.

The seed, the ``server.add_*`` helpers and the route handlers all create entities through these
functions, so that ids, times and indexes are always handled the same way.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence

from ._state import (
    ANNOTATION_STATES,
    DEFAULT_MAGS,
    DEFAULT_MODES,
    KNOWN_MODES,
    TRACING_TYPES,
    Annotation,
    Dataset,
    Project,
    State,
    Task,
    TaskType,
    Team,
    User,
)

ROLES = ("admin", "team_manager", "user", "super_user", "dataset_manager")
ANNOTATION_TYPES = (
    "Task",
    "View",
    "Explorational",
    "TracingBase",
    "Orphan",
    "CompoundTask",
    "CompoundProject",
    "CompoundTaskType",
)
COMPOUND_TYPES = ("CompoundTask", "CompoundProject", "CompoundTaskType")


def new_team(state: State, name: str, *, organization_team: bool = False) -> Team:
    team = Team(id=state.new_id(), name=name, is_organization_team=organization_team)
    state.teams[team.id] = team
    return team


def new_user(
    state: State,
    role: str = "user",
    *,
    first_name: str,
    last_name: str,
    email: str | None = None,
    teams: Iterable[str] | None = None,
    experiences: dict[str, int] | None = None,
) -> User:
    """A user of ``role``; ``teams`` are team ids or names (default: the first team).

    A ``team_manager`` manages the teams it is given; ``super_user`` is also an organization admin.
    """
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; expected one of {ROLES}")
    team_ids = [_team_id(state, t) for t in teams] if teams is not None else _first_team(state)
    user_id = state.new_id()
    created = state.now_ms()
    user = User(
        id=user_id,
        email=email or f"{first_name}.{last_name}.{user_id[-4:]}@example.org".lower(),
        first_name=first_name,
        last_name=last_name,
        token=state.make_token(user_id),
        role=role,
        is_admin=role in ("admin", "super_user"),
        is_organization_owner=role == "admin" and not _has_owner(state),
        is_dataset_manager=role == "dataset_manager",
        is_super_user=role == "super_user",
        team_roles=dict.fromkeys(team_ids, role == "team_manager"),
        experiences=dict(experiences or {}),
        created=created,
        last_activity=created,
    )
    return state.add_user(user)


def _has_owner(state: State) -> bool:
    return any(u.is_organization_owner for u in state.users.values())


def _first_team(state: State) -> list[str]:
    return [next(iter(state.teams))] if state.teams else []


def _team_id(state: State, id_or_name: str) -> str:
    if id_or_name in state.teams:
        return id_or_name
    team = state.team_by_name(id_or_name)
    if team is None:
        raise KeyError(f"no team with id or name {id_or_name!r}")
    return team.id


def share_annotation(state: State, annotation_id: str, teams: Iterable[str]) -> None:
    """Share the annotation with ``teams`` (ids or names) too; KeyError for an unknown one."""
    annotation = state.annotations[annotation_id]
    for team in teams:
        team_id = _team_id(state, team)
        if team_id not in annotation.shared_team_ids:
            annotation.shared_team_ids.append(team_id)


def add_contributor(state: State, annotation_id: str, user_id: str) -> None:
    """Record that ``user_id`` changed the annotation's content; its owner is no contributor
    (ValueError), an unknown user a KeyError."""
    annotation = state.annotations[annotation_id]
    if user_id not in state.users:
        raise KeyError(f"no user with id {user_id!r}")
    if user_id == annotation.owner_id:
        raise ValueError("the owner of an annotation is not one of its contributors")
    if user_id not in annotation.contributor_ids:
        annotation.contributor_ids.append(user_id)


def new_dataset(
    state: State,
    name: str,
    *,
    layers: Sequence[str] = ("color", "segmentation"),
    public: bool = False,
    active: bool = True,
    allowed_team_ids: Iterable[str] = (),
    tags: Iterable[str] = (),
    mags: Iterable[Sequence[int]] = DEFAULT_MAGS,
    description: str | None = None,
) -> Dataset:
    """A dataset; ``mags`` are the magnifications of every layer (``[x, y, z]`` each, finest
    first), listed as the layers' ``resolutions`` and, on newer servers, ``mags``."""
    if name in state.datasets:
        raise ValueError(f"dataset {name!r} exists already")
    _names("layers", "layer", layers)
    _names("tags", "tag", tags)
    dataset = Dataset(
        id=state.new_id(),
        name=name,
        layers=tuple(layers),
        is_public=public,
        is_active=active,
        allowed_team_ids=list(allowed_team_ids),
        created=state.now_ms(),
        datastore_name=next(iter(state.datastores)),
        description=description,
        tags=list(tags),
        mags=_mags(mags),
    )
    state.datasets[name] = dataset
    return dataset


def _names(argument: str, what: str, names: Iterable[str]) -> None:
    """Refuse one string where a sequence of names goes: it would be split into letters."""
    if isinstance(names, str):
        raise TypeError(
            f"{argument} is a sequence of {what} names, not one string (for one: [{names!r}])"
        )


def _mags(mags: Iterable[Sequence[int]]) -> tuple[tuple[int, int, int], ...]:
    checked = []
    for mag in mags:
        values = tuple(mag)
        if len(values) != 3 or not all(type(v) is int and v >= 1 for v in values):
            raise ValueError(f"a mag is three positive ints [x, y, z], not {mag!r}")
        checked.append((values[0], values[1], values[2]))
    if not checked:
        raise ValueError("a dataset needs at least one mag")
    return tuple(checked)


def mag_restrictions(min_mag: int | None = None, max_mag: int | None = None) -> dict[str, int]:
    """``{"min": .., "max": ..}`` of the given bounds (powers of two, ``min <= max``)."""
    restrictions: dict[str, int] = {}
    for key, value in (("min", min_mag), ("max", max_mag)):
        if value is None:
            continue
        if type(value) is not int or value < 1 or value & (value - 1):
            raise ValueError(f"mag restriction {key} must be a power of two >= 1, not {value!r}")
        restrictions[key] = value
    if min_mag is not None and max_mag is not None and min_mag > max_mag:
        raise ValueError(f"mag restriction min {min_mag} is greater than max {max_mag}")
    return restrictions


def new_task_type(
    state: State,
    summary: str,
    *,
    tracing_type: str = "skeleton",
    team_id: str | None = None,
    restrictions: dict[str, int] | None = None,
    allowed_modes: Sequence[str] = DEFAULT_MODES,
) -> TaskType:
    """A task type; ``restrictions`` as :func:`mag_restrictions` makes them."""
    if tracing_type not in TRACING_TYPES:
        raise ValueError(f"tracing_type must be one of {TRACING_TYPES}")
    _names("allowed_modes", "mode", allowed_modes)
    unknown = [mode for mode in allowed_modes if mode not in KNOWN_MODES]
    if unknown:
        raise ValueError(
            f"allowed_modes may hold only {', '.join(map(repr, KNOWN_MODES))}, not"
            f" {', '.join(map(repr, unknown))}"
        )
    task_type = TaskType(
        id=state.new_id(),
        summary=summary,
        description=f"{summary} ({tracing_type})",
        team_id=team_id or _first_team(state)[0],
        tracing_type=tracing_type,
        created=state.now_ms(),
        mag_restrictions=dict(restrictions or {}),
        allowed_modes=tuple(allowed_modes),
    )
    state.task_types[task_type.id] = task_type
    return task_type


def new_project(
    state: State,
    name: str,
    *,
    team_id: str | None = None,
    owner_id: str | None = None,
    priority: int = 100,
    paused: bool = False,
    expected_time: int | None = None,
    is_blacklisted_from_report: bool = False,
) -> Project:
    project = Project(
        id=state.new_id(),
        name=name,
        team_id=team_id or _first_team(state)[0],
        owner_id=owner_id,
        priority=priority,
        paused=paused,
        expected_time=expected_time,
        created=state.now_ms(),
        is_blacklisted_from_report=is_blacklisted_from_report,
    )
    state.projects[project.id] = project
    return project


def new_task(
    state: State,
    project_id: str,
    task_type_id: str,
    dataset: str,
    *,
    instances: int = 1,
    edit_position: Sequence[int] = (0, 0, 0),
    edit_rotation: Sequence[float] = (0.0, 0.0, 0.0),
    creation_info: str | None = None,
    needed_experience: tuple[str, int] = ("", 0),
    bounding_box: dict[str, object] | None = None,
    script_id: str | None = None,
    description: str | None = None,
) -> Task:
    if project_id not in state.projects:
        raise KeyError(f"no project {project_id!r}")
    if task_type_id not in state.task_types:
        raise KeyError(f"no task type {task_type_id!r}")
    x, y, z = edit_position
    rx, ry, rz = edit_rotation
    task = Task(
        id=state.new_id(),
        project_id=project_id,
        task_type_id=task_type_id,
        dataset=dataset,
        instances=instances,
        created=state.now_ms(),
        needed_experience=needed_experience,
        edit_position=(x, y, z),
        edit_rotation=(rx, ry, rz),
        bounding_box=bounding_box,
        script_id=script_id,
        creation_info=creation_info,
        description=description,
    )
    return state.add_task(task)


def new_annotation(
    state: State,
    *,
    typ: str = "Explorational",
    owner_id: str | None = None,
    task_id: str | None = None,
    dataset: str | None = None,
    state_name: str = "Active",
    name: str = "",
    volume_layers: Sequence[str] = (),
    skeleton: bool = True,
    visibility: str = "Internal",
) -> Annotation:
    """An annotation; a ``Task`` one needs ``task_id`` and counts towards the task's instances."""
    if typ not in ANNOTATION_TYPES or typ in COMPOUND_TYPES:
        raise ValueError(f"cannot store an annotation of type {typ!r}")
    if state_name not in ANNOTATION_STATES:
        raise ValueError(f"unknown annotation state {state_name!r}")
    task = state.tasks[task_id] if task_id is not None else None
    if typ == "Task" and task is None:
        raise ValueError("a Task annotation needs task_id")
    if dataset is None:
        dataset = task.dataset if task is not None else next(iter(state.datasets))
    if not skeleton and not volume_layers:
        raise ValueError("an annotation needs a skeleton or at least one volume layer")
    annotation_id = state.new_id()
    created = state.now_ms()
    annotation = Annotation(
        id=annotation_id,
        typ=typ,
        state=state_name,
        owner_id=owner_id,
        dataset=dataset,
        created=created,
        modified=created,
        name=name,
        visibility=visibility,
        task_id=task_id,
        skeleton=skeleton,
        volume_layers=tuple(volume_layers),
        content_seed=state.derive("annotation", annotation_id),
    )
    return state.add_annotation(annotation)


def assign_task(state: State, task: Task, user: User) -> Annotation:
    """Give one pending instance of ``task`` to ``user`` as a new Active Task annotation, with
    the layers its task type asks for."""
    kind = state.task_types[task.task_type_id].tracing_type
    user.last_task_type_id = task.task_type_id
    return new_annotation(
        state,
        typ="Task",
        owner_id=user.id,
        task_id=task.id,
        volume_layers=("Volume",) if kind in ("volume", "hybrid") else (),
        skeleton=kind != "volume",
    )


def holders(state: State, task_id: str) -> set[str | None]:
    """The owners of the task's annotations that still hold an instance (all but Cancelled)."""
    return {a.owner_id for a in state.annotations_of_task(task_id) if a.state != "Cancelled"}


def annotators(state: State) -> list[User]:
    """Users who may receive tasks: everyone but organization admins, in id order."""
    return [u for u in state.users.values() if not u.is_admin]


def simulate_annotators(
    state: State, project_id: str, *, finish_fraction: float = 0.5, seed: int | None = None
) -> list[str]:
    """Assign every pending instance of the project's tasks and finish a share of them.

    Instances go to non-admin users chosen with a seeded generator (a user gets each task at most
    once while others are free). Returns the ids of the created Task annotations in creation
    order; ``round(finish_fraction * n)`` of them, picked by the same generator, are Finished.
    """
    if not 0.0 <= finish_fraction <= 1.0:
        raise ValueError("finish_fraction must be within [0, 1]")
    rng = random.Random(state.seed if seed is None else seed)
    people = annotators(state)
    if not people:
        raise ValueError("no users to assign tasks to")
    created: list[Annotation] = []
    for task_id in state.tasks_by_project.get(project_id, ()):
        task = state.tasks[task_id]
        taken = holders(state, task_id)
        for _ in range(task.pending):
            free = [u for u in people if u.id not in taken] or people
            user = rng.choice(free)
            taken.add(user.id)
            created.append(assign_task(state, task, user))
    for annotation in rng.sample(created, round(finish_fraction * len(created))):
        state.set_annotation_state(annotation, "Finished")
    return [a.id for a in created]
