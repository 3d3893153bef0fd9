"""What every resource shares: the session, model structuring, path segments, deletes.

Argument checks are :mod:`wkapi._checks`'s (models and jobs use them too).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote

from .._checks import check_str
from .._convert import structure, structure_list, structurer
from .._errors import InvalidResponseError, NotFoundError
from .._session import Session
from ..models.common import ServerMessage

__all__ = ["Resource", "segment"]

T = TypeVar("T")

logger = logging.getLogger(__name__)


def segment(value: str, what: str = "path segment") -> str:
    """Quote one URL path segment (``/`` included); empty values are refused."""
    return quote(check_str(what, value), safe="")


class Resource:
    """Base of the resource classes: a thin layer over :class:`~wkapi._session.Session`."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def _structure(self, data: Any, cls: type[T]) -> T:
        return structure(data, cls, strict=self._session.strict_models)

    def _structurer(self, cls: type[T]) -> Callable[[Any], T]:
        """:meth:`_structure` as a function of the data alone (a pager's decoder)."""
        return structurer(cls, strict=self._session.strict_models)

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
