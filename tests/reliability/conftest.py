"""The reliability suite's fixtures (a fuzzed server, a TLS origin, a proxy that commits late)
and its report: with ``-v``, the fault matrix as a table and the soak figures (the ``serve``
fixture is in the suite's conftest)."""

from __future__ import annotations

import asyncio
import json
import shutil
import ssl
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

import wkapi
from tests.reliability.helpers import (
    COMMIT_DELAY,
    MATRIX_ROWS,
    SOAK_LINES,
    Rig,
    Script,
    answer_json,
    format_matrix,
    ids_of,
)
from wkapi.testing import FakeWebknossos


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


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    """A server answering what ``rig.script`` says (or the fake server's real answer, mutated),
    and two clients of it: strict models and tolerant ones."""
    script = Script()
    async with FakeWebknossos() as fake, aiohttp.ClientSession() as upstream:
        token = fake.tokens["admin"]

        async def handler(request: web.Request) -> web.StreamResponse:
            if script.mutate is not None:
                body = await request.read()
                async with upstream.request(
                    request.method,
                    fake.url + request.path_qs,
                    data=body or None,
                    headers={"X-Auth-Token": token, "Content-Type": "application/json"},
                ) as real:
                    answer = await real.json(content_type=None)
                    headers = {k: v for k, v in real.headers.items() if k == "X-Total-Count"}
                return web.Response(
                    body=json.dumps(script.mutate(answer)).encode(),
                    content_type="application/json",
                    headers=headers,
                )
            response = web.Response(status=script.status, body=script.body, headers=script.headers)
            if script.content_type is not None:
                response.content_type = script.content_type
            return response

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", handler)
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        url = str(server.make_url("")).rstrip("/")
        options: dict[str, Any] = {
            # One attempt; a Retry-After pauses the client only briefly.
            "retry": wkapi.RetryPolicy.for_tests(attempts=1, retry_after_cap=0.001),
            "check_version": False,
        }
        try:
            async with (
                wkapi.Client(url, token, strict_models=True, **options) as strict,
                wkapi.Client(url, token, strict_models=False, **options) as tolerant,
            ):
                yield Rig(script, strict, tolerant, ids_of(fake))
        finally:
            await server.close()


@pytest.fixture
async def tls_origin(tmp_path: Path) -> AsyncIterator[str]:
    """An HTTPS server on 127.0.0.1 with a self-signed certificate (made by the openssl CLI)."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    app = web.Application()

    async def token(request: web.Request) -> web.StreamResponse:
        return await answer_json({"token": "over tls"})

    app.router.add_get("/api/v5/auth/token", token)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"https://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


@pytest.fixture
async def slow_committing_server() -> AsyncIterator[tuple[FakeWebknossos, str]]:
    """The fake server behind a proxy that holds ``POST /tasks`` (body received) for a while
    before passing it on; the proxy keeps working when the client hangs up."""
    async with FakeWebknossos() as fake, aiohttp.ClientSession() as upstream:

        async def proxy(request: web.Request) -> web.StreamResponse:
            body = await request.read()
            if request.method == "POST" and request.path.endswith("/tasks"):
                await asyncio.sleep(COMMIT_DELAY)
            headers = {k: v for k, v in request.headers.items() if k.lower() == "x-auth-token"}
            headers["Content-Type"] = request.headers.get("Content-Type", "application/json")
            async with upstream.request(
                request.method, fake.url + request.path_qs, data=body or None, headers=headers
            ) as answer:
                return web.Response(
                    status=answer.status,
                    body=await answer.read(),
                    content_type=answer.content_type,
                )

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", proxy)
        runner = web.AppRunner(app)  # handler_cancellation off, as in production servers
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        try:
            yield fake, f"http://127.0.0.1:{runner.addresses[0][1]}"
            await asyncio.sleep(COMMIT_DELAY)  # let late commits land before the server stops
        finally:
            await runner.cleanup()
