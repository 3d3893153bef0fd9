"""The Pager against servers that page oddly."""

from __future__ import annotations

import asyncio
import gc

import pytest
from aiohttp import web

from tests.core.helpers import json_response
from wkapi import Limits
from wkapi._errors import InputError, NotFoundError
from wkapi._pagination import Pager


def ids(n: int, start: int = 0) -> list[dict[str, str]]:
    return [{"id": f"{i:024x}"} for i in range(start, start + n)]


async def test_a_server_ignoring_page_number_does_not_loop_forever(serve, make_session) -> None:
    async def same_page(request: web.Request) -> web.Response:
        return json_response(ids(int(request.query["limit"])))

    server = await serve({("GET", "/api/v5/user/annotations"): same_page})
    pager = Pager(make_session(server.url), "/user/annotations", lambda raw: raw["id"], page_size=3)
    assert await pager.to_list() == [item["id"] for item in ids(3)]
    assert len(server.hits("/api/v5/user/annotations")) == 2  # the repeat was seen and stopped


async def test_items_shifted_by_new_ones_are_not_yielded_twice(serve, make_session) -> None:
    # Page 0 is read, then two new items arrive at the front: page 1 repeats two old ones.
    pages = {"0": ids(3, 10), "1": ids(2, 11)[1:] + ids(2, 7)[::-1], "2": ids(1, 6)}

    async def shifting(request: web.Request) -> web.Response:
        return json_response(pages[request.query["pageNumber"]])

    server = await serve({("GET", "/api/v5/user/tasks"): shifting})
    pager = Pager(make_session(server.url), "/user/tasks", lambda raw: raw["id"], page_size=3)
    got = await pager.to_list()
    assert len(got) == len(set(got))
    assert got == [f"{i:024x}" for i in (10, 11, 12, 8, 7, 6)]


async def test_limit_stops_early_and_sizes_the_page(serve, make_session) -> None:
    async def page(request: web.Request) -> web.Response:
        size = int(request.query["limit"])
        return json_response(ids(size, int(request.query["pageNumber"]) * size))

    server = await serve({("GET", "/api/v5/user/tasks"): page})
    pager = Pager(make_session(server.url), "/user/tasks", lambda raw: raw["id"], limit=5)
    assert len(await pager.to_list()) == 5
    assert [h.query["limit"] for h in server.hits("/api/v5/user/tasks")] == ["5"]


@pytest.mark.parametrize(
    ("kwargs", "match"), [({"limit": -1}, "limit"), ({"page_size": 0}, "page_size")]
)
def test_bad_limits_are_refused_before_sending(make_session, kwargs, match) -> None:
    with pytest.raises(InputError, match=match):
        Pager(make_session("http://127.0.0.1:9"), "/user/tasks", lambda raw: raw, **kwargs)


async def test_an_item_with_a_malformed_id_is_an_invalid_response(serve, make_session) -> None:
    from wkapi._errors import InvalidResponseError

    async def odd(request: web.Request) -> web.Response:
        return json_response([{"id": []}])

    def decode(raw: dict[str, object]) -> str:
        if not isinstance(raw["id"], str):
            raise InvalidResponseError("id: expected a string")
        return raw["id"]

    server = await serve({("GET", "/api/v5/user/tasks"): odd})
    with pytest.raises(InvalidResponseError):
        await Pager(make_session(server.url), "/user/tasks", decode).to_list()


async def test_the_next_page_is_asked_for_while_the_caller_reads_this_one(
    serve, make_session
) -> None:
    async def page(request: web.Request) -> web.Response:
        size = int(request.query["limit"])
        number = int(request.query["pageNumber"])
        return json_response(ids(size if number < 2 else 1, number * size))

    server = await serve({("GET", "/api/v5/user/tasks"): page})
    pager = Pager(make_session(server.url), "/user/tasks", lambda raw: raw["id"], page_size=3)
    asked_while_reading: list[list[str]] = []
    got = []
    async for item in pager:
        got.append(item)
        if len(got) == 1:
            await asyncio.sleep(0.2)  # the caller is busy with the first item
            asked_while_reading.append(
                [h.query["pageNumber"] for h in server.hits("/api/v5/user/tasks")]
            )
    assert got == [item["id"] for item in ids(7)]
    assert asked_while_reading == [["0", "1"]]  # one page ahead, not more
    pages = [h.query["pageNumber"] for h in server.hits("/api/v5/user/tasks")]
    assert pages == ["0", "1", "2"]  # the short page 2 ends the listing


async def test_leaving_early_cancels_the_page_ahead_and_asks_for_nothing_more(
    serve, make_session
) -> None:
    answered = asyncio.Event()
    release = asyncio.Event()

    async def page(request: web.Request) -> web.Response:
        if request.query["pageNumber"] != "0":
            answered.set()
            await release.wait()  # page 1 is slow: still on its way when the caller leaves
        size = int(request.query["limit"])
        return json_response(ids(size, int(request.query["pageNumber"]) * size))

    server = await serve({("GET", "/api/v5/user/tasks"): page})
    session = make_session(server.url, limits=Limits(concurrency=1))
    pager = Pager(session, "/user/tasks", lambda raw: raw["id"], page_size=3)
    async for _ in pager:
        await asyncio.wait_for(answered.wait(), 5)  # page 1 is being asked for
        break
    for _ in range(20):  # the listing's cleanup runs on the next turns of the loop
        await asyncio.sleep(0.01)
    pending = [
        task
        for task in asyncio.all_tasks()
        if "Pager._fetch" in repr(task.get_coro()) and not task.done()
    ]
    # The client's only request slot is free again (the slow page 1 is still not answered).
    first_page = await asyncio.wait_for(pager.page(0), 2)
    release.set()
    await asyncio.sleep(0.1)

    assert pending == []
    assert first_page == [item["id"] for item in ids(3)]
    assert [h.query["pageNumber"] for h in server.hits("/api/v5/user/tasks")] == ["0", "1", "0"]


async def test_a_failing_page_ahead_fails_the_listing_only_when_it_is_reached(
    serve, make_session, caplog: pytest.LogCaptureFixture
) -> None:
    async def page(request: web.Request) -> web.Response:
        if request.query["pageNumber"] == "1":
            return json_response({"messages": [{"error": "gone"}]}, status=404)
        return json_response(ids(3))

    server = await serve({("GET", "/api/v5/user/tasks"): page})
    pager = Pager(make_session(server.url), "/user/tasks", lambda raw: raw["id"], page_size=3)
    got: list[str] = []

    async def read_all() -> None:
        async for item in pager:
            got.append(item)

    with pytest.raises(NotFoundError):
        await read_all()
    assert got == [item["id"] for item in ids(3)]  # every item before the failure

    # Left before reaching it, the failed page ahead is nobody's error (not raised, not logged).
    first: list[str] = []
    async for item in pager:
        first.append(item)
        await asyncio.sleep(0.1)  # page 1 has failed meanwhile
        break
    for _ in range(10):
        await asyncio.sleep(0.01)
    gc.collect()
    assert first == [ids(1)[0]["id"]]
    assert not [r for r in caplog.records if "never retrieved" in r.getMessage()]
