"""Teams: ``GET /teams``."""

from __future__ import annotations

import builtins

from wkapi.models import Team

from ._base import Resource

__all__ = ["TeamsResource"]


class TeamsResource(Resource):
    """Teams (``wk.teams``)."""

    async def list(self) -> builtins.list[Team]:
        """``GET /teams``: the teams the caller can manage."""
        data = await self._session.request_json("GET", "/teams")
        return self._structure_list(data, Team)
