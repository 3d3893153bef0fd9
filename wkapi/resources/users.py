"""Users and their annotations: ``/user``, ``/users``, ``/users/:id/tasks``, ``.../annotations``."""

from __future__ import annotations

import builtins

from wkapi._checks import check_bool, check_id
from wkapi._pagination import DEFAULT_PAGE_SIZE, Pager
from wkapi._session import QueryValue
from wkapi.models import Annotation, User

from ._base import Resource

__all__ = ["UsersResource"]


def _flag(value: bool | None, what: str) -> bool | None:
    return None if value is None else check_bool(what, value)


class UsersResource(Resource):
    """Users (``wk.users``): the caller, other users, and their task and explorative annotations.

    The annotation lists are :class:`~wkapi.Pager` objects: ``async for`` fetches pages of
    ``page_size`` lazily (newest first) and stops after ``limit`` items;
    ``await pager.total()`` asks the server for the count. ``is_finished=True`` lists finished
    annotations, ``False`` active ones, ``None`` all but cancelled ones.
    """

    async def list(
        self, is_editable: bool | None = None, is_admin: bool | None = None
    ) -> builtins.list[User]:
        """``GET /users``: every user the caller may read.

        Args:
            is_editable: only users whose team memberships the caller can (``True``) or cannot
                (``False``) change.
            is_admin: only admins (``True``) or only non-admins (``False``).
        """
        params: dict[str, QueryValue] = {
            "isEditable": _flag(is_editable, "is_editable"),
            "isAdmin": _flag(is_admin, "is_admin"),
        }
        data = await self._session.request_json("GET", "/users", params=params)
        return self._structure_list(data, User)

    async def current(self) -> User:
        """``GET /user``: the user the token belongs to."""
        data = await self._session.request_json("GET", "/user")
        return self._structure(data, User)

    async def get(self, user_id: str) -> User:
        """``GET /users/:id``: one user."""
        data = await self._session.request_json("GET", "/users/" + check_id("user id", user_id))
        return self._structure(data, User)

    def my_tasks(
        self,
        is_finished: bool | None = None,
        limit: int | None = None,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> Pager[Annotation]:
        """``GET /user/tasks``: the caller's task annotations (full form, with their task)."""
        return self._pager("/user/tasks", is_finished, limit, page_size)

    def my_annotations(
        self,
        is_finished: bool | None = None,
        limit: int | None = None,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> Pager[Annotation]:
        """``GET /user/annotations``: the caller's explorative annotations (compact form)."""
        return self._pager("/user/annotations", is_finished, limit, page_size)

    def tasks(
        self,
        user_id: str,
        is_finished: bool | None = None,
        limit: int | None = None,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> Pager[Annotation]:
        """``GET /users/:id/tasks``: a user's task annotations (full form, with their task)."""
        path = f"/users/{check_id('user id', user_id)}/tasks"
        return self._pager(path, is_finished, limit, page_size)

    def annotations(
        self,
        user_id: str,
        is_finished: bool | None = None,
        limit: int | None = None,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> Pager[Annotation]:
        """``GET /users/:id/annotations``: a user's explorative annotations (compact form)."""
        path = f"/users/{check_id('user id', user_id)}/annotations"
        return self._pager(path, is_finished, limit, page_size)

    def _pager(
        self, path: str, is_finished: bool | None, limit: int | None, page_size: int
    ) -> Pager[Annotation]:
        params: dict[str, QueryValue] = {"isFinished": _flag(is_finished, "is_finished")}
        return Pager(
            self._session,
            path,
            self._structurer(Annotation),
            params=params,
            limit=limit,
            page_size=page_size,
        )
