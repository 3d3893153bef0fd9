"""Suite-wide settings and fixtures.

Every client built in the tests uses the strict converter, so a JSON key the models do not know
fails the test that received it instead of being silently dropped. The Hypothesis profile is
chosen here. ``make_session`` (core sessions for the core and transfer tests) and ``serve`` (a
scripted server for the core and reliability tests) live here.
"""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from hypothesis import settings

from tests.helpers import TOKEN, Handler, ScriptedServer, Seen, Serve
from wkapi import RetryPolicy
from wkapi._config import ClientConfig
from wkapi._session import Session

os.environ.setdefault("WKAPI_STRICT_MODELS", "1")

# CI runs the fuzz tests with a fixed seed (HYPOTHESIS_PROFILE=ci in .ci/run), so a landing is
# never decided by luck; developers' runs draw new examples every time.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("HYPOTHESIS_PROFILE"):
    settings.load_profile(os.environ["HYPOTHESIS_PROFILE"])


@pytest.fixture
async def make_session() -> AsyncIterator[Callable[..., Session]]:
    """``make_session(url, **config)``: a core session with a token, tiny retry waits and no
    version check unless asked; closed at teardown."""
    sessions: list[Session] = []

    def make(url: str, **config: Any) -> Session:
        config.setdefault("token", TOKEN)
        config.setdefault("retry", RetryPolicy.for_tests())
        config.setdefault("check_version", False)
        session = Session(ClientConfig(url=url, **config))
        sessions.append(session)
        return session

    yield make
    for session in sessions:
        await session.close()


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    """``await serve({("GET", "/api/v5/x"): handler, ...})`` starts a server on 127.0.0.1 and
    returns it (a :class:`~tests.helpers.ScriptedServer`, recording every request it receives);
    ``await serve(handler)`` answers every request with ``handler``. Stopped at teardown."""
    servers: list[TestServer] = []

    async def start(routes: Mapping[tuple[str, str], Handler] | Handler) -> ScriptedServer:
        if callable(routes):
            answer = routes

            async def every(request: web.Request) -> web.StreamResponse:
                return await answer(request)  # a plain function returning an awaitable too

            routes = {("*", "/{tail:.*}"): every}
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
