"""Suite-wide settings and fixtures.

Every client built in the tests uses the strict converter, so a JSON key the models do not know
fails the test that received it instead of being silently dropped. The Hypothesis profile is
chosen here. ``make_session`` (core sessions for the core and transfer tests), ``serve`` (a
scripted server for the core and reliability tests) and ``readme_stage`` (what the README's
blocks run against) live here.
"""

from __future__ import annotations

import os
import time
import zipfile
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from hypothesis import settings

from tests.helpers import (
    TOKEN,
    Handler,
    ScriptedServer,
    Seen,
    Serve,
    Stage,
    server_nml,
    tasks_csv,
)
from wkapi import RetryPolicy
from wkapi._config import ClientConfig
from wkapi._session import Session
from wkapi.testing import FakeWebknossos

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


@pytest.fixture
async def readme_stage(tmp_path: Path) -> AsyncIterator[Stage]:
    """The fake server and working folder the README's Python blocks run in: an admin's
    finished annotation, a project of three finished tasks, and the input files the README
    names (``a.nml``, ``b.zip``, ``cell1.nml``, ``cell2.nml``, ``tasks.csv``)."""
    async with FakeWebknossos() as server:
        admin = server.user_ids["admin"]
        traced = server.add_annotation(
            owner_id=admin, dataset="l4_sample", name="axon_tracing", state="Finished"
        )
        trace_axons = next(
            t.id for t in server.state.task_types.values() if t.summary == "Trace axons"
        )
        project_id = server.add_project("my_project", owner_id=admin)
        for i in range(3):
            server.add_task(project_id, trace_axons, "l4_sample", edit_position=(10 * i, 20, 30))
        server.simulate_annotators(project_id, finish_fraction=1.0, seed=1)

        work = tmp_path / "work"
        work.mkdir()
        nml = await server_nml(server, traced)
        for name in ("a.nml", "cell1.nml", "cell2.nml"):
            (work / name).write_bytes(nml)
        with zipfile.ZipFile(work / "b.zip", "w") as archive:
            archive.writestr("b.nml", nml)
        (work / "tasks.csv").write_text(tasks_csv(trace_axons))
        yield Stage(server, work, project_id)
