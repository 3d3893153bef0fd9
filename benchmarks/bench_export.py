"""Concurrent export: ``wk.export.annotations`` at concurrency 1 versus 16, in one run.

A fake WEBKNOSSOS server runs in a subprocess (so its CPU does not steal from the measured
client loop) with ``--latency`` seconds added to every request, holding ``--annotations``
finished explorative annotations (generated NMLs of 10 to 25 kB) owned by one user. The client
exports that user's annotations into a fresh directory at each concurrency and the script
prints, per run, the seconds, annotations per second, the requests the server saw, the ideal time
(requests x latency / concurrency) and the speedup over concurrency 1.

    python benchmarks/bench_export.py [--annotations 1000] [--latency 0.05] [--concurrency 1 16]
                                      [--rounds 3]

Concurrency 1 runs once (about a minute); higher ones run ``--rounds`` times, and the speedup is
taken from the best rounds (the median is printed too), since the concurrent rounds are the ones
other processes on a small machine disturb. Target: at least 12x at concurrency 16 (ideal 16x).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import attrs

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _fake_server_process import FakeServerProcess, serve

import wkapi
from wkapi.testing import FakeWebknossos

TARGET_SPEEDUP = 12.0


# -- the server side (runs in the subprocess) --------------------------------------------------


def prepare(server: FakeWebknossos, annotations: int) -> dict[str, Any]:
    """``annotations`` finished annotations of one user; the info the client needs."""
    owner = server.add_user(first_name="Bench", last_name="Owner")
    for _ in range(annotations):
        # Rendered NMLs: the fake server's synthetic bodies cost it ~40 ms of CPU to
        # prepare per annotation, which would measure the server, not the client.
        server.add_annotation(owner_id=owner, state="Finished")
    return {"token": server.token_for(owner), "user_id": owner}


# -- the client side -----------------------------------------------------------------------------


async def export_once(info: dict[str, Any], concurrency: int) -> tuple[float, wkapi.ExportReport]:
    with tempfile.TemporaryDirectory(prefix="wkapi-bench-export-") as destination:
        async with wkapi.Client(info["url"], info["token"], concurrency=max(concurrency, 8)) as wk:
            await wk.check_version()  # not part of the measured export
            started = time.perf_counter()
            report = await wk.export.annotations(
                destination, user_id=info["user_id"], concurrency=concurrency
            )
            return time.perf_counter() - started, report


@attrs.frozen
class Row:
    """The rounds at one concurrency."""

    concurrency: int
    seconds: tuple[float, ...]
    requests: int
    bytes: int

    @property
    def best(self) -> float:
        return min(self.seconds)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def measure(server: FakeServerProcess, annotations: int, concurrency: int, rounds: int) -> Row:
    """Export ``rounds`` times at ``concurrency``, each into a fresh directory."""
    times = []
    requests = downloaded = 0
    for _ in range(rounds):
        seconds, report = asyncio.run(export_once(server.info, concurrency))
        requests = server.count_requests() - 1  # the version check before the clock
        if report.succeeded != annotations or not report.ok:
            raise RuntimeError(f"export incomplete at concurrency {concurrency}: {report}")
        times.append(seconds)
        downloaded = report.bytes
    return Row(concurrency, tuple(times), requests, downloaded)


def print_table(rows: list[Row], annotations: int, latency: float) -> float:
    """The results; returns the speedup of the last row's best round over the first row's."""
    base = rows[0]
    print(
        f"export of {annotations} annotations ({rows[-1].bytes / 1e6:.1f} MB), "
        f"{latency * 1000:.0f} ms added latency per request "
        f"(python {sys.version.split()[0]}, wkapi {wkapi.__version__}, {os.cpu_count()} CPUs)"
    )
    print(
        f"{'concurrency':>11} {'best s':>8} {'median s':>9} {'annot/s':>8} {'requests':>9} "
        f"{'ideal s':>8} {'speedup':>8} {'of ideal':>9}  rounds (s)"
    )
    for row in rows:
        ideal = row.requests * latency / row.concurrency
        rounds = ", ".join(f"{seconds:.2f}" for seconds in row.seconds)
        print(
            f"{row.concurrency:>11} {row.best:>8.2f} {row.median:>9.2f} "
            f"{annotations / row.best:>8.1f} {row.requests:>9} {ideal:>8.2f} "
            f"{base.best / row.best:>7.1f}x {ideal / row.best:>8.0%}  {rounds}"
        )
    speedup = base.best / rows[-1].best
    verdict = "meets" if speedup >= TARGET_SPEEDUP else "MISSES"
    print(
        f"speedup at concurrency {rows[-1].concurrency}: {speedup:.1f}x best round, "
        f"{base.median / rows[-1].median:.1f}x median ({verdict} the {TARGET_SPEEDUP:.0f}x target)"
    )
    return speedup


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--annotations", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 16])
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="rounds per concurrency above 1 (concurrency 1 runs once: it takes a minute)",
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        asyncio.run(serve(lambda server: prepare(server, args.annotations), latency=args.latency))
        return 0

    load_before = os.getloadavg()[0]
    options = ("--annotations", str(args.annotations), "--latency", str(args.latency))
    with FakeServerProcess(__file__, *options) as server:
        rows = [
            measure(server, args.annotations, c, args.rounds if c > 1 else 1)
            for c in args.concurrency
        ]
    speedup = print_table(rows, args.annotations, args.latency)
    print(
        f"load average before {load_before:.2f}, after {os.getloadavg()[0]:.2f} "
        "(other processes on the machine slow the concurrent rounds most)"
    )
    return 0 if speedup >= TARGET_SPEEDUP or len(rows) < 2 else 1


if __name__ == "__main__":
    raise SystemExit(main())
