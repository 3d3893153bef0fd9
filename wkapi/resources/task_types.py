"""Task types: ``GET /taskTypes`` and ``/taskTypes/:id`` (real routes outside the route list)."""

from __future__ import annotations

import builtins

from wkapi._checks import check_id
from wkapi.models import TaskType

from ._base import Resource

__all__ = ["TaskTypesResource"]


class TaskTypesResource(Resource):
    """Task types (``wk.task_types``): whether tasks are skeleton, volume or hybrid work."""

    async def list(self) -> builtins.list[TaskType]:
        """``GET /taskTypes``: every task type the caller may read."""
        data = await self._session.request_json("GET", "/taskTypes")
        return self._structure_list(data, TaskType)

    async def get(self, task_type_id: str) -> TaskType:
        """``GET /taskTypes/:id``: one task type."""
        path = "/taskTypes/" + check_id("task type id", task_type_id)
        data = await self._session.request_json("GET", path)
        return self._structure(data, TaskType)
