"""Retries: which failures are retried for which methods, backoff, Retry-After, the shared pause."""

from __future__ import annotations

import asyncio
import logging
import time

import attrs
import pytest
from aiohttp import web

from tests.core.helpers import json_response
from tests.helpers import TOKEN
from wkapi._errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    RateLimitError,
    ServerError,
)
from wkapi._retry import RetryBudget, RetryPolicy, parse_retry_after


def failing_then_ok(*statuses: int, retry_after: str | None = None) -> web.RequestHandler:  # type: ignore[name-defined]
    """A handler answering the given statuses in turn, then 200 {"ok": true}."""
    remaining = list(statuses)

    async def handler(request: web.Request) -> web.Response:
        if remaining:
            headers = {"Retry-After": retry_after} if retry_after else {}
            return web.Response(status=remaining.pop(0), text="busy", headers=headers)
        return json_response({"ok": True})

    return handler


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
async def test_get_is_retried_on_retryable_status(serve, make_session, status: int) -> None:
    server = await serve({("GET", "/api/v5/thing"): failing_then_ok(status, status)})
    session = make_session(server.url)
    waits: list[float] = []

    async def record_sleep(seconds: float) -> None:
        waits.append(seconds)

    session.sleep = record_sleep
    assert await session.request_json("GET", "/thing") == {"ok": True}
    assert len(server.hits("/api/v5/thing")) == 3
    # Full jitter within the doubling ceiling of RetryPolicy.for_tests() (0.001, then 0.002).
    assert len(waits) == 2
    assert 0 <= waits[0] <= 0.001
    assert 0 <= waits[1] <= 0.002


async def test_get_gives_up_after_the_configured_attempts(serve, make_session) -> None:
    server = await serve({("GET", "/api/v5/thing"): failing_then_ok(502, 502, 502, 502)})
    session = make_session(server.url, retry=RetryPolicy.for_tests(attempts=3))
    with pytest.raises(ServerError) as caught:
        await session.request_json("GET", "/thing")
    assert caught.value.status == 502
    assert len(server.hits("/api/v5/thing")) == 3


@pytest.mark.parametrize("status", [500, 502, 504, 408])
async def test_post_is_not_retried_once_sent(serve, make_session, status: int) -> None:
    server = await serve({("POST", "/api/v5/tasks"): failing_then_ok(status)})
    session = make_session(server.url)
    with pytest.raises(APIStatusError) as caught:
        await session.request_json("POST", "/tasks", json=[{"a": 1}])
    assert caught.value.status == status
    assert len(server.hits("/api/v5/tasks")) == 1


@pytest.mark.parametrize("method", ["POST", "PATCH"])
async def test_post_and_patch_are_retried_on_429_and_503(serve, make_session, method: str) -> None:
    server = await serve({(method, "/api/v5/x"): failing_then_ok(429, 503)})
    session = make_session(server.url)
    assert await session.request_json(method, "/x", json={}) == {"ok": True}
    assert len(server.hits("/api/v5/x")) == 3


async def test_post_dropped_after_receipt_is_not_resent(serve, make_session) -> None:
    async def process_then_drop(request: web.Request) -> web.Response:
        await request.read()
        assert request.transport is not None
        request.transport.close()
        await asyncio.sleep(0.05)
        return json_response({"never": "sent"})

    server = await serve({("POST", "/api/v5/tasks"): process_then_drop})
    session = make_session(server.url)
    with pytest.raises(APIConnectionError) as caught:
        await session.request_json("POST", "/tasks", json=[])
    assert caught.value.request_sent is True
    assert len(server.hits("/api/v5/tasks")) == 1


async def test_get_dropped_connection_is_retried(serve, make_session) -> None:
    calls = 0

    async def drop_once(request: web.Request) -> web.Response:
        nonlocal calls
        calls += 1
        if calls == 1:
            assert request.transport is not None
            request.transport.close()
            await asyncio.sleep(0.05)
        return json_response({"calls": calls})

    server = await serve({("GET", "/api/v5/x"): drop_once})
    session = make_session(server.url)
    assert await session.request_json("GET", "/x") == {"calls": 2}


async def test_connection_refused_post_is_retried_because_it_was_never_sent(
    make_session, unused_tcp_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    session = make_session(
        f"http://127.0.0.1:{unused_tcp_port}", retry=RetryPolicy.for_tests(attempts=3)
    )
    with caplog.at_level(logging.INFO, logger="wkapi"), pytest.raises(APIConnectionError) as caught:
        await session.request_json("POST", "/tasks", json=[])
    assert caught.value.request_sent is False
    retries = [r for r in caplog.records if r.getMessage().startswith("retrying POST")]
    assert len(retries) == 2
    assert "cannot connect" in retries[0].getMessage()


async def test_retry_after_seconds_is_honoured_and_capped(serve, make_session) -> None:
    server = await serve({("GET", "/api/v5/x"): failing_then_ok(503, retry_after="2")})
    session = make_session(server.url, retry=RetryPolicy.for_tests(retry_after_cap=0.05))
    started = time.monotonic()
    assert await session.request_json("GET", "/x") == {"ok": True}
    elapsed = time.monotonic() - started
    hits = server.hits("/api/v5/x")
    assert len(hits) == 2
    # The wait was the capped Retry-After (0.05 s), not the 2 s asked, nor the 1 ms backoff.
    assert hits[1].at - hits[0].at >= 0.045
    assert elapsed < 1.0


async def test_retry_after_on_another_status_holds_the_retry(serve, make_session) -> None:
    server = await serve({("GET", "/api/v5/x"): failing_then_ok(502, retry_after="0.2")})
    session = make_session(server.url, retry=RetryPolicy.for_tests(retry_after_cap=5))
    waits: list[float] = []

    async def record_sleep(seconds: float) -> None:
        waits.append(seconds)

    session.sleep = record_sleep
    assert await session.request_json("GET", "/x") == {"ok": True}
    assert waits == [0.2]  # the server's wait, not the 1 ms backoff, nor none at all


async def test_429_with_retry_after_pauses_sibling_requests(serve, make_session) -> None:
    async def slow_ok(request: web.Request) -> web.Response:
        return json_response({"ok": True})

    server = await serve(
        {
            ("GET", "/api/v5/limited"): failing_then_ok(429, retry_after="0.3"),
            ("GET", "/api/v5/other"): slow_ok,
        }
    )
    session = make_session(server.url, retry=RetryPolicy.for_tests(retry_after_cap=5))
    first = asyncio.create_task(session.request_json("GET", "/limited"))
    # Let the 429 arrive, then start a sibling request on another route.
    while not server.hits("/api/v5/limited"):
        await asyncio.sleep(0.005)
    await asyncio.sleep(0.05)
    paused_at = time.monotonic()
    await session.request_json("GET", "/other")
    assert await first == {"ok": True}
    limited_at = server.hits("/api/v5/limited")[0].at
    other_at = server.hits("/api/v5/other")[0].at
    # The sibling was held until the pause ended (0.3 s after the 429), not sent at once.
    assert other_at - limited_at >= 0.28
    assert other_at - paused_at >= 0.2


async def test_rate_limit_error_after_exhausting_attempts_keeps_retry_after(
    serve, make_session
) -> None:
    server = await serve({("GET", "/api/v5/x"): failing_then_ok(429, 429, 429, retry_after="0")})
    session = make_session(server.url, retry=RetryPolicy.for_tests(attempts=2))
    with pytest.raises(RateLimitError) as caught:
        await session.request_json("GET", "/x")
    assert caught.value.retry_after == 0
    assert len(server.hits("/api/v5/x")) == 2


async def test_api_timeout_raises_api_timeout_error(serve, make_session) -> None:
    from wkapi._config import Timeouts

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(2)
        return json_response({})

    server = await serve({("GET", "/api/v5/slow"): slow})
    session = make_session(
        server.url, timeouts=Timeouts(api_total=0.2), retry=RetryPolicy.disabled()
    )
    started = time.monotonic()
    with pytest.raises(APITimeoutError) as caught:
        await session.request_json("GET", "/slow")
    assert time.monotonic() - started < 1.5
    assert "/api/v5/slow" in str(caught.value)
    assert TOKEN not in str(caught.value)


async def test_timed_out_get_is_retried(serve, make_session) -> None:
    from wkapi._config import Timeouts

    calls = 0

    async def slow_once(request: web.Request) -> web.Response:
        nonlocal calls
        calls += 1
        if calls == 1:
            await asyncio.sleep(1)
        return json_response({"calls": calls})

    server = await serve({("GET", "/api/v5/x"): slow_once})
    session = make_session(server.url, timeouts=Timeouts(api_total=0.2))
    assert await session.request_json("GET", "/x") == {"calls": 2}


def test_backoff_grows_exponentially_with_full_jitter() -> None:
    policy = RetryPolicy(backoff_initial=0.5, backoff_max=8.0)
    for retry_number, ceiling in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (5, 8.0), (9, 8.0)]:
        samples = [policy.backoff(retry_number) for _ in range(200)]
        assert all(0 <= s <= ceiling for s in samples)
        assert max(samples) > ceiling / 2  # jitter spans the range, not a constant
    assert policy.backoff(3, retry_after=30) == 30
    assert policy.backoff(3, retry_after=3600) == policy.retry_after_cap


def test_retry_after_parses_seconds_and_http_dates() -> None:
    assert parse_retry_after("120") == 120
    assert parse_retry_after(" 1.5 ") == 1.5
    assert parse_retry_after("-3") == 0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    now = 1_700_000_000.0
    assert parse_retry_after("Tue, 14 Nov 2023 22:15:20 GMT", now=now) == pytest.approx(120)
    assert parse_retry_after("Tue, 14 Nov 2023 22:00:00 GMT", now=now) == 0


def test_retry_budget_limits_retry_storms() -> None:
    clock = [0.0]
    policy = RetryPolicy(budget_ratio=0.1, budget_floor=2, budget_window=10)
    budget = RetryBudget(policy, clock=lambda: clock[0])
    for _ in range(10):
        budget.record_request()
    # floor 2 + 10% of 10 requests = 3 retries in the window
    assert [budget.try_spend() for _ in range(4)] == [True, True, True, False]
    clock[0] = 11.0  # the window moved on: old retries and requests expired
    assert budget.try_spend() is True


def test_retry_budget_forgets_requests_even_without_retries() -> None:
    clock = [0.0]
    budget = RetryBudget(RetryPolicy(budget_window=10), clock=lambda: clock[0])
    for second in range(1000):
        clock[0] = float(second)
        budget.record_request()
    # A long-lived client that never retries keeps only the window's requests, not all of them.
    assert len(budget._requests) <= 11


async def test_exhausted_budget_stops_retrying(serve, make_session) -> None:
    server = await serve({("GET", "/api/v5/x"): failing_then_ok(*([503] * 20))})
    session = make_session(
        server.url,
        retry=attrs.evolve(RetryPolicy.for_tests(attempts=5), budget_ratio=0.0, budget_floor=1),
    )
    with pytest.raises(ServerError):
        await session.request_json("GET", "/x")
    # one first attempt plus the single retry the budget allowed
    assert len(server.hits("/api/v5/x")) == 2


def test_the_test_policy_retries_like_the_default_without_waiting() -> None:
    default, quick = RetryPolicy(), RetryPolicy.for_tests()
    assert quick.attempts == default.attempts
    assert quick.idempotent_statuses == default.idempotent_statuses
    assert quick.unprocessed_statuses == default.unprocessed_statuses
    assert max(quick.backoff(n) for n in range(1, 20)) <= 0.002
    assert quick.backoff(1, retry_after=30) == 0.01
    assert RetryPolicy.for_tests(retry_after_cap=60).backoff(1, retry_after=30) == 30
