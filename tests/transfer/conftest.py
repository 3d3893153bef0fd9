"""Fixtures for the transfer tests: a scriptable origin on 127.0.0.1 (``make_session`` is in the
suite's conftest)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.transfer.helpers import DOWNLOAD_PATH, UPLOAD_PATH, Origin


@pytest.fixture
async def serve_origin() -> AsyncIterator[Callable[[Origin], Awaitable[Origin]]]:
    """``await serve_origin(Origin(body, ...))`` starts it on 127.0.0.1 and sets its ``url``."""
    servers: list[tuple[TestServer, Origin]] = []

    async def start(origin: Origin) -> Origin:
        app = web.Application(client_max_size=64 << 20)
        app.router.add_get("/api/v5" + DOWNLOAD_PATH, origin.download)
        app.router.add_post("/api/v5" + UPLOAD_PATH, origin.upload)
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        servers.append((server, origin))
        origin.url = str(server.make_url("")).rstrip("/")
        return origin

    yield start
    for server, origin in servers:
        origin.release.set()
        await server.close()
