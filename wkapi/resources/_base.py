"""What every resource shares: the session, model structuring, and id checks."""

from __future__ import annotations

import logging
import re
from typing import Any, TypeVar
from urllib.parse import quote

from .._convert import structure, structure_list
from .._errors import InputError, InvalidResponseError, NotFoundError
from .._session import Session
from ..models.common import ServerMessage

__all__ = ["Resource", "check_bool", "check_id", "check_int", "check_str", "segment"]

T = TypeVar("T")

_OBJECT_ID = re.compile(r"[0-9a-f]{24}")


def check_id(value: object, what: str) -> str:
    """Return ``value`` if it is a WEBKNOSSOS object id (24 lowercase hex characters).

    Raises :class:`~wkapi.InputError` naming ``what`` otherwise, so a typo never reaches the server.
    """
    if not isinstance(value, str) or not _OBJECT_ID.fullmatch(value):
        raise InputError(f"{what} must be 24 lowercase hex characters, got {value!r}")
    return value


def check_bool(value: object, what: str) -> bool:
    """Return ``value`` if it is a ``bool``; :class:`~wkapi.InputError` naming ``what`` otherwise.

    ``1`` or ``"true"`` are refused: the server only understands JSON booleans and lowercase
    query flags, which the session writes from real booleans.
    """
    if not isinstance(value, bool):
        raise InputError(f"{what} must be True or False, got {value!r}")
    return value


def check_int(value: object, what: str, *, minimum: int | None = None) -> int:
    """Return ``value`` if it is an ``int`` (not a ``bool``) of at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"{what} must be an int, got {value!r}")
    if minimum is not None and value < minimum:
        raise InputError(f"{what} must be >= {minimum}, got {value!r}")
    return value


def check_str(value: object, what: str, *, allow_empty: bool = False) -> str:
    """Return ``value`` if it is a string (non-empty unless ``allow_empty``)."""
    if not isinstance(value, str) or (not allow_empty and not value):
        kind = "a string" if allow_empty else "a non-empty string"
        raise InputError(f"{what} must be {kind}, got {value!r}")
    return value


def segment(value: str, what: str = "path segment") -> str:
    """Quote one URL path segment (``/`` included); empty values are refused."""
    if not isinstance(value, str) or not value:
        raise InputError(f"{what} must be a non-empty string, got {value!r}")
    return quote(value, safe="")


logger = logging.getLogger("wkapi")


class Resource:
    """Base of the resource classes: a thin layer over :class:`~wkapi._session.Session`."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def _structure(self, data: Any, cls: type[T]) -> T:
        return structure(data, cls, strict=self._session.strict_models)

    def _structure_list(self, data: Any, cls: type[T]) -> list[T]:
        return structure_list(data, cls, strict=self._session.strict_models)

    def _messages(self, data: Any) -> tuple[ServerMessage, ...]:
        """The ``messages`` of an answer that carries nothing else (deletes, edit, ...)."""
        if not isinstance(data, dict):
            raise InvalidResponseError(
                f"expected a JSON object with messages, got {type(data).__name__}"
            )
        return tuple(self._structure_list(data.get("messages", []), ServerMessage))

    async def _delete(self, path: str) -> tuple[ServerMessage, ...]:
        """``DELETE path`` and the server's messages (none if it sent no body).

        A 404 after a retry whose earlier attempt may have taken effect (its answer was lost)
        means that attempt deleted the thing: the call succeeds, with no messages.
        """
        try:
            response = await self._session.request("DELETE", path)
        except NotFoundError as exc:
            if not exc.earlier_attempt_unanswered:
                raise
            logger.info("DELETE %s: gone after an attempt whose answer was lost; done", path)
            return ()
        return self._messages(response.json()) if response.body.strip() else ()
