"""Fixtures for the core tests: a tiny scriptable aiohttp server on 127.0.0.1 (``make_session``
is in the suite's conftest)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.core.support import ScriptedServer, Seen

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@pytest.fixture
async def serve() -> AsyncIterator[Callable[..., Awaitable[ScriptedServer]]]:
    """``await serve({("GET", "/api/v5/x"): handler, ...})`` starts a server and returns it."""
    servers: list[TestServer] = []

    async def start(routes: dict[tuple[str, str], Handler]) -> ScriptedServer:
        seen: list[Seen] = []

        @web.middleware
        async def record(request: web.Request, handler: Handler) -> web.StreamResponse:
            body = await request.read()
            seen.append(
                Seen(
                    request.method,
                    request.path,
                    dict(request.query),
                    dict(request.headers),
                    body,
                    time.monotonic(),
                )
            )
            return await handler(request)

        app = web.Application(middlewares=[record])
        for (method, path), handler in routes.items():
            app.router.add_route(method, path, handler)
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        servers.append(server)
        return ScriptedServer(str(server.make_url("")).rstrip("/"), seen)

    yield start
    for server in servers:
        await server.close()
