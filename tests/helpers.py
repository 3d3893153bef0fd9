"""Plain helpers shared by the test folders (fixtures live in the conftest files): the server
generations, the scripted server that the ``serve`` fixture starts, mutating JSON documents one
part at a time (shared by the fuzz tests), a fake server in a background thread (for tests
whose client blocks the test's thread: the CLI's subprocesses, the sync client), and the stage
the README's blocks run on."""

from __future__ import annotations

import asyncio
import copy
import csv
import io
import threading
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import attrs
import pytest
from aiohttp import web

from wkapi.testing import FakeWebknossos

T = TypeVar("T")

#: The two server generations real servers show: the default newer one and a v5-era one.
GENERATIONS = [pytest.param(None, id="new"), pytest.param("23.08", id="old")]

TOKEN = "s3cr3t-t0ken-value-0123456789abcdef"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@attrs.define
class Seen:
    """One request as the test server saw it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    at: float


@attrs.define
class ScriptedServer:
    """A server started by the ``serve`` fixture: its URL and the requests it received."""

    url: str
    seen: list[Seen]

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def hits(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]


#: The type of the ``serve`` fixture (in the suite's conftest).
Serve = Callable[[Mapping[tuple[str, str], Handler] | Handler], Awaitable[ScriptedServer]]


def json_paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path (keys and indexes) into a JSON document, the root ``()`` included."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += json_paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += json_paths(item, (*prefix, index))
    return found


def replaced_at(document: Any, path: tuple[Any, ...], new: Any, *, delete: bool) -> Any:
    """A copy of ``document`` with the part at ``path`` replaced by ``new`` (or deleted)."""
    if not path:
        return new
    document = copy.deepcopy(document)
    parent = document
    for step in path[:-1]:
        parent = parent[step]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = new
    return document


class ThreadedServer:
    """A :class:`FakeWebknossos` serving from its own event loop in a daemon thread."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._loop = asyncio.new_event_loop()
        self._ready: Future[FakeWebknossos] = Future()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._main, name="fake-wk", daemon=True)
        self._thread.start()
        self.server = self._ready.result(timeout=30)

    def _main(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._serve())

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        try:
            async with FakeWebknossos(**self._options) as server:
                self._ready.set_result(server)
                await self._stop.wait()
        except BaseException as exc:
            if not self._ready.done():
                self._ready.set_exception(exc)
            raise

    def call(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a (sync) server helper on the server's loop thread and return its result."""

        async def run() -> T:
            return function(*args, **kwargs)

        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(timeout=30)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def tokens(self) -> dict[str, str]:
        return self.server.tokens

    def close(self) -> None:
        """Stop the server and its thread (closing twice is harmless)."""
        if self._loop.is_closed():
            return
        assert self._stop is not None
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=30)
        if not self._thread.is_alive():
            # Closed here, not left to the garbage collector: an unclosed loop found by a later
            # test's gc.collect() would be reported as that test's ResourceWarning.
            self._loop.close()


# -- the README's stage -------------------------------------------------------------------------

#: Rows of the ``tasks.csv`` the README's blocks read.
TASK_ROWS = 25


async def server_nml(server: FakeWebknossos, annotation_id: str) -> bytes:
    """An NML as WEBKNOSSOS writes it (the fake server's download of the annotation)."""
    url = f"{server.url}/api/annotations/Explorational/{annotation_id}/download"
    headers = {"X-Auth-Token": server.tokens["admin"]}
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as answer:
        assert answer.status == 200
        return await answer.read()


def tasks_csv(task_type_id: str) -> str:
    """The README's ``tasks.csv``: :data:`TASK_ROWS` tasks of ``my_project``."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["task_type_id", "dataset", "project_name", "edit_position", "open_instances"])
    for i in range(TASK_ROWS):
        writer.writerow([task_type_id, "l4_sample", "my_project", f"{100 + i},{200 + i},30", 1])
    return out.getvalue()


@dataclass
class Stage:
    """The fake server as the README's reader's account looks, and the working folder."""

    server: FakeWebknossos
    work: Path
    project_id: str

    def project_tasks(self) -> int:
        return len(self.server.state.tasks_by_project[self.project_id])
