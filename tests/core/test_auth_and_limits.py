"""The token goes only to trusted origins; limits and the request log line."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest
from aiohttp import web

from tests.core.helpers import json_response
from tests.helpers import TOKEN
from wkapi._config import Limits
from wkapi._errors import APIStatusError


def echo_token(request: web.Request) -> web.Response:
    return json_response({"token": request.headers.get("X-Auth-Token")})


async def test_token_is_sent_to_the_configured_server(serve, make_session) -> None:
    async def handler(request: web.Request) -> web.Response:
        return echo_token(request)

    server = await serve({("GET", "/api/v5/me"): handler})
    session = make_session(server.url)
    assert await session.request_json("GET", "/me") == {"token": TOKEN}


async def test_token_is_not_forwarded_on_a_cross_origin_redirect(serve, make_session) -> None:
    async def landing(request: web.Request) -> web.Response:
        return echo_token(request)

    other = await serve({("GET", "/landing"): landing})

    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPFound(f"{other.url}/landing")

    server = await serve({("GET", "/api/v5/moved"): redirect})
    assert server.url.rsplit(":", 1)[1] != other.url.rsplit(":", 1)[1]  # another port
    session = make_session(server.url)
    assert await session.request_json("GET", "/moved") == {"token": None}
    assert server.hits("/api/v5/moved")[0].headers.get("X-Auth-Token") == TOKEN
    assert "X-Auth-Token" not in other.hits("/landing")[0].headers


async def test_token_is_kept_on_a_same_origin_redirect(serve, make_session) -> None:
    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPFound("/api/v5/new-place")

    async def landing(request: web.Request) -> web.Response:
        return echo_token(request)

    server = await serve(
        {("GET", "/api/v5/old-place"): redirect, ("GET", "/api/v5/new-place"): landing}
    )
    session = make_session(server.url)
    assert await session.request_json("GET", "/old-place") == {"token": TOKEN}


async def test_token_goes_to_origins_the_server_named(serve, make_session) -> None:
    async def landing(request: web.Request) -> web.Response:
        return echo_token(request)

    datastore = await serve({("GET", "/data/x"): landing})

    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPFound(f"{datastore.url}/data/x")

    server = await serve({("GET", "/api/v5/to-datastore"): redirect})
    session = make_session(server.url)
    assert await session.request_json("GET", "/to-datastore") == {"token": None}
    session.trust_origin(datastore.url)
    assert await session.request_json("GET", "/to-datastore") == {"token": TOKEN}


async def test_no_token_header_without_a_token(serve, make_session) -> None:
    async def handler(request: web.Request) -> web.Response:
        return echo_token(request)

    server = await serve({("GET", "/api/v5/me"): handler})
    session = make_session(server.url, token=None)
    assert await session.request_json("GET", "/me") == {"token": None}


async def test_default_headers_and_lowercase_boolean_query(serve, make_session) -> None:
    from wkapi._version import __version__

    async def handler(request: web.Request) -> web.Response:
        return json_response({})

    server = await serve({("GET", "/api/v5/x"): handler})
    session = make_session(server.url)
    await session.request_json("GET", "/x", params={"a": True, "b": False, "c": None, "d": 3})
    seen = server.hits("/api/v5/x")[0]
    assert seen.headers["User-Agent"] == f"wkapi/{__version__}"
    assert seen.headers["Accept"] == "application/json"
    assert seen.query == {"a": "true", "b": "false", "d": "3"}


async def test_concurrency_limit_is_shared_by_all_calls(serve, make_session) -> None:
    in_flight = 0
    peak = 0

    async def handler(request: web.Request) -> web.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.02)
        in_flight -= 1
        return json_response({})

    server = await serve({("GET", "/api/v5/a"): handler, ("GET", "/api/v5/b"): handler})
    session = make_session(server.url, limits=Limits(concurrency=3))
    await asyncio.gather(*(session.request_json("GET", "/a" if i % 2 else "/b") for i in range(20)))
    assert peak == 3


async def test_rate_limit_spaces_request_starts(serve, make_session) -> None:
    from wkapi._config import Limits

    async def handler(request: web.Request) -> web.Response:
        return json_response({})

    server = await serve({("GET", "/api/v5/x"): handler})
    session = make_session(server.url, limits=Limits(concurrency=8, rate=50, burst=1))
    started = time.monotonic()
    await asyncio.gather(*(session.request_json("GET", "/x") for _ in range(11)))
    # 11 requests at 50/s with no burst: the last starts 10 intervals (0.2 s) after the first.
    assert time.monotonic() - started >= 0.19
    times = sorted(s.at for s in server.hits("/api/v5/x"))
    assert times[-1] - times[0] >= 0.18


async def test_one_debug_line_per_request_without_the_token(
    serve, make_session, caplog: pytest.LogCaptureFixture
) -> None:
    async def ok(request: web.Request) -> web.Response:
        return json_response({})

    async def missing(request: web.Request) -> web.Response:
        return json_response({"messages": [{"error": "nope"}]}, status=404)

    server = await serve({("GET", "/api/v5/ok"): ok, ("GET", "/api/v5/missing"): missing})
    session = make_session(server.url)
    with caplog.at_level(logging.DEBUG, logger="wkapi"):
        await session.request_json("GET", "/ok", params={"q": "1"})
        with pytest.raises(APIStatusError):
            await session.request_json("GET", "/missing")
    lines = [r.getMessage() for r in caplog.records if r.name == "wkapi"]
    assert len(lines) == 2
    assert lines[0].startswith("GET /api/v5/ok -> 200 (attempt 1, ")
    assert lines[0].endswith(" ms)")
    assert lines[1].startswith("GET /api/v5/missing -> 404")
    assert all(TOKEN not in line and "q=1" not in line for line in lines)


def test_session_and_config_reprs_hide_the_token(make_session) -> None:
    session = make_session("http://127.0.0.1:9")
    assert TOKEN not in repr(session.config)
    assert TOKEN not in repr(session.auth)
    assert "***" in repr(session.auth)


async def test_datastores_the_server_names_receive_the_token(serve) -> None:
    import wkapi

    async def landing(request: web.Request) -> web.Response:
        return echo_token(request)

    datastore = await serve({("GET", "/data/x"): landing})

    async def stores(request: web.Request) -> web.Response:
        return json_response([{"name": "ds", "url": datastore.url, "allowsUpload": True}])

    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPFound(f"{datastore.url}/data/x")

    server = await serve(
        {("GET", "/api/v5/datastores"): stores, ("GET", "/api/v5/to-datastore"): redirect}
    )
    async with wkapi.Client(server.url, TOKEN, check_version=False) as wk:
        before = await wk._session.request_json("GET", "/to-datastore")
        assert [store.url for store in await wk.datastores.list()] == [datastore.url]
        after = await wk._session.request_json("GET", "/to-datastore")
    assert before == {"token": None}
    assert after == {"token": TOKEN}
