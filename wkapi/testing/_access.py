"""Who may see and change what, following the real server's rules closely enough for tests.

- Organization admins (and super users, who are admins here) may do everything.
- A team manager administrates the projects, tasks and task annotations of its teams.
- Team members may read their team's projects and tasks; others get a 404 for them.
- Annotations: ``Public`` ones are readable by anyone, ``Internal`` ones by every logged-in
  user, ``Private`` ones by the owner and the administrators of the annotation's team.
- Datasets: public ones for everyone; others for admins, dataset managers and allowed teams.
"""

from __future__ import annotations

from ._state import Annotation, Dataset, Project, State, Task, User


def is_member(user: User | None, team_id: str) -> bool:
    return user is not None and (user.is_admin or team_id in user.team_roles)


def manages(user: User | None, team_id: str) -> bool:
    return user is not None and user.manages(team_id)


def annotation_team_ids(state: State, annotation: Annotation) -> list[str]:
    """A task annotation belongs to its project's team; other annotations to no team."""
    if annotation.task_id is None or annotation.task_id not in state.tasks:
        return []
    return [state.project_of(state.tasks[annotation.task_id]).team_id]


def administrates_annotation(state: State, user: User | None, annotation: Annotation) -> bool:
    if user is None:
        return False
    return user.is_admin or any(manages(user, t) for t in annotation_team_ids(state, annotation))


def can_read_annotation(state: State, user: User | None, annotation: Annotation) -> bool:
    if annotation.visibility == "Public":
        return True
    if user is None:
        return False
    if annotation.visibility == "Internal" or annotation.owner_id == user.id:
        return True
    return administrates_annotation(state, user, annotation)


def can_update_annotation(state: State, user: User | None, annotation: Annotation) -> bool:
    if user is None:
        return False
    return annotation.owner_id == user.id or administrates_annotation(state, user, annotation)


def can_read_project(user: User | None, project: Project) -> bool:
    return is_member(user, project.team_id)


def can_read_task(state: State, user: User | None, task: Task) -> bool:
    return can_read_project(user, state.project_of(task))


def can_edit_user(user: User, other: User) -> bool:
    """Organization admins edit every user, team managers the members of their teams."""
    return user.is_admin or any(user.manages(t) for t in other.team_roles)


def can_read_user(user: User, other: User) -> bool:
    return user.id == other.id or can_edit_user(user, other)


def can_read_dataset(user: User | None, dataset: Dataset) -> bool:
    if dataset.is_public:
        return True
    if user is None:
        return False
    if user.is_admin or user.is_dataset_manager:
        return True
    return any(team in user.team_roles for team in dataset.allowed_team_ids)
