"""The fake WEBKNOSSOS server in a subprocess of a benchmark, and the line channel to it.

A benchmark runs the fake server in a process of its own, so that the server's CPU does not
steal from the measured client loop: the script starts itself again with ``--serve`` through
:class:`FakeServerProcess`, and that process calls :func:`serve`. The server process prints one
JSON line (``url`` plus what the benchmark's setup returned), then answers one command per line
of its standard input:

- ``count``: the number of requests since the last ``count`` (the record is cleared);
- ``cpu``: the server process's CPU seconds so far;
- ``posted``: the number of ``POST /tasks`` requests recorded so far (nothing is cleared);
- anything else, or the end of input: stop.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

from wkapi.testing import FakeWebknossos

Setup = Callable[[FakeWebknossos], dict[str, Any]]


async def serve(setup: Setup, *, latency: float = 0.0) -> None:
    """In the server process: run the fake server prepared by ``setup`` until told to stop."""
    async with FakeWebknossos(latency=latency) as server:
        print(json.dumps({"url": server.url, **setup(server)}), flush=True)
        loop = asyncio.get_running_loop()
        while True:
            command = (await loop.run_in_executor(None, sys.stdin.readline)).strip()
            if command == "count":
                print(len(server.requests), flush=True)
                server.clear_requests()
            elif command == "cpu":
                print(time.process_time(), flush=True)
            elif command == "posted":
                posted = [r for r in server.requests if r.method == "POST" and r.route == "/tasks"]
                print(len(posted), flush=True)
            else:
                return


class FakeServerProcess:
    """``python <script> --serve <options>`` started, its JSON line read into :attr:`info`.

    Use it as a context manager, or call :meth:`stop`.
    """

    def __init__(self, script: str, *options: str) -> None:
        self._process = subprocess.Popen(
            [sys.executable, script, "--serve", *options],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.info: dict[str, Any] = json.loads(self._readline())

    def _readline(self) -> str:
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError("the fake server subprocess ended early")
        return line

    def _ask(self, command: str) -> str:
        assert self._process.stdin is not None
        self._process.stdin.write(command + "\n")
        self._process.stdin.flush()
        return self._readline()

    def count_requests(self) -> int:
        """Requests the server received since the last call (the count starts again)."""
        return int(self._ask("count"))

    def tasks_posted(self) -> int:
        """``POST /tasks`` requests the server has recorded so far."""
        return int(self._ask("posted"))

    def cpu_seconds(self) -> float:
        """The server process's CPU time so far."""
        return float(self._ask("cpu"))

    def stop(self) -> None:
        """End the server's input (it stops) and wait for the process."""
        if self._process.poll() is not None:
            return  # killed already
        if self._process.stdin is not None:
            self._process.stdin.close()
        self._process.wait(timeout=30)

    def kill(self) -> None:
        """Kill the server outright (``SIGKILL``), as a crash would: its port refuses from now."""
        self._process.kill()
        self._process.wait(timeout=30)

    def __enter__(self) -> FakeServerProcess:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
