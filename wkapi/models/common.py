"""Small types shared by several models: vectors, bounding boxes, server messages, settings."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs

from wkapi._convert import wk_metadata

__all__ = [
    "AnnotationSettings",
    "BoundingBox",
    "JsonObject",
    "NeededExperience",
    "ResolutionRestrictions",
    "ServerMessage",
    "Vec3Float",
    "Vec3Int",
    "WkEnum",
    "ms_to_datetime",
    "ms_to_timedelta",
]

Vec3Int = tuple[int, int, int]
"""An integer ``(x, y, z)`` vector (positions, magnifications)."""

Vec3Float = tuple[float, float, float]
"""A ``(x, y, z)`` vector of numbers (rotations, voxel sizes)."""

JsonObject = dict[str, Any]
"""A JSON object kept as the server sent it (its keys are not renamed)."""


def ms_to_datetime(ms: int) -> datetime:
    """An epoch-milliseconds timestamp as an aware UTC :class:`~datetime.datetime`."""
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc)


def ms_to_timedelta(ms: int | None) -> timedelta | None:
    """A duration in milliseconds as a :class:`~datetime.timedelta` (``None`` stays ``None``)."""
    return None if ms is None else timedelta(milliseconds=ms)


class WkEnum(str, enum.Enum):
    """Base of wkapi's string vocabularies: members are strings and format as their value.

    ``f"{AnnotationType.TASK}"`` gives ``"Task"`` on every Python version.
    """

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, format_spec: str) -> str:
        return format(str(self.value), format_spec)


@attrs.frozen
class BoundingBox:
    """An axis-aligned box: ``{"topLeft": [x, y, z], "width": w, "height": h, "depth": d}``."""

    top_left: Vec3Int
    width: int
    height: int
    depth: int

    @property
    def size(self) -> Vec3Int:
        """``(width, height, depth)``."""
        return (self.width, self.height, self.depth)

    @property
    def bottom_right(self) -> Vec3Int:
        """The corner opposite ``top_left`` (exclusive)."""
        x, y, z = self.top_left
        return (x + self.width, y + self.height, z + self.depth)

    def to_tuple(self) -> tuple[int, int, int, int, int, int]:
        """``(x, y, z, width, height, depth)``."""
        return (*self.top_left, self.width, self.height, self.depth)


@attrs.frozen
class NeededExperience:
    """The experience a user needs to get a task: ``{"domain": str, "value": int}``."""

    domain: str
    value: int


@attrs.frozen
class ResolutionRestrictions:
    """The magnifications an annotation may use (``min``/``max``, both optional)."""

    min: int | None = None
    max: int | None = None


@attrs.frozen
class AnnotationSettings:
    """How an annotation (or every annotation of a task type) may be edited.

    ``mag_restrictions`` reads ``magRestrictions`` (newer servers) or
    ``resolutionRestrictions`` (v5-era servers).
    """

    allowed_modes: tuple[str, ...]
    branch_points_allowed: bool
    soma_clicking_allowed: bool
    volume_interpolation_allowed: bool
    merger_mode: bool
    preferred_mode: str | None = None
    mag_restrictions: ResolutionRestrictions = attrs.field(
        factory=ResolutionRestrictions,
        metadata=wk_metadata(key="magRestrictions", aliases=("resolutionRestrictions",)),
    )


@attrs.frozen
class ServerMessage:
    """One entry of a ``messages`` list: ``{"success": text}``, ``{"error": text}``, ...

    ``kind`` is the key (``"success"``, ``"error"``, ``"chain"``, ...), ``text`` its value.
    """

    kind: str
    text: str

    @property
    def is_error(self) -> bool:
        """Whether the server reports a failure with this message."""
        return self.kind == "error"

    def __str__(self) -> str:
        return f"{self.kind}: {self.text}"

    @classmethod
    def _wk_prepare(cls, data: JsonObject, strict: bool) -> JsonObject:
        if not data or (strict and len(data) != 1):
            raise ValueError(f"expected an object with one key, got {len(data)} keys")
        kind, text = next(iter(data.items()))
        return {"kind": kind, "text": text}

    def to_json(self) -> JsonObject:
        """The server's form, ``{kind: text}``."""
        return {self.kind: self.text}
