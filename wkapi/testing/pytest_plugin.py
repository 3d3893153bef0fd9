"""Pytest fixtures for tests against a fake WEBKNOSSOS server (registered as plugin ``wkapi``).

- ``fake_wk``: a started :class:`~wkapi.testing.FakeWebknossos` of the default (newer)
  generation, one per test, stopped afterwards.
- ``fake_wk_factory``: an async callable taking ``FakeWebknossos``'s keyword arguments
  (``release``, ``seed``, ``chunked_downloads``, ``latency``, ...) and returning a started
  server; every server it made is stopped at teardown.

Both are async fixtures for pytest-asyncio (in auto mode they need no marker)::

    async def test_old_servers(fake_wk_factory):
        server = await fake_wk_factory(release="23.08")
        ...
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest_asyncio

from ._server import FakeWebknossos

FakeWebknossosFactory = Callable[..., Awaitable[FakeWebknossos]]


@pytest_asyncio.fixture
async def fake_wk() -> AsyncIterator[FakeWebknossos]:
    """A started default-generation fake server for one test."""
    async with FakeWebknossos() as server:
        yield server


@pytest_asyncio.fixture
async def fake_wk_factory() -> AsyncIterator[FakeWebknossosFactory]:
    """Start fake servers with any constructor arguments; all are stopped after the test."""
    started: list[FakeWebknossos] = []

    async def start(**options: Any) -> FakeWebknossos:
        server = FakeWebknossos(**options)
        await server.start()
        started.append(server)
        return server

    try:
        yield start
    finally:
        for server in reversed(started):
            await server.stop()
