"""Listing: wkapi's pagers against a plain paging loop, in one run.

The fake WEBKNOSSOS server runs in a subprocess on 127.0.0.1 (no latency, no faults; its CPU does
not compete with the client's event loop, and is counted apart), holding a project of
``--items`` tasks and a user with ``--items`` explorative annotations. Each list is read whole
by two contestants:

- ``wkapi``: ``async for`` over ``wk.projects.tasks(project_id)`` (tasks) or
  ``wk.users.annotations(user_id)`` (annotations), pages of 1000, reading each item's ``id``;
- ``plain aiohttp``: ``GET ...?limit=1000&pageNumber=n`` for n = 0, 1, ... until a short page,
  one after the other on one aiohttp session, ``orjson.loads`` of each page, reading each item's
  ``"id"``.

Each round runs both on both lists, alternating which goes first; the medians of ``--rounds``
rounds are compared: wall time, client CPU per item (``time.process_time()`` of this process)
and server CPU per item. Target (issue 17): wall within 1.3x of the plain loop.

    python benchmarks/bench_listing.py [--items 20000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _fake_server_process import FakeServerProcess, serve
from _pairs import Run, measure, report

from wkapi import Client
from wkapi.testing import FakeWebknossos

PAGE = 1000
#: The figures before issue 17's work: the issue's, and this script's two runs on 2 shared cores.
BEFORE = {
    "tasks": "issue: wall 1.7-2.1x, client CPU 8 us against 29-39 us per item; this script:"
    " wall 2.52x and 2.74x, client CPU 7.6 against 22.0 us (2.9x)",
    "annotations": "this script: wall 1.46x and 1.59x, client CPU 5.7 against 22.2 us (3.9x)",
}


def prepare(server: FakeWebknossos, items: int) -> dict[str, Any]:
    """A project of ``items`` tasks and a user with ``items`` explorative annotations."""
    task_type = server.add_task_type("bench skeleton", tracing_type="skeleton")
    project = server.add_project("bench_listing")
    for i in range(items):
        server.add_task(project, task_type, "l4_sample", edit_position=(i, 0, 0))
    owner = server.add_user(first_name="Bench", last_name="Owner")
    for _ in range(items):
        server.add_annotation(owner_id=owner)
    return {"token": server.tokens["admin"], "project": project, "owner": owner}


async def count_ids(items: AsyncIterator[Any]) -> int:
    count = 0
    async for item in items:
        if item.id:
            count += 1
    return count


async def plain_pages(http: aiohttp.ClientSession, url: str) -> int:
    count = 0
    page_number = 0
    while True:
        params = {"limit": str(PAGE), "pageNumber": str(page_number)}
        async with http.get(url, params=params) as response:
            page = orjson.loads(await response.read())
        if response.status != 200:
            raise SystemExit(f"GET {url}: {response.status} {page!r:.200}")
        for item in page:
            if item["id"]:
                count += 1
        if len(page) < PAGE:
            return count
        page_number += 1


async def run(server: FakeServerProcess, items: int, rounds: int) -> None:
    info = server.info
    api = f"{info['url']}/api/v5"
    headers = {"X-Auth-Token": info["token"]}
    async with (
        Client(info["url"], info["token"]) as wk,
        aiohttp.ClientSession(headers=headers) as http,
    ):
        await wk.check_version()  # not part of either measurement
        lists: dict[str, dict[str, Callable[[], Awaitable[int]]]] = {
            "tasks": {
                "plain aiohttp": lambda: plain_pages(
                    http, f"{api}/projects/{info['project']}/tasks"
                ),
                "wkapi": lambda: count_ids(aiter(wk.projects.tasks(info["project"]))),
            },
            "annotations": {
                "plain aiohttp": lambda: plain_pages(
                    http, f"{api}/users/{info['owner']}/annotations"
                ),
                "wkapi": lambda: count_ids(aiter(wk.users.annotations(info["owner"]))),
            },
        }
        for contestants in lists.values():  # warm up: the server renders and caches
            for job in contestants.values():
                await job()
        runs: dict[str, dict[str, list[Run]]] = {
            name: {label: [] for label in contestants} for name, contestants in lists.items()
        }
        for n in range(rounds):
            print(f"round {n + 1}:")
            for name, contestants in lists.items():
                order = list(contestants.items())
                for label, job in order if n % 2 == 0 else order[::-1]:
                    result = await measure(server, job)
                    if result.items != items:
                        raise SystemExit(f"{label} listed {result.items} of {items} {name}")
                    runs[name][label].append(result)
                    print(result.line(f"{name}: {label}", "items"))
    for name, name_runs in runs.items():
        print(f"{name}, {items} of them, pages of {PAGE}:")
        report(name_runs, baseline="plain aiohttp", unit="items", before=BEFORE[name])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20_000, help="tasks and annotations")
    parser.add_argument("--rounds", type=int, default=5, help="rounds, alternating order")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(lambda server: prepare(server, args.items)))
        return
    with FakeServerProcess(__file__, f"--items={args.items}") as server:
        print(f"fake server {server.info['url']} (no latency)")
        asyncio.run(run(server, args.items, args.rounds))


if __name__ == "__main__":
    main()
