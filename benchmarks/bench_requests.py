"""Small JSON GETs through wkapi versus a bare aiohttp loop, in one run.

A minimal aiohttp server runs in a subprocess on 127.0.0.1 and answers ``GET /api/v5/thing`` and
``GET /api/buildinfo`` with a small JSON body. Both clients send N requests at concurrency C, with
one connection pool each, and decode the JSON; rounds alternate (bare, wkapi, bare, ...) so that
machine noise hits both alike, and the best round of each is compared.

    python benchmarks/bench_requests.py [-n 5000] [-c 8] [--rounds 5] [--calls 2000]

Target: wkapi takes at most 1.15x the bare time.

Per-call cost of the sync client (``wkapi.SyncClient``): ``--calls`` sequential
``GET /api/buildinfo`` (one call at a time, decoded; through wkapi structured into ``BuildInfo``)
through bare aiohttp, the async client and the sync client, rounds alternating; the best round of
each is reported in microseconds per call, with the sync/async and sync/aiohttp ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import wkapi

SERVER = r"""
import sys
from aiohttp import web

BODY = b'{"id":"5a0f7b0e6d00006d00c7a1f2","name":"team_x","organization":"sample_organization"}'
INFO = (
    b'{"webknossos":{"name":"webknossos","version":"25.01"},'
    b'"schemaVersion":120,"localDataStoreEnabled":true,"localTracingStoreEnabled":true,'
    b'"httpApiVersioning":{"currentApiVersion":9,"oldestSupportedApiVersion":5}}'
)

async def thing(request):
    return web.Response(body=BODY, content_type="application/json")

async def info(request):
    return web.Response(body=INFO, content_type="application/json")

app = web.Application()
app.router.add_get("/api/v5/thing", thing)
app.router.add_get("/api/buildinfo", info)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_until_up(url: str) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(200):
            try:
                async with http.get(f"{url}/api/buildinfo") as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
    raise RuntimeError("benchmark server did not start")


async def run_bare(url: str, n: int, concurrency: int) -> float:
    semaphore = asyncio.Semaphore(concurrency)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def one() -> None:
            async with semaphore, http.get(f"{url}/api/v5/thing") as resp:
                resp.raise_for_status()
                await resp.json()

        started = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(n)))
        return time.perf_counter() - started


async def run_wkapi(url: str, n: int, concurrency: int) -> float:
    async with wkapi.Client(url, "benchmark-token", concurrency=concurrency) as wk:
        await wk.check_version()  # the one-time check is not part of the per-request cost
        request_json = wk._session.request_json

        started = time.perf_counter()
        await asyncio.gather(*(request_json("GET", "/thing") for _ in range(n)))
        return time.perf_counter() - started


# -- per-call cost of the sync client -------------------------------------------------------------


async def per_call_bare(url: str, calls: int) -> float:
    """Seconds per sequential ``GET /api/buildinfo`` through bare aiohttp (one connection)."""
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1)) as http:
        started = time.perf_counter()
        for _ in range(calls):
            async with http.get(f"{url}/api/buildinfo") as resp:
                resp.raise_for_status()
                await resp.json()
        return (time.perf_counter() - started) / calls


async def per_call_async(url: str, calls: int) -> float:
    """Seconds per sequential ``await wk.build_info()`` through the async client."""
    async with wkapi.Client(url, "benchmark-token", check_version=False) as wk:
        await wk.build_info()  # the pool is open
        started = time.perf_counter()
        for _ in range(calls):
            await wk.build_info()
        return (time.perf_counter() - started) / calls


def per_call_sync(url: str, calls: int) -> float:
    """Seconds per sequential ``wk.build_info()`` through the sync client (its loop thread)."""
    with wkapi.SyncClient(url, "benchmark-token", check_version=False) as wk:
        wk.build_info()  # the loop thread runs and the pool is open
        started = time.perf_counter()
        for _ in range(calls):
            wk.build_info()
        return (time.perf_counter() - started) / calls


async def measure_per_call(url: str, calls: int, rounds: int) -> dict[str, float]:
    """The best round's seconds per call of each face, rounds alternating."""
    times: dict[str, list[float]] = {"aiohttp": [], "wkapi async": [], "wkapi sync": []}
    for _ in range(rounds):
        times["aiohttp"].append(await per_call_bare(url, calls))
        times["wkapi async"].append(await per_call_async(url, calls))
        # From a worker thread, as from any plain script (this thread's loop stays free).
        times["wkapi sync"].append(await asyncio.to_thread(per_call_sync, url, calls))
    return {name: min(values) for name, values in times.items()}


def report_per_call(best: dict[str, float], calls: int, rounds: int) -> None:
    print(f"per-call cost: {calls} sequential GET /api/buildinfo, best of {rounds} rounds")
    print(f"{'client':<14}{'us/call':>10}")
    for name, seconds in best.items():
        print(f"{name:<14}{seconds * 1e6:>10.1f}")
    sync, async_, bare = best["wkapi sync"], best["wkapi async"], best["aiohttp"]
    print(
        f"per-call ratio sync/async: {sync / async_:.3f} (+{(sync - async_) * 1e6:.0f} us), "
        f"sync/aiohttp: {sync / bare:.3f}"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=5000, help="requests per round")
    parser.add_argument("-c", type=int, default=8, help="concurrency")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=2000, help="sequential calls per round")
    args = parser.parse_args()

    port = free_port()
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(port)])
    url = f"http://127.0.0.1:{port}"
    try:
        await wait_until_up(url)
        await run_bare(url, 200, args.c)  # warm up both paths
        await run_wkapi(url, 200, args.c)
        bare: list[float] = []
        ours: list[float] = []
        for _ in range(args.rounds):
            bare.append(await run_bare(url, args.n, args.c))
            ours.append(await run_wkapi(url, args.n, args.c))
        per_call = await measure_per_call(url, args.calls, args.rounds)
    finally:
        server.terminate()
        server.wait(timeout=10)

    best_bare, best_ours = min(bare), min(ours)
    print(
        f"bench_requests: {args.n} JSON GETs at concurrency {args.c}, best of {args.rounds} rounds"
    )
    print(f"{'client':<12}{'seconds':>10}{'req/s':>12}")
    print(f"{'aiohttp':<12}{best_bare:>10.3f}{args.n / best_bare:>12.0f}")
    print(f"{'wkapi':<12}{best_ours:>10.3f}{args.n / best_ours:>12.0f}")
    ratio = best_ours / best_bare
    median_ratio = sorted(o / b for o, b in zip(ours, bare, strict=True))[len(ours) // 2]
    verdict = "OK" if ratio <= 1.15 else "ABOVE TARGET"
    print(
        f"time ratio wkapi/aiohttp: {ratio:.3f} (median of paired rounds {median_ratio:.3f}); "
        f"target <= 1.15: {verdict}"
    )
    report_per_call(per_call, args.calls, args.rounds)


if __name__ == "__main__":
    asyncio.run(main())
