"""Plain helpers of the core and transfer tests (fixtures live in the conftest files)."""

from __future__ import annotations

from typing import Any

import attrs
from aiohttp import web

from wkapi._retry import RetryPolicy

TOKEN = "s3cr3t-t0ken-value-0123456789abcdef"


@attrs.define
class Seen:
    """One request as the test server saw it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    at: float


@attrs.define
class ScriptedServer:
    url: str
    seen: list[Seen]

    def hits(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]


def fast_retry(**kwargs: Any) -> RetryPolicy:
    """A retry policy with tiny waits, for tests."""
    options: dict[str, Any] = {"backoff_initial": 0.001, "backoff_max": 0.002}
    options.update(kwargs)
    return RetryPolicy(**options)


def json_response(data: Any, status: int = 200, **headers: str) -> web.Response:
    return web.json_response(data, status=status, headers=headers)
