"""The request log: one :class:`RecordedRequest` per request the fake server received."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

_SECRET_QUERY_KEYS = frozenset({"token"})


@dataclass(slots=True)
class RecordedRequest:
    """One request as the server saw it; secrets are never stored.

    ``path`` is the full request path (``/api/v5/tasks``), ``route`` the path without the ``/api``
    or ``/api/vN`` prefix, ``status`` the answer's status: None while it is being answered and
    when an injected fault cut the connection without an answer, 499 when the client abandoned
    the request (cancelled, timed out or disconnected before the answer was complete; nginx's
    "client closed request", not an error of the server). ``fault`` is the kind of injected
    fault that hit the request, ``authenticated`` whether it carried a valid ``X-Auth-Token``
    and ``role`` that user's role.
    """

    method: str
    path: str
    query: dict[str, str]
    status: int | None = None
    fault: str | None = None
    authenticated: bool = False
    role: str | None = None
    route: str = ""
    api_version: int | None = None
    had_token_header: bool = False


def masked_query(query: Mapping[str, str]) -> dict[str, str]:
    """The query with secret values replaced by ``***``."""
    if not query:
        return {}
    return {k: "***" if k.lower() in _SECRET_QUERY_KEYS else v for k, v in query.items()}
