"""Concurrent export: ``wk.export.annotations`` at concurrency 1 versus 16, in one run.

A fake WEBKNOSSOS server runs in a subprocess (so its CPU does not steal from the measured
client loop) with ``--latency`` seconds added to every request, holding ``--annotations``
explorative annotations of ``--size`` bytes owned by one user. The client exports that user's
annotations into a fresh directory at each concurrency and the script prints, per run, the
seconds, annotations per second, the requests the server saw, the ideal time
(requests x latency / concurrency) and the speedup over concurrency 1.

    python benchmarks/bench_export.py [--annotations 1000] [--latency 0.05] [--size 4096]
                                      [--concurrency 1 16]

Target: at least 12x at concurrency 16 (the ideal is 16x).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO, Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import wkapi  # noqa: E402

TARGET_SPEEDUP = 12.0


# -- the server side (runs in the subprocess) --------------------------------------------------


async def serve(annotations: int, latency: float, size: int) -> None:
    """Start the fake server, print its address as one JSON line, then answer stdin commands:
    ``count`` prints the number of requests since the last ``count``; ``quit`` (or EOF) stops."""
    from wkapi.testing import FakeWebknossos

    async with FakeWebknossos(latency=latency) as server:
        owner = server.add_user(first_name="Bench", last_name="Owner")
        for _ in range(annotations):
            server.add_synthetic_annotation(size, "nml", owner_id=owner)
        print(
            json.dumps({"url": server.url, "token": server.token_for(owner), "user_id": owner}),
            flush=True,
        )
        loop = asyncio.get_running_loop()
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            command = line.strip()
            if command == "count":
                print(len(server.requests), flush=True)
                server.clear_requests()
            elif command in ("quit", ""):
                return


# -- the client side -----------------------------------------------------------------------------


class ServerProcess:
    """The fake server subprocess and its stdin/stdout command channel."""

    def __init__(self, annotations: int, latency: float, size: int) -> None:
        self._process = subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--serve",
                "--annotations",
                str(annotations),
                "--latency",
                str(latency),
                "--size",
                str(size),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.info: dict[str, Any] = json.loads(self._readline())

    def _readline(self) -> str:
        stdout: IO[str] | None = self._process.stdout
        assert stdout is not None
        line = stdout.readline()
        if not line:
            raise RuntimeError("the fake server subprocess ended early")
        return line

    def count_requests(self) -> int:
        """Requests since the last call (and reset the count)."""
        stdin = self._process.stdin
        assert stdin is not None
        stdin.write("count\n")
        stdin.flush()
        return int(self._readline())

    def stop(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.write("quit\n")
            self._process.stdin.close()
        self._process.wait(timeout=30)


async def export_once(info: dict[str, Any], concurrency: int) -> tuple[float, wkapi.ExportReport]:
    with tempfile.TemporaryDirectory(prefix="wkapi-bench-export-") as destination:
        async with wkapi.Client(
            info["url"], info["token"], concurrency=max(concurrency, 8)
        ) as wk:
            await wk.check_version()  # not part of the measured export
            started = time.perf_counter()
            report = await wk.export.annotations(
                destination, user_id=info["user_id"], concurrency=concurrency
            )
            return time.perf_counter() - started, report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--annotations", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--size", type=int, default=4096, help="bytes per annotation")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        asyncio.run(serve(args.annotations, args.latency, args.size))
        return 0

    server = ServerProcess(args.annotations, args.latency, args.size)
    try:
        server.count_requests()  # forget the setup
        rows = []
        for concurrency in args.concurrency:
            seconds, report = asyncio.run(export_once(server.info, concurrency))
            requests = server.count_requests() - 1  # the version check before the clock
            if report.succeeded != args.annotations or not report.ok:
                print(f"export incomplete at concurrency {concurrency}: {report}", file=sys.stderr)
                return 1
            ideal = requests * args.latency / concurrency
            rows.append((concurrency, seconds, requests, ideal))
    finally:
        server.stop()

    base = rows[0][1]
    print(
        f"export of {args.annotations} annotations of {args.size} bytes, "
        f"{args.latency * 1000:.0f} ms added latency per request "
        f"(python {sys.version.split()[0]}, wkapi {wkapi.__version__})"
    )
    header = (
        f"{'concurrency':>11} {'seconds':>9} {'annot/s':>9} {'requests':>9} "
        f"{'ideal s':>9} {'speedup':>8} {'of ideal':>9}"
    )
    print(header)
    for concurrency, seconds, requests, ideal in rows:
        print(
            f"{concurrency:>11} {seconds:>9.2f} {args.annotations / seconds:>9.1f} "
            f"{requests:>9} {ideal:>9.2f} {base / seconds:>7.1f}x {ideal / seconds:>8.0%}"
        )
    speedup = base / rows[-1][1]
    verdict = "meets" if speedup >= TARGET_SPEEDUP else "MISSES"
    print(
        f"speedup at concurrency {rows[-1][0]}: {speedup:.1f}x "
        f"({verdict} the {TARGET_SPEEDUP:.0f}x target)"
    )
    return 0 if speedup >= TARGET_SPEEDUP or len(rows) < 2 else 1


if __name__ == "__main__":
    raise SystemExit(main())
