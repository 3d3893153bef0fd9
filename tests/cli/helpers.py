"""Plain helpers of the command-line tests (fixtures live in the conftest): a fake server in a
background thread (the CLI runs as a subprocess and must reach it while the test waits), and a
runner for ``python -m wkapi.cli``."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

from wkapi.testing import FakeWebknossos

T = TypeVar("T")

REPO = Path(__file__).resolve().parents[2]


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
        assert self._stop is not None
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=30)
        if not self._thread.is_alive():
            # Closed here, not left to the garbage collector: an unclosed loop found by a later
            # test's gc.collect() would be reported as that test's ResourceWarning.
            self._loop.close()


def cli_env(**extra: str) -> dict[str, str]:
    """The environment for a CLI subprocess: no WK_* settings unless given, the repo importable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WK_")}
    path = [str(REPO), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    env["PYTHONPATH"] = os.pathsep.join(path)
    env["COLUMNS"] = "200"
    env.update(extra)
    return env


def run_cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """``python -m wkapi.cli ARGS`` with captured output (stdout and stderr are pipes)."""
    return subprocess.run(
        [sys.executable, "-m", "wkapi.cli", *args],
        capture_output=True,
        text=True,
        env=env if env is not None else cli_env(),
        timeout=timeout,
        cwd=REPO,
    )
