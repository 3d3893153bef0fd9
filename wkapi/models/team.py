"""Teams and a user's membership in them."""

from __future__ import annotations

import attrs

__all__ = ["Team", "TeamMembership"]


@attrs.frozen
class Team:
    """A team of an organization (``GET /teams``, and the teams of annotations and datasets)."""

    id: str
    name: str
    organization: str


@attrs.frozen
class TeamMembership:
    """A user's membership in a team, as listed in the user's ``teams``."""

    id: str
    name: str
    is_team_manager: bool
