"""Bulk task creation: ``create_many`` versus a sequential loop of ``create`` calls, in one run.

The fake WEBKNOSSOS server runs in a subprocess on 127.0.0.1 (so its CPU does not compete with
the client's event loop) and adds ``--latency`` seconds to every request. Both contestants create
``--tasks`` skeleton tasks, each into its own empty project: ``create_many`` with its defaults
(batches of 1000, 4 in flight), the loop with one ``create`` of 1000 specs after another. Both
results are checked (every task created) before the rates are printed, with the client's CPU
time. ``--rounds N`` repeats the pair N times, alternating which goes first, and compares the
best of each (the fake server and the client share the machine, so other load shows up here).

    python benchmarks/bench_bulk_tasks.py [--tasks 50000] [--latency 0.02] [--concurrency 4]
                                          [--rounds 1]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _fake_server_process import FakeServerProcess, serve

from wkapi import Client, TaskSpec
from wkapi.jobs import BulkTasksResource
from wkapi.testing import FakeWebknossos

DATASET = "l4_sample"
LOOP_BATCH = 1000


def prepare(server: FakeWebknossos, rounds: int) -> dict[str, Any]:
    """A skeleton task type and two empty projects per round."""
    for n in range(rounds):
        server.add_project(f"bench_many_{n}")
        server.add_project(f"bench_loop_{n}")
    task_type = server.add_task_type("bench skeleton", tracing_type="skeleton")
    return {"token": server.tokens["admin"], "task_type": task_type}


def specs(task_type: str, project: str, count: int) -> list[TaskSpec]:
    return [TaskSpec(task_type, DATASET, project, (i, 0, 0)) for i in range(count)]


async def with_create_many(
    tasks: BulkTasksResource, batch: list[TaskSpec], concurrency: int
) -> None:
    report = await tasks.create_many(batch, concurrency=concurrency)
    if not report.ok or report.created != len(batch):
        raise SystemExit(f"create_many failed: {report.summary()}")


async def with_loop(tasks: BulkTasksResource, batch: list[TaskSpec]) -> None:
    created = 0
    for start in range(0, len(batch), LOOP_BATCH):
        answer = await tasks.create(batch[start : start + LOOP_BATCH])
        created += len(answer.created)
    if created != len(batch):
        raise SystemExit(f"the loop created {created} of {len(batch)} tasks")


async def timed(label: str, count: int, job: Callable[[], Awaitable[None]]) -> float:
    started, cpu = time.perf_counter(), time.process_time()
    await job()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        f"  {label:<16} {count} tasks in {seconds:6.2f} s = {count / seconds:8.0f} tasks/s"
        f"  (client CPU {cpu:.2f} s)"
    )
    return count / seconds


async def run(info: dict[str, Any], count: int, concurrency: int, rounds: int) -> None:
    many_rates: list[float] = []
    loop_rates: list[float] = []
    async with Client(info["url"], info["token"]) as wk:
        tasks = wk.tasks
        await wk.check_version()  # not part of either measurement
        for n in range(rounds):
            many = specs(info["task_type"], f"bench_many_{n}", count)
            loop = specs(info["task_type"], f"bench_loop_{n}", count)
            print(f"round {n + 1}:")
            contestants = [
                ("create_many", partial(with_create_many, tasks, many, concurrency), many_rates),
                ("sequential loop", partial(with_loop, tasks, loop), loop_rates),
            ]
            for label, job, rates in contestants if n % 2 == 0 else contestants[::-1]:
                rates.append(await timed(label, count, job))
    best_many, best_loop = max(many_rates), max(loop_rates)
    print(f"create_many:     {best_many:8.0f} tasks/s (best of {rounds})")
    print(f"sequential loop: {best_loop:8.0f} tasks/s (best of {rounds})")
    print(f"ratio: create_many is {best_many / best_loop:.2f}x the sequential loop")
    print(f"(batches of 1000, create_many concurrency {concurrency})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=50_000)
    parser.add_argument("--latency", type=float, default=0.02, help="seconds added per request")
    parser.add_argument(
        "--concurrency", type=int, default=4, help="create_many's batches in flight"
    )
    parser.add_argument("--rounds", type=int, default=1, help="pairs of runs, alternating order")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(lambda server: prepare(server, args.rounds), latency=args.latency))
        return
    options = (f"--rounds={args.rounds}", f"--latency={args.latency}")
    with FakeServerProcess(__file__, *options) as server:
        url, latency_ms = server.info["url"], args.latency * 1000
        print(f"fake server {url} with {latency_ms:.0f} ms latency per request")
        asyncio.run(run(server.info, args.tasks, args.concurrency, args.rounds))


if __name__ == "__main__":
    main()
