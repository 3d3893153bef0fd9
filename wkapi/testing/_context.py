"""What every handler of one fake server shares: its state, its release and its settings."""

from __future__ import annotations

import itertools
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

from ._faults import FaultInjector
from ._log import RecordedRequest
from ._state import State, User

_FIRST_NEW_RELEASE = (23, 9)


def release_key(release: str) -> tuple[int, ...]:
    """``"23.08"`` -> ``(23, 8)``; non-numeric parts count as 0."""
    parts = []
    for part in release.split("."):
        digits = "".join(ch for ch in part if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


@dataclass
class Context:
    """The settings and state of one fake server, stored on its aiohttp application."""

    state: State
    release: str
    temp_dir: Path
    chunked_downloads: bool = False
    max_upload_bytes: int = 1 << 30
    latency: float = 0.0
    base_url: str = "http://127.0.0.1"
    faults: FaultInjector = field(default_factory=FaultInjector)
    requests: deque[RecordedRequest] = field(default_factory=deque)
    request_count: int = 0
    """Requests received so far; unlike the (bounded, clearable) log it only grows."""
    written: dict[tuple[object, ...], Path] = field(default_factory=dict)
    """Downloads written from stored content, by everything their bytes depend on."""
    _work_numbers: itertools.count[int] = field(default_factory=itertools.count)

    new: bool = field(init=False)
    """Whether the release is of the newer generation (23.09 and later); decided once, since
    every rendered entity asks."""

    def __post_init__(self) -> None:
        self.new = release_key(self.release) >= _FIRST_NEW_RELEASE

    @property
    def api_versions(self) -> tuple[int, int]:
        """(oldest, current) HTTP API version served."""
        return (5, 9) if self.new else (1, 5)

    def work_path(self, prefix: str) -> Path:
        """A new path in the temporary directory (``<prefix>-<n>``), not yet created."""
        return self.temp_dir / f"{prefix}-{next(self._work_numbers)}"

    def store_url(self, url: str | None) -> str:
        """A datastore's or tracingstore's URL; ``None`` means this server's own."""
        return self.base_url if url is None else url

    def user_for_token(self, token: str | None) -> User | None:
        user_id = self.state.users_by_token.get(token) if token else None
        return self.state.users.get(user_id) if user_id else None


CONTEXT = web.AppKey("wkapi_fake_context", Context)


def context(request: web.Request) -> Context:
    return request.app[CONTEXT]


def caller(request: web.Request) -> User | None:
    """The user the request's ``X-Auth-Token`` belongs to, or None (``?token=`` does not count
    on ``/api``)."""
    return context(request).user_for_token(request.headers.get("X-Auth-Token"))
