"""Threads: several threads calling one sync client at once share its event loop, its one
connection pool and its limits; a calling thread may have an event loop of its own running;
callbacks run in the client's loop thread, which cannot call the client."""

from __future__ import annotations

import asyncio
import contextvars
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psutil
import pytest

from tests.helpers import ThreadedServer
from tests.sync.helpers import ServerFactory, SyncFactory, part_files
from wkapi import SyncClient

THREADS = 8
CALLS = 20


def _client_connections(port: int) -> int:
    """This process's established TCP connections to ``port`` (the client's side of them)."""
    return sum(
        1
        for conn in psutil.Process().net_connections(kind="tcp")
        if conn.raddr and conn.raddr.port == port and conn.status == psutil.CONN_ESTABLISHED
    )


def test_threads_calling_at_once_are_all_answered_over_one_pool(
    server: ThreadedServer, connect: SyncFactory
) -> None:
    wk = connect(server, check_version=False)
    admin_id = server.server.user_ids["admin"]
    user_id = server.server.user_ids["user"]
    calls: list[Callable[[], Any]] = [
        lambda: wk.users.current().id,
        lambda: wk.users.get(user_id).id,
        lambda: len(wk.teams.list()),
        lambda: len(wk.projects.list()),
        lambda: len(list(wk.users.annotations(user_id, limit=2))),
    ]
    expected = [call() for call in calls]
    server.server.clear_requests()
    start = threading.Barrier(THREADS)

    def work(index: int) -> list[Any]:
        start.wait()  # every thread starts calling at the same moment
        return [calls[(index + i) % len(calls)]() for i in range(CALLS)]

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(work, range(THREADS)))

    for index, answers in enumerate(results):
        assert answers == [expected[(index + i) % len(calls)] for i in range(CALLS)]
    assert expected[0] == admin_id
    # Every call reached the server once (a pager of limit 2 is one request), nothing more.
    seen = server.server.requests
    assert len(seen) == THREADS * CALLS
    assert all(r.status == 200 for r in seen)
    # One pool: the client holds at most its concurrency (8) connections, all kept alive.
    port = int(server.url.rsplit(":", 1)[1])
    assert 1 <= _client_connections(port) <= wk.config.limits.concurrency


def test_threads_share_the_clients_concurrency_limit(
    threaded: ServerFactory, connect: SyncFactory
) -> None:
    server = threaded(latency=0.1)
    wk = connect(server, check_version=False, concurrency=2)
    wk.users.current()  # the pool is open
    started = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(lambda _: wk.users.current().id, range(16)))
    elapsed = time.perf_counter() - started
    assert set(ids) == {server.server.user_ids["admin"]}
    # 16 requests of 0.1 s, 2 at a time: 8 rounds. Limits per thread would take ~0.2 s.
    assert elapsed >= 0.75


def test_a_call_from_a_thread_with_a_running_event_loop(
    server: ThreadedServer, connect: SyncFactory
) -> None:
    """As in a Jupyter kernel: the calling thread runs a loop; the call blocks it on purpose."""
    wk = connect(server)

    async def cell() -> tuple[str, int, int]:
        me = wk.users.current()
        pager = wk.users.annotations(server.server.user_ids["user"], page_size=2)
        return me.id, pager.total(), len(list(pager))

    me_id, total, listed = asyncio.run(cell())
    assert me_id == server.server.user_ids["admin"]
    assert total == listed >= 3


def test_progress_callbacks_run_in_the_clients_loop_thread(
    server: ThreadedServer, connect: SyncFactory, tmp_path: Path
) -> None:
    wk = connect(server)
    annotation_id = server.call(server.server.add_synthetic_annotation, 3 << 20, "zip")
    threads: set[threading.Thread] = set()
    done: list[int] = []

    def progress(bytes_done: int, total: int | None) -> None:
        threads.add(threading.current_thread())
        done.append(bytes_done)

    saved = wk.annotations.download("Explorational", annotation_id, to=tmp_path, progress=progress)
    assert threads == {wk._portal.thread}
    assert done[-1] == saved.size == 3 << 20


def test_calling_the_client_from_its_own_callback_is_refused(
    server: ThreadedServer, connect: SyncFactory, tmp_path: Path
) -> None:
    wk = connect(server)
    annotation_id = server.call(server.server.add_synthetic_annotation, 1 << 20, "nml")

    def progress(bytes_done: int, total: int | None) -> None:
        wk.users.current()  # would wait for itself

    with pytest.raises(RuntimeError, match="own event loop thread"):
        wk.annotations.download("Explorational", annotation_id, to=tmp_path, progress=progress)
    assert part_files(tmp_path) == []
    assert list(tmp_path.iterdir()) == []
    assert wk.users.current().id  # the client goes on working


def test_contextvars_of_the_caller_reach_the_call(server: ThreadedServer) -> None:
    seen: contextvars.ContextVar[str] = contextvars.ContextVar("seen", default="unset")

    async def read() -> str:
        return seen.get()

    with SyncClient(server.url, server.tokens["admin"]) as wk:
        seen.set("caller")
        assert wk._portal.call(read) == "caller"
