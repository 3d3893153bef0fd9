"""Shared pieces of the reliability suite: fast clients, waiting for the fake server to settle,
looking at directories, and an NML the fake server accepts."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

import wkapi
from wkapi.testing import FakeWebknossos

#: Retries without real waiting (Retry-After is capped to 10 ms).
FAST_RETRY = wkapi.RetryPolicy(backoff_initial=0.001, backoff_max=0.002, retry_after_cap=0.01)
#: Small timeouts, so that "latency past the timeout" costs a fraction of a second.
SHORT_TIMEOUTS = wkapi.Timeouts(api_total=0.3, transfer_read=0.3)

NML = (
    '<things><meta name="writer" content="reliability"/>'
    '<parameters><experiment name="l4_sample" organization="{org}"/>'
    '<scale x="11.24" y="11.24" z="28.0"/></parameters>'
    '<thing id="1" name="tree"><nodes><node id="1" x="1" y="2" z="3" radius="1"/></nodes>'
    "<edges/></thing></things>"
)

# Faults after which the fake server never records a status (the connection was cut).
_CUT_FAULTS = frozenset({"drop", "process_then_drop"})


def client(server: FakeWebknossos, role: str = "admin", **options: Any) -> wkapi.Client:
    """A client of ``server`` as ``role`` with :data:`FAST_RETRY` unless told otherwise."""
    options.setdefault("retry", FAST_RETRY)
    return wkapi.Client(server.url, server.tokens[role], **options)


def write_nml(server: FakeWebknossos, path: Path) -> Path:
    """A small valid NML on the seeded public dataset."""
    path.write_text(NML.format(org=server.organization))
    return path


def listing(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


async def settle(server: FakeWebknossos, timeout: float = 5.0) -> None:
    """Wait until the server has finished every request it received (a request delayed past the
    client's timeout is still processed afterwards, as a real server does)."""
    deadline = time.monotonic() + timeout
    while any(r.status is None and r.fault not in _CUT_FAULTS for r in server.requests):
        if time.monotonic() > deadline:
            raise AssertionError("the fake server did not finish its requests in time")
        await asyncio.sleep(0.01)


@dataclass
class Origin:
    """A scripted server: its URL and the requests it received (headers readable after)."""

    url: str
    seen: list[web.Request]

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])
