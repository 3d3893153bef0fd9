"""Projects: create, read, update, delete, pause/resume, their tasks and open workload."""

from __future__ import annotations

import builtins
import enum
import re
from datetime import timedelta
from typing import Any, Final, Literal

from wkapi._checks import INT32_MAX, INT32_MIN, INT64_MAX, check_bool, check_id, check_int
from wkapi._errors import BadRequestError, InputError, NotFoundError
from wkapi._pagination import DEFAULT_PAGE_SIZE, Pager
from wkapi._session import Session
from wkapi.models import Project, ProjectWithStatus, ServerMessage, Task

from ._base import Resource, segment

__all__ = ["ProjectsResource"]

_PROJECT_NAME = re.compile(r"[a-zA-Z0-9_-]{3,}")

# The with-status list was renamed in release 23.09; servers have one or the other.
_WITH_STATUS_ROUTES = ("/projects/withStatus", "/projects/assignments")


class _Unset(enum.Enum):
    UNSET = enum.auto()


_UNSET: Final = _Unset.UNSET

Duration = int | timedelta
"""Milliseconds, or a :class:`~datetime.timedelta`."""


def _name(value: object) -> str:
    if not isinstance(value, str) or not _PROJECT_NAME.fullmatch(value):
        raise InputError(
            "project name must be at least 3 characters of letters, digits, '_' and '-', "
            f"got {value!r}"
        )
    return value


def _milliseconds(value: Duration | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, timedelta):
        value = round(value.total_seconds() * 1000)
    return check_int("expected_time (ms)", value, minimum=0, maximum=INT64_MAX)


def _priority(value: object) -> int:
    return check_int("priority", value, minimum=INT32_MIN, maximum=INT32_MAX)


def _project_body(
    *,
    name: str,
    team: str,
    priority: int,
    paused: bool,
    expected_time: int | None,
    owner: str,
    is_blacklisted_from_report: bool,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": name,
        "team": check_id("team id", team),
        "priority": _priority(priority),
        "paused": check_bool("paused", paused),
        "owner": check_id("owner (user id)", owner),
        "isBlacklistedFromReport": check_bool(
            "is_blacklisted_from_report", is_blacklisted_from_report
        ),
    }
    if expected_time is not None:
        body["expectedTime"] = expected_time
    return body


class ProjectsResource(Resource):
    """Projects (``wk.projects``), addressed by id (v4 and later)."""

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self._with_status_route: str | None = None

    async def list(self) -> builtins.list[Project]:
        """``GET /projects``: every project the caller may read."""
        data = await self._session.request_json("GET", "/projects")
        return self._structure_list(data, Project)

    async def list_with_status(self) -> builtins.list[ProjectWithStatus]:
        """Every project the caller may read, with its number of pending task instances.

        Uses ``GET /projects/withStatus`` (servers since 23.09) or ``GET /projects/assignments``
        (older servers), whichever the server has; the answer is remembered. A server without
        one of them takes its path for ``GET /projects/:id`` and refuses the id (400); a 404
        counts as "no such route" too.
        """
        routes = (self._with_status_route,) if self._with_status_route else _WITH_STATUS_ROUTES
        for index, route in enumerate(routes):
            try:
                data = await self._session.request_json("GET", route)
            except (NotFoundError, BadRequestError):
                if index == len(routes) - 1:
                    raise
                continue
            self._with_status_route = route
            return self._structure_list(data, ProjectWithStatus)
        raise AssertionError("unreachable")  # pragma: no cover

    async def create(
        self,
        *,
        name: str,
        team: str,
        priority: int,
        paused: bool = False,
        expected_time: Duration | None,
        owner: str,
        is_blacklisted_from_report: bool = False,
    ) -> Project:
        """``POST /projects``: create a project.

        Args:
            name: at least 3 characters of letters, digits, ``_`` and ``-``; unique.
            team: id of the project's team.
            priority: higher priorities get their tasks assigned first.
            paused: create it paused (no tasks are handed out).
            expected_time: the expected time per task instance (ms or a timedelta), or None.
            owner: id of the owning user.
            is_blacklisted_from_report: leave the project out of reports.
        """
        body = _project_body(
            name=_name(name),
            team=team,
            priority=priority,
            paused=paused,
            expected_time=_milliseconds(expected_time),
            owner=owner,
            is_blacklisted_from_report=is_blacklisted_from_report,
        )
        data = await self._session.request_json("POST", "/projects", json=body)
        return self._structure(data, Project)

    async def get(self, project_id: str) -> Project:
        """``GET /projects/:id``: one project."""
        data = await self._session.request_json("GET", _path(project_id))
        return self._structure(data, Project)

    async def by_name(self, name: str) -> Project:
        """``GET /projects/byName/:name``: the project of that name (404 if there is none)."""
        path = "/projects/byName/" + segment(name, "project name")
        data = await self._session.request_json("GET", path)
        return self._structure(data, Project)

    async def delete(self, project_id: str) -> tuple[ServerMessage, ...]:
        """``DELETE /projects/:id``: delete a project with all its tasks and annotations.

        Returns the server's messages (none when a retry found the project already gone
        after an attempt whose answer was lost).
        """
        return await self._delete(_path(project_id))

    async def update(
        self,
        project_id: str,
        *,
        team: str | None = None,
        priority: int | None = None,
        expected_time: Duration | Literal[_Unset.UNSET] | None = _UNSET,
        owner: str | None = None,
        is_blacklisted_from_report: bool | None = None,
    ) -> Project:
        """``PUT /projects/:id``: change a project's team, priority, expected time, owner or
        report flag; arguments left out keep their value.

        The server wants the whole project body (it ignores ``name`` and ``paused``: use
        :meth:`pause`/:meth:`resume`), so this reads the project first.
        ``expected_time=None`` clears the expected time.
        """
        _path(project_id)  # a bad id is named before anything else
        if (
            team is None
            and priority is None
            and expected_time is _UNSET
            and owner is None
            and is_blacklisted_from_report is None
        ):
            raise InputError("update needs at least one value to change")
        # Every argument is checked before the project is read: nothing is sent for a bad one.
        if team is not None:
            check_id("team id", team)
        if priority is not None:
            _priority(priority)
        if expected_time is not _UNSET:
            expected_time = _milliseconds(expected_time)
        if owner is not None:
            check_id("owner (user id)", owner)
        if is_blacklisted_from_report is not None:
            check_bool("is_blacklisted_from_report", is_blacklisted_from_report)
        current = await self.get(project_id)
        if owner is None:
            if current.owner is None:
                raise InputError(f"project {current.name!r} has no owner; pass owner=")
            owner = current.owner.id
        body = _project_body(
            name=current.name,
            team=current.team if team is None else team,
            priority=current.priority if priority is None else priority,
            paused=current.paused,
            expected_time=current.expected_time if expected_time is _UNSET else expected_time,
            owner=owner,
            is_blacklisted_from_report=(
                current.is_blacklisted_from_report
                if is_blacklisted_from_report is None
                else is_blacklisted_from_report
            ),
        )
        data = await self._session.request_json("PUT", _path(current.id), json=body)
        return self._structure(data, Project)

    def tasks(
        self, project_id: str, limit: int | None = None, *, page_size: int = DEFAULT_PAGE_SIZE
    ) -> Pager[Task]:
        """``GET /projects/:id/tasks``: the project's tasks, newest first, fetched lazily."""
        return Pager(
            self._session,
            _path(project_id) + "/tasks",
            self._structurer(Task),
            limit=limit,
            page_size=page_size,
        )

    async def increment_each_tasks_instances(
        self, project_id: str, delta: int = 1
    ) -> ProjectWithStatus:
        """``PATCH /projects/:id/incrementEachTasksInstances?delta=``: give every task of the
        project ``delta`` more instances (``delta >= 0``).

        Returns the project with its pending instances, and the server's messages if any.
        """
        params = {"delta": check_int("delta", delta, minimum=0, maximum=INT32_MAX)}
        path = _path(project_id) + "/incrementEachTasksInstances"
        data = await self._session.request_json("PATCH", path, params=params)
        return self._structure(data, ProjectWithStatus)

    async def pause(self, project_id: str) -> Project:
        """``PATCH /projects/:id/pause``: stop handing out the project's tasks."""
        data = await self._session.request_json("PATCH", _path(project_id) + "/pause")
        return self._structure(data, Project)

    async def resume(self, project_id: str) -> Project:
        """``PATCH /projects/:id/resume``: hand out the project's tasks again."""
        data = await self._session.request_json("PATCH", _path(project_id) + "/resume")
        return self._structure(data, Project)


def _path(project_id: str) -> str:
    return "/projects/" + check_id("project id", project_id)
