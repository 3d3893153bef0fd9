"""Fixtures for the sync client's tests: fake servers in background threads (a sync client blocks
the test's thread, so the server cannot run on it) and sync clients, closed at teardown."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.helpers import GENERATIONS, ThreadedServer
from tests.sync.helpers import ServerFactory, SyncFactory
from wkapi import RetryPolicy, SyncClient


@pytest.fixture
def threaded() -> Iterator[ServerFactory]:
    """``threaded(**options)``: a started :class:`FakeWebknossos` (any of its constructor's
    options) serving from a thread of its own; stopped at teardown."""
    servers: list[ThreadedServer] = []

    def start(**options: Any) -> ThreadedServer:
        server = ThreadedServer(**options)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


@pytest.fixture(params=GENERATIONS)
def server(request: pytest.FixtureRequest, threaded: ServerFactory) -> ThreadedServer:
    """A threaded fake server, once per generation."""
    return threaded(release=request.param)


@pytest.fixture
def connect() -> Iterator[SyncFactory]:
    """``connect(server, role="admin", **options)``: a strict sync client, closed at teardown."""
    clients: list[SyncClient] = []

    def make(server: ThreadedServer, role: str | None = "admin", **options: Any) -> SyncClient:
        options.setdefault("strict_models", True)
        options.setdefault("retry", RetryPolicy.for_tests())
        token = None if role is None else server.tokens[role]
        client = SyncClient(server.url, token, **options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def wk(server: ThreadedServer, connect: SyncFactory) -> SyncClient:
    """An admin sync client of :func:`server`."""
    return connect(server)
