"""Bulk task creation: wkapi's ``create_many`` against a plain aiohttp loop, in one run.

The fake WEBKNOSSOS server runs in a subprocess on 127.0.0.1 (no latency, no faults; its CPU
does not compete with the client's event loop, and is counted apart). Both contestants create
``--tasks`` skeleton tasks into an empty project of their own, starting from the same values
(a task type id, a dataset, a project name and a position per task):

- ``create_many``: builds one ``TaskSpec`` per task and calls ``wk.tasks.create_many`` with its
  defaults (batches of 1000, ``--concurrency`` in flight), which checks the task type and the
  project first and reports every item;
- ``plain aiohttp``: builds the same JSON bodies (with a marker in ``creationInfo`` as long as
  wkapi's), POSTs the same 1000-task batches with ``--concurrency`` in flight on one aiohttp
  session, and decodes each answer with ``orjson.loads``.

Each round runs both, alternating which goes first; the medians of ``--rounds`` rounds are
compared: wall time, client CPU per task (``time.process_time()`` of this process) and server CPU
per task. Targets (issue 17): wall within 1.3x of the plain loop, client CPU per task within 2.5x.

First, with the server not yet started, the time to build one ``TaskSpec`` (every check runs;
best of five rounds of ``--tasks`` specs). Target: under 5 us.

    python benchmarks/bench_bulk_tasks.py [--tasks 20000] [--rounds 5] [--concurrency 4]
                                          [--latency 0]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _fake_server_process import FakeServerProcess, serve
from _pairs import Run, measure, report

from wkapi import Client, TaskSpec
from wkapi.testing import FakeWebknossos

DATASET = "l4_sample"
BATCH = 1000
#: The figures before issue 17's work: the issue's, and this script's two runs on 2 shared cores.
BEFORE = (
    "issue: wall 2.1-2.4x, client CPU 10 us against 55-62 us per task;"
    " this script: wall 2.48x and 2.69x, client CPU 13.1 against 56.3 us (4.3x)"
)


#: TaskSpec construction before issue 17's work: the issue's profile, and this script.
SPEC_BEFORE = "issue: about 30 us, then 5.6 us with the checks in _checks.py; this script: 5.1 us"


def time_specs(count: int) -> None:
    """Print the best time per ``TaskSpec`` of five rounds of ``count``, every check running."""
    task_type, best = "5b1e45faa000009d00abc003", float("inf")
    for _ in range(5):
        started = time.perf_counter()
        for i in range(count):
            TaskSpec(task_type, DATASET, "bench_project", (i, 0, 0))
        best = min(best, (time.perf_counter() - started) / count)
    print(f"TaskSpec: {best * 1e6:.2f} us per spec (best of 5 x {count}; before: {SPEC_BEFORE})")


def prepare(server: FakeWebknossos, rounds: int) -> dict[str, Any]:
    """A skeleton task type and two empty projects per round (one per contestant)."""
    for n in range(rounds):
        server.add_project(f"bench_many_{n}")
        server.add_project(f"bench_plain_{n}")
    task_type = server.add_task_type("bench skeleton", tracing_type="skeleton")
    return {"token": server.tokens["admin"], "task_type": task_type}


async def with_create_many(wk: Client, task_type: str, project: str, count: int, c: int) -> int:
    specs = [TaskSpec(task_type, DATASET, project, (i, 0, 0)) for i in range(count)]
    report = await wk.tasks.create_many(specs, concurrency=c)
    if not report.ok or report.created != count:
        raise SystemExit(f"create_many failed: {report.summary()}")
    return report.created


async def with_plain_loop(
    http: aiohttp.ClientSession, url: str, task_type: str, project: str, count: int, c: int
) -> int:
    bodies = [
        {
            "taskTypeId": task_type,
            "neededExperience": {"domain": "", "value": 0},
            "openInstances": 1,
            "pendingInstances": 1,
            "projectName": project,
            "dataSet": DATASET,
            "editPosition": [i, 0, 0],
            "editRotation": [0, 0, 0],
            "creationInfo": f"[wkapi:000000000000:{i}]",
        }
        for i in range(count)
    ]
    batches = [bodies[start : start + BATCH] for start in range(0, count, BATCH)]
    batches.reverse()
    created = 0

    async def worker() -> None:
        nonlocal created
        while batches:
            batch = batches.pop()
            async with http.post(
                url, data=orjson.dumps(batch), headers={"Content-Type": "application/json"}
            ) as response:
                answer = orjson.loads(await response.read())
            if response.status != 200:
                raise SystemExit(f"POST /tasks: {response.status} {answer!r:.200}")
            created += sum(1 for item in answer["tasks"] if item["status"] == 200)

    await asyncio.gather(*(worker() for _ in range(c)))
    if created != count:
        raise SystemExit(f"the plain loop created {created} of {count} tasks")
    return created


async def run(server: FakeServerProcess, count: int, concurrency: int, rounds: int) -> None:
    info = server.info
    runs: dict[str, list[Run]] = {"plain aiohttp": [], "create_many": []}
    connector = aiohttp.TCPConnector(limit=concurrency)
    headers = {"X-Auth-Token": info["token"]}
    async with (
        Client(info["url"], info["token"]) as wk,
        aiohttp.ClientSession(connector=connector, headers=headers) as http,
    ):
        await wk.check_version()  # not part of either measurement
        post_url = f"{info['url']}/api/v5/tasks"
        async with http.get(f"{info['url']}/api/buildinfo") as response:  # warm up
            await response.read()
        for n in range(rounds):
            print(f"round {n + 1}:")
            contestants: list[tuple[str, Any]] = [
                (
                    "plain aiohttp",
                    lambda n=n: with_plain_loop(
                        http, post_url, info["task_type"], f"bench_plain_{n}", count, concurrency
                    ),
                ),
                (
                    "create_many",
                    lambda n=n: with_create_many(
                        wk, info["task_type"], f"bench_many_{n}", count, concurrency
                    ),
                ),
            ]
            for label, job in contestants if n % 2 == 0 else contestants[::-1]:
                result = await measure(server, job)
                runs[label].append(result)
                print(result.line(label, "tasks"))
    report(runs, baseline="plain aiohttp", unit="tasks", before=BEFORE)
    print(f"(batches of {BATCH}, concurrency {concurrency}, the TaskSpecs built in the timing)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=20_000)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added per request")
    parser.add_argument("--concurrency", type=int, default=4, help="batches in flight")
    parser.add_argument("--rounds", type=int, default=5, help="pairs of runs, alternating order")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(lambda server: prepare(server, args.rounds), latency=args.latency))
        return
    time_specs(args.tasks)
    options = (f"--rounds={args.rounds}", f"--latency={args.latency}")
    with FakeServerProcess(__file__, *options) as server:
        latency_ms = args.latency * 1000
        print(f"fake server {server.info['url']} with {latency_ms:.0f} ms latency per request")
        asyncio.run(run(server, args.tasks, args.concurrency, args.rounds))


if __name__ == "__main__":
    main()
