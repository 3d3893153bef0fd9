"""Timing pairs of contestants in one run: wall time, client CPU and server CPU per item.

The benchmarks that hold wkapi against a plain aiohttp loop run both against the same server
subprocess, round after round (alternating which goes first, so that other load on the machine
hits both alike), and compare the medians. Client CPU is ``time.process_time()`` of this process
(the server's is read from its own process), so the client's work is counted apart from the
server's.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Awaitable, Callable

import attrs
from _fake_server_process import FakeServerProcess

__all__ = ["Run", "measure", "report"]


@attrs.frozen
class Run:
    """One timed run of one contestant."""

    items: int
    wall: float
    cpu: float
    server_cpu: float

    def line(self, label: str, unit: str) -> str:
        us = 1e6 / self.items
        return (
            f"  {label:<28} {self.items} {unit} in {self.wall:5.2f} s"
            f" = {self.items / self.wall:7.0f}/s   client CPU {self.cpu * us:5.1f} us/{unit[:-1]}"
            f"   server CPU {self.server_cpu * us:5.1f} us/{unit[:-1]}"
        )


async def measure(server: FakeServerProcess, job: Callable[[], Awaitable[int]]) -> Run:
    """Run ``job`` (it returns how many items it handled) and time it."""
    gc.collect()  # the previous run's garbage is not this run's work
    server_cpu = server.cpu_seconds()
    started, cpu = time.perf_counter(), time.process_time()
    items = await job()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    return Run(items, wall, cpu, server.cpu_seconds() - server_cpu)


def report(
    runs: dict[str, list[Run]], *, baseline: str, unit: str, before: str | None = None
) -> dict[str, float]:
    """Print the medians of each contestant and their ratios to ``baseline``; return the ratios
    of the last contestant (``wall`` and ``cpu``)."""
    per = unit[:-1]
    print(f"median of {len(runs[baseline])} rounds:")
    print(f"  {'':<16} {'wall':>8} {'client CPU/' + per:>18} {'server CPU/' + per:>18}")
    medians: dict[str, tuple[float, float]] = {}
    for label, label_runs in runs.items():
        wall = statistics.median(r.wall for r in label_runs)
        cpu = statistics.median(r.cpu / r.items for r in label_runs)
        server = statistics.median(r.server_cpu / r.items for r in label_runs)
        medians[label] = (wall, cpu)
        print(f"  {label:<16} {wall:7.3f}s {cpu * 1e6:15.1f} us {server * 1e6:15.1f} us")
    base_wall, base_cpu = medians[baseline]
    ratios: dict[str, float] = {}
    for label, (wall, cpu) in medians.items():
        if label == baseline:
            continue
        ratios = {"wall": wall / base_wall, "cpu": cpu / base_cpu}
        print(
            f"  ratio {label} / {baseline}: wall {ratios['wall']:.2f}x,"
            f" client CPU per {per} {ratios['cpu']:.2f}x"
        )
    if before is not None:
        print(f"  before (issue 17): {before}")
    return ratios
