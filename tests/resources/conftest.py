"""Fixtures for the resource tests: the fake server in both generations, clients by role, and a
recording proxy that shows the exact requests (query and JSON body) the client sends."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer

from tests.helpers import GENERATIONS
from tests.resources.helpers import ClientFactory, Recorded, RecordingProxy
from wkapi import Client, RetryPolicy
from wkapi.testing import FakeWebknossos


@pytest.fixture(params=GENERATIONS)
async def server(request: pytest.FixtureRequest) -> AsyncIterator[FakeWebknossos]:
    """A started fake server, once per generation."""
    async with FakeWebknossos(release=request.param) as fake:
        yield fake


@pytest.fixture
async def old_server() -> AsyncIterator[FakeWebknossos]:
    """A started fake server of the v5 era (release 23.08) only."""
    async with FakeWebknossos(release="23.08") as fake:
        yield fake


@pytest.fixture
async def connect() -> AsyncIterator[ClientFactory]:
    """``connect(server, role="admin", **options)``: a strict client, closed at teardown."""
    clients: list[Client] = []

    def make(url_or_server: Any, role: str | None = "admin", **options: Any) -> Client:
        if isinstance(url_or_server, FakeWebknossos):
            url = url_or_server.url
            token = None if role is None else url_or_server.tokens[role]
        else:
            url, token = url_or_server, options.pop("token", None)
        options.setdefault("strict_models", True)
        options.setdefault("retry", RetryPolicy.for_tests())
        client = Client(url, token, **options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


@pytest.fixture
async def wk(server: FakeWebknossos, connect: ClientFactory) -> Client:
    """An admin client of :func:`server`."""
    return connect(server)


@pytest.fixture
async def proxy(server: FakeWebknossos) -> AsyncIterator[RecordingProxy]:
    """A :class:`RecordingProxy` in front of :func:`server` (clients connect to ``proxy.url``)."""
    seen: list[Recorded] = []
    upstream = ClientSession(auto_decompress=False)

    async def forward(request: web.Request) -> web.StreamResponse:
        body = await request.read()
        seen.append(
            Recorded(
                request.method,
                request.path,
                dict(request.query),
                request.query_string,
                request.headers.get("Content-Type", ""),
                body,
            )
        )
        headers = {
            k: v
            for k, v in request.headers.items()
            if k.lower() in ("x-auth-token", "content-type", "accept", "range")
        }
        async with upstream.request(
            request.method,
            server.url + request.path_qs,
            data=body or None,
            headers=headers,
        ) as answer:
            payload = await answer.read()
            passed = {
                k: v
                for k, v in answer.headers.items()
                if k.lower() in ("content-type", "content-disposition", "x-total-count")
            }
            return web.Response(status=answer.status, body=payload, headers=passed)

    app = web.Application(client_max_size=1 << 26)
    app.router.add_route("*", "/{tail:.*}", forward)
    test_server = TestServer(app, host="127.0.0.1")
    await test_server.start_server()
    try:
        yield RecordingProxy(str(test_server.make_url("")).rstrip("/"), seen)
    finally:
        await test_server.close()
        await upstream.close()


@pytest.fixture
def via_proxy(server: FakeWebknossos, proxy: RecordingProxy, connect: ClientFactory) -> Client:
    """An admin client talking to the fake server through the recording proxy."""
    return connect(proxy.url, token=server.tokens["admin"])
