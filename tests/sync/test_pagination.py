"""SyncPager has the semantics of the async Pager: the same items, the same requests, pages
fetched only as a loop reaches them, and nothing left running when a loop stops early."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from tests.helpers import ThreadedServer
from tests.sync.helpers import SyncFactory
from wkapi import Client, InputError, RetryPolicy


def _async_listing(server: ThreadedServer, user_id: str, **options: Any) -> list[str]:
    async def run() -> list[str]:
        token = server.tokens["admin"]
        client = Client(server.url, token, retry=RetryPolicy.for_tests(), check_version=False)
        async with client as wk:
            return [a.id async for a in wk.users.annotations(user_id, **options)]

    return asyncio.run(run())


@pytest.mark.parametrize(
    "options",
    [{}, {"page_size": 2}, {"limit": 3, "page_size": 2}, {"limit": 1}, {"is_finished": True}],
    ids=["all", "pages_of_2", "limit_3_of_pages_of_2", "limit_1", "finished"],
)
def test_the_same_items_and_requests_as_the_async_pager(
    server: ThreadedServer, connect: SyncFactory, options: dict[str, Any]
) -> None:
    user_id = server.server.user_ids["user"]
    server.server.clear_requests()
    expected = _async_listing(server, user_id, **options)
    async_requests = [(r.route, r.query) for r in server.server.requests]
    wk = connect(server, check_version=False)
    server.server.clear_requests()
    assert [a.id for a in wk.users.annotations(user_id, **options)] == expected
    assert [(r.route, r.query) for r in server.server.requests] == async_requests


def test_total_page_and_to_list(server: ThreadedServer, connect: SyncFactory) -> None:
    wk = connect(server)
    user_id = server.server.user_ids["user"]
    pager = wk.users.annotations(user_id, page_size=2)
    everything = pager.to_list()
    assert pager.total() == len(everything) >= 3
    assert [a.id for a in pager.page(0) + pager.page(1)] == [a.id for a in everything[:4]]
    assert [a.id for a in pager] == [a.id for a in pager]  # each loop starts again
    assert (pager.limit, pager.page_size) == (None, 2)
    assert repr(pager).startswith("<SyncPager /users/")
    with pytest.raises(InputError):
        pager.page(-1)


def test_a_loop_stopped_early_fetches_no_more_and_leaves_nothing_running(
    server: ThreadedServer, connect: SyncFactory
) -> None:
    wk = connect(server, check_version=False)
    server.server.clear_requests()
    for _ in wk.users.annotations(server.server.user_ids["user"], page_size=1):
        break
    loop = wk._portal._loop
    deadline = time.monotonic() + 5
    while loop.tasks and time.monotonic() < deadline:
        time.sleep(0.01)
    assert loop.tasks == set()
    # A read-ahead request sent before the break may reach the server's thread only now.
    time.sleep(0.1)
    # The first page, and at most the one page the pager reads ahead (cancelled by the break).
    pages = [r.query["pageNumber"] for r in server.server.requests]
    assert pages in (["0"], ["0", "1"])
    time.sleep(0.1)
    assert len(server.server.requests) == len(pages)  # and nothing after
