"""Plain helpers of the command-line tests (fixtures live in the conftest): runners for
``python -m wkapi.cli`` (run to the end, or started and watched), and the fake server in a
background thread (shared with the sync client's tests, so it lives in ``tests/helpers.py``: the
CLI runs as a subprocess and must reach it while the test waits)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests.helpers import ThreadedServer as ThreadedServer  # re-exported for the CLI tests

REPO = Path(__file__).resolve().parents[2]


def server_args(server: ThreadedServer, role: str = "admin") -> list[str]:
    """``--url`` and ``--token`` of ``server`` for ``role``."""
    return ["--url", server.url, "--token", server.tokens[role]]


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


def start_cli(*args: str) -> subprocess.Popen[str]:
    """``python -m wkapi.cli ARGS`` started (stdout and stderr are pipes), not waited for."""
    return subprocess.Popen(
        [sys.executable, "-m", "wkapi.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(),
        cwd=REPO,
    )


def wait_while_running(
    process: subprocess.Popen[str],
    ready: Callable[[], bool],
    *,
    timeout: float = 60,
    interval: float = 0.02,
) -> None:
    """Return once ``ready()`` holds; fail if ``process`` ends first or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while not ready():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the job never reached the point to stop it at"
        time.sleep(interval)
