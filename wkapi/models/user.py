"""Users: the full form, the compact form embedded in other objects, and the bare reference."""

from __future__ import annotations

from datetime import datetime

import attrs

from wkapi.models.common import JsonObject, ms_to_datetime
from wkapi.models.team import TeamMembership

__all__ = ["CompactUser", "User", "UserRef"]


@attrs.frozen
class UserRef:
    """The owner of an annotation in the compact annotation lists: ``{id, firstName, lastName}``."""

    id: str
    first_name: str
    last_name: str

    @property
    def full_name(self) -> str:
        """``"First Last"``."""
        return f"{self.first_name} {self.last_name}".strip()


@attrs.frozen
class CompactUser:
    """A user as embedded in annotations, projects and scripts."""

    id: str
    email: str
    first_name: str
    last_name: str
    is_admin: bool
    is_dataset_manager: bool
    is_anonymous: bool
    teams: tuple[TeamMembership, ...]

    @property
    def full_name(self) -> str:
        """``"First Last"``."""
        return f"{self.first_name} {self.last_name}".strip()


@attrs.frozen
class User:
    """A user as ``GET /user``, ``/users`` and ``/users/:id`` return it.

    ``experiences`` maps an experience domain to the user's level and
    ``novel_user_experience_infos`` is the UI's free-form state; both keep the server's keys.
    ``is_guest`` and ``is_unlisted`` come from newer servers only.
    """

    id: str
    email: str
    first_name: str
    last_name: str
    is_admin: bool
    is_organization_owner: bool
    is_dataset_manager: bool
    is_active: bool
    teams: tuple[TeamMembership, ...]
    experiences: dict[str, int]
    last_activity: int
    is_anonymous: bool
    is_editable: bool
    organization: str
    novel_user_experience_infos: JsonObject
    selected_theme: str
    created: int
    is_super_user: bool
    is_email_verified: bool
    last_task_type_id: str | None = None
    is_guest: bool | None = None
    is_unlisted: bool | None = None

    @property
    def full_name(self) -> str:
        """``"First Last"``."""
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def created_at(self) -> datetime:
        """When the user was created (UTC)."""
        return ms_to_datetime(self.created)

    @property
    def last_activity_at(self) -> datetime:
        """The user's last activity (UTC)."""
        return ms_to_datetime(self.last_activity)

    def managed_team_ids(self) -> tuple[str, ...]:
        """Ids of the teams this user manages."""
        return tuple(t.id for t in self.teams if t.is_team_manager)
