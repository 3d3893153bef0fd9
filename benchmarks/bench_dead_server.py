"""How long a job takes to give up on a server that died under it.

The fake WEBKNOSSOS server runs in a subprocess on 127.0.0.1 with ``--latency`` seconds added to
every request; ``--kill-after`` seconds after the first batch of a bulk creation of ``--rows``
tasks reaches it, it is killed (``SIGKILL``: its port refuses connections from then on). The job
is either ``create_many`` in this process (``--mode library``) or ``wkapi tasks create FILE
--json`` in a subprocess (``--mode cli``). Printed: the seconds from the kill to the job's end,
the requests made, items created, not sent, and ``resent`` (which must stay 0: a refused
connection is no lost answer).

    python benchmarks/bench_dead_server.py [--mode library|cli] [--rows 20000]
                                           [--kill-after 2.5] [--latency 1.0]
                                           [--give-up-after 30]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _fake_server_process import FakeServerProcess, serve

from wkapi import Client, TaskSpec
from wkapi.testing import FakeWebknossos

DATASET = "l4_sample"
PROJECT = "bench_dead_server"
REPO = Path(__file__).resolve().parents[1]


def prepare(server: FakeWebknossos) -> dict[str, Any]:
    server.add_project(PROJECT)
    task_type = server.add_task_type("bench skeleton", tracing_type="skeleton")
    return {"token": server.tokens["admin"], "task_type": task_type}


class _Killer:
    """Kills the server ``seconds`` after its first ``POST /tasks`` (the job's start and its
    pre-flight lookups, which take a few latencies, do not count), unless the job ends first."""

    def __init__(self, server: FakeServerProcess, seconds: float) -> None:
        self.killed_at: float | None = None
        self._server = server
        self._seconds = seconds
        self._job_ended = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while self._server.tasks_posted() == 0:
            if self._job_ended.wait(0.02):
                return
        if self._job_ended.wait(self._seconds):
            return
        self._server.kill()
        self.killed_at = time.monotonic()

    def job_ended(self) -> None:
        self._job_ended.set()
        self._thread.join()


async def library(server: FakeServerProcess, args: argparse.Namespace) -> dict[str, Any]:
    info = server.info
    specs = [TaskSpec(info["task_type"], DATASET, PROJECT, (i, 0, 0)) for i in range(args.rows)]
    options = {} if args.give_up_after is None else {"give_up_after": args.give_up_after}
    async with Client(info["url"], info["token"]) as wk:
        started = time.monotonic()
        killer = _Killer(server, args.kill_after)
        report = await wk.tasks.create_many(specs, **options)
        ended = time.monotonic()
    killer.job_ended()
    return {
        "seconds_after_kill": _after(killer, ended),
        "seconds": round(ended - started, 2),
        "requests": report.requests,
        "created": report.created,
        "not_sent": sum(1 for item in report.failures if item.sends == 0),
        "resent": report.resent,
        "unreachable": getattr(report, "unreachable", None),
        "summary": report.summary(),
    }


def _after(killer: _Killer, ended: float) -> float | None:
    return None if killer.killed_at is None else round(ended - killer.killed_at, 2)


def cli(server: FakeServerProcess, args: argparse.Namespace) -> dict[str, Any]:
    info = server.info
    with tempfile.TemporaryDirectory() as folder:
        rows = Path(folder) / "tasks.csv"
        with rows.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["task_type_id", "dataset", "project_name", "x", "y", "z"])
            for i in range(args.rows):
                writer.writerow([info["task_type"], DATASET, PROJECT, i, 0, 0])
        env = {**os.environ, "WK_URL": info["url"], "WK_TOKEN": info["token"]}
        command = [sys.executable, "-m", "wkapi.cli", "tasks", "create", str(rows), "--json"]
        if args.give_up_after is not None:
            command += ["--give-up-after", str(args.give_up_after)]
        started = time.monotonic()
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=REPO
        )
        killer = _Killer(server, args.kill_after)
        stdout, stderr = process.communicate(timeout=900)
        ended = time.monotonic()
        killer.job_ended()
    try:
        document = json.loads(stdout)
    except ValueError:
        document = {}
    items = document.get("items", [])
    return {
        "seconds_after_kill": _after(killer, ended),
        "seconds": round(ended - started, 2),
        "exit_status": process.returncode,
        "requests": document.get("requests"),
        "created": document.get("created"),
        "not_sent": sum(1 for item in items if item.get("sent") is False),
        "resent": document.get("resent"),
        "unreachable": document.get("unreachable"),
        "error": document.get("error"),
        "stderr_tail": stderr.strip().splitlines()[-3:],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--mode", choices=("library", "cli"), default="library")
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--kill-after", type=float, default=2.5)
    parser.add_argument("--latency", type=float, default=1.0)
    parser.add_argument("--give-up-after", type=float, default=None)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(prepare, latency=args.latency))
        return
    with FakeServerProcess(__file__, "--latency", str(args.latency)) as server:
        result = asyncio.run(library(server, args)) if args.mode == "library" else cli(server, args)
    if result["seconds_after_kill"] is None:
        # The job beat the kill: nothing was measured. A slower server (more latency) fixes it.
        result["warning"] = "the job ended before the server was killed: raise --latency"
    print(json.dumps({"mode": args.mode, "rows": args.rows, **result}, indent=2))


if __name__ == "__main__":
    main()
