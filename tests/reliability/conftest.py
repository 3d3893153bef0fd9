"""Fixtures of the reliability suite, and its report: with ``-v``, the fault matrix as a table
and the soak figures."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.reliability.rel_support import Origin
from tests.reliability.reliability_report import MATRIX_ROWS, SOAK_LINES, format_matrix

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@pytest.fixture
async def origin() -> AsyncIterator[Callable[[Handler], Awaitable[Origin]]]:
    """``await origin(handler)``: a server on 127.0.0.1 answering every request with
    ``handler`` and recording what it received; stopped at teardown."""
    servers: list[TestServer] = []

    async def start(handler: Handler) -> Origin:
        seen: list[web.Request] = []

        async def record(request: web.Request) -> web.StreamResponse:
            seen.append(request)
            return await handler(request)

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", record)
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        servers.append(server)
        return Origin(str(server.make_url("")).rstrip("/"), seen)

    yield start
    for server in servers:
        await server.close()


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    if config.getoption("verbose") <= 0:
        return
    if MATRIX_ROWS:
        terminalreporter.write_sep("=", "fault matrix (fault x request kind)")
        for line in format_matrix(MATRIX_ROWS):
            terminalreporter.write_line(line)
    for line in SOAK_LINES:
        terminalreporter.write_sep("=", "soak")
        terminalreporter.write_line(line)
