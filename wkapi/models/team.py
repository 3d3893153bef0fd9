"""Teams and a user's membership in them."""

from __future__ import annotations

import attrs

__all__ = ["Team", "TeamMembership"]


@attrs.frozen
class Team:
    """A team of an organization (``GET /teams``, and the teams of annotations and datasets).

    ``is_organization_team`` (whether it is the organization's own team, which every member
    belongs to) comes from newer servers only; it is ``None`` on older ones.
    """

    id: str
    name: str
    organization: str
    is_organization_team: bool | None = None


@attrs.frozen
class TeamMembership:
    """A user's membership in a team, as listed in the user's ``teams``."""

    id: str
    name: str
    is_team_manager: bool
