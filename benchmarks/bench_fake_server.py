"""Throughput of the fake WEBKNOSSOS server's hot routes, with its own CPU time per request.

The server runs in a subprocess without added latency; plain aiohttp requests hit one route at a
time and the script prints, per route, requests per second and the server's CPU milliseconds per
request (read from the subprocess, so the client's own work is not counted). Paths are under
``/api/v5``, as the wkapi client sends them.

- ``POST /tasks`` with 1000 skeleton tasks per request (sequential)
- ``GET /projects/:id/tasks`` pages of 1000 and ``GET /user/annotations`` (1000 annotations)
- ``GET /buildinfo`` and ``GET /user`` (small GETs, 8 in flight)
- downloads of distinct small NMLs and volume ZIPs (16 in flight; every annotation once, as an
  export does), the same NMLs again (rendered ones are cached) and one ``--synthetic-mb``
  synthetic body

    python benchmarks/bench_fake_server.py [--posts 10] [--gets 300] [--downloads 1000]
                                           [--synthetic-mb 256] [--paged 5000]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _fake_server_process import FakeServerProcess, serve

from wkapi.testing import FakeWebknossos

API = "/api/v5"  # the routes as the wkapi client sends them by default


def prepare(
    server: FakeWebknossos, downloads: int, synthetic_mb: int, paged: int
) -> dict[str, Any]:
    """The annotations to download, a project of ``paged`` tasks and one to post tasks into."""
    owner = server.add_user(first_name="Bench", last_name="Owner")
    nmls = [server.add_annotation(owner_id=owner, state="Finished") for _ in range(downloads)]
    zips = [
        server.add_annotation(owner_id=owner, volume_layers=("Volume",))
        for _ in range(downloads // 4)
    ]
    synthetic = server.add_synthetic_annotation(synthetic_mb << 20, owner_id=owner)
    task_type = server.add_task_type("bench skeleton")
    project = server.add_project("bench_paged")
    for i in range(paged):
        server.add_task(project, task_type, "l4_sample", edit_position=(i, 0, 0))
    server.add_project("bench_posts")
    return {
        "token": server.tokens["admin"],
        "owner_token": server.token_for(owner),
        "task_type": task_type,
        "project": project,
        "nmls": nmls,
        "zips": zips,
        "synthetic": synthetic,
    }


def task_items(task_type: str, project: str, first: int, count: int) -> list[dict[str, Any]]:
    return [
        {
            "taskTypeId": task_type,
            "neededExperience": {"domain": "", "value": 0},
            "openInstances": 1,
            "pendingInstances": 1,
            "projectName": project,
            "dataSet": "l4_sample",
            "editPosition": [first + i, 0, 0],
            "editRotation": [0, 0, 0],
            "creationInfo": f"bench-{first + i}",
        }
        for i in range(count)
    ]


async def measure(
    server: FakeServerProcess,
    label: str,
    jobs: list[Callable[[], Awaitable[int]]],
    concurrency: int,
) -> None:
    """Run the jobs (each returns the bytes it received) with ``concurrency`` in flight."""
    queue = list(reversed(jobs))
    received = 0

    async def worker() -> None:
        nonlocal received
        while queue:
            size = await queue.pop()()
            received += size

    cpu, started = server.cpu_seconds(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    seconds, cpu = time.perf_counter() - started, server.cpu_seconds() - cpu
    rate = len(jobs) / seconds
    per_request = cpu * 1000 / len(jobs)
    print(
        f"{label:<34} {len(jobs):>6} in {seconds:6.2f} s {rate:9.1f}/s  "
        f"server CPU {per_request:8.3f} ms/request  {received / seconds / 1e6:8.1f} MB/s"
    )


async def run(server: FakeServerProcess, args: argparse.Namespace) -> None:
    info = server.info
    admin = {"X-Auth-Token": info["token"]}
    owner = {"X-Auth-Token": info["owner_token"]}
    connector = aiohttp.TCPConnector(limit=32)
    async with aiohttp.ClientSession(info["url"], connector=connector) as http:

        def get(path: str, headers: dict[str, str]) -> Callable[[], Awaitable[int]]:
            async def job() -> int:
                size = 0
                async with http.get(path, headers=headers) as response:
                    if response.status not in (200, 206):
                        raise RuntimeError(f"GET {path}: {response.status}")
                    async for chunk in response.content.iter_chunked(1 << 20):
                        size += len(chunk)
                return size

            return job

        def post(items: list[dict[str, Any]]) -> Callable[[], Awaitable[int]]:
            async def job() -> int:
                async with http.post(f"{API}/tasks", json=items, headers=admin) as response:
                    body = await response.read()
                    if response.status != 200:
                        raise RuntimeError(f"POST /tasks: {response.status} {body[:200]!r}")
                return len(body)

            return job

        await get(f"{API}/buildinfo", admin)()  # warm up the connection
        posts = [
            post(task_items(info["task_type"], "bench_posts", n * 1000, 1000))
            for n in range(args.posts)
        ]
        await measure(server, "POST /tasks (1000 items)", posts, 1)
        pages = max(1, args.paged // 1000)  # full pages; page 0 when there is none
        page_path = f"{API}/projects/{info['project']}/tasks?limit=1000&pageNumber="
        page_jobs = [get(f"{page_path}{n % pages}", admin) for n in range(args.gets // 10)]
        await measure(server, "GET /projects/:id/tasks (1000)", page_jobs, 1)
        own = [get(f"{API}/user/annotations", owner) for _ in range(args.gets // 10)]
        await measure(server, "GET /user/annotations (1000)", own, 1)
        small = [get(f"{API}/buildinfo", admin) for _ in range(args.gets * 10)]
        await measure(server, "GET /buildinfo", small, 8)
        user = [get(f"{API}/user", admin) for _ in range(args.gets * 10)]
        await measure(server, "GET /user", user, 8)
        nmls = [get(f"{API}/annotations/Explorational/{a}/download", owner) for a in info["nmls"]]
        await measure(server, "download NML (distinct)", nmls, 16)
        await measure(server, "download NML (again)", nmls, 16)
        zips = [get(f"{API}/annotations/Explorational/{a}/download", owner) for a in info["zips"]]
        await measure(server, "download volume ZIP (distinct)", zips, 16)
        synthetic = get(f"{API}/annotations/Explorational/{info['synthetic']}/download", owner)
        await measure(server, f"download synthetic {args.synthetic_mb} MiB", [synthetic], 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=10, help="POST /tasks of 1000 items")
    parser.add_argument("--gets", type=int, default=300, help="scale of the GET measurements")
    parser.add_argument("--downloads", type=int, default=1000, help="distinct small NMLs")
    parser.add_argument("--synthetic-mb", type=int, default=256)
    parser.add_argument("--paged", type=int, default=5000, help="tasks in the paged project")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(
            serve(lambda server: prepare(server, args.downloads, args.synthetic_mb, args.paged))
        )
        return
    options = (
        f"--downloads={args.downloads}",
        f"--synthetic-mb={args.synthetic_mb}",
        f"--paged={args.paged}",
    )
    with FakeServerProcess(__file__, *options) as server:
        print(f"fake server {server.info['url']} (python {sys.version.split()[0]})")
        asyncio.run(run(server, args))


if __name__ == "__main__":
    main()
