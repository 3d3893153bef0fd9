"""The Pager against servers that page oddly."""

from __future__ import annotations

import pytest
from aiohttp import web

from tests.core.helpers import json_response
from wkapi._errors import InputError
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
