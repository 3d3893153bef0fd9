"""A server that refuses every connection is given up on after ``give_up_after`` seconds."""

from __future__ import annotations

import socket
import time

import pytest

import wkapi
from wkapi._liveness import Liveness
from wkapi.testing import FakeWebknossos


def _closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"  # nothing listens there now: connections are refused


async def test_refused_connections_end_in_server_unreachable_after_give_up_after() -> None:
    policy = wkapi.RetryPolicy(
        attempts=1000, backoff_initial=0.02, backoff_max=0.05, budget_ratio=None, give_up_after=0.5
    )
    async with wkapi.Client(_closed_port_url(), "t", retry=policy, check_version=False) as wk:
        started = time.perf_counter()
        with pytest.raises(wkapi.ServerUnreachableError) as caught:
            await wk.users.current()
        took = time.perf_counter() - started

    error = caught.value
    assert 0.45 <= took < 2.0, took  # neither the 1000 attempts nor sooner than asked
    assert isinstance(error, wkapi.APIConnectionError)
    assert error.request_sent is False
    assert error.transient is False
    assert error.refusals >= 2
    assert error.silent_for >= 0.45
    assert "give_up_after=0.5" in error.message
    assert "unreachable" in error.message


async def test_the_wait_before_a_retry_ends_at_the_give_up() -> None:
    policy = wkapi.RetryPolicy(
        attempts=3, backoff_initial=60, backoff_max=60, budget_ratio=None, give_up_after=0.3
    )
    async with wkapi.Client(_closed_port_url(), "t", retry=policy, check_version=False) as wk:
        started = time.perf_counter()
        with pytest.raises(wkapi.ServerUnreachableError):
            await wk.users.current()
        assert time.perf_counter() - started < 5  # not the 60 s backoff


async def test_without_give_up_the_attempts_end_it_as_before() -> None:
    policy = wkapi.RetryPolicy(attempts=3, backoff_initial=0.01, give_up_after=None)
    async with wkapi.Client(_closed_port_url(), "t", retry=policy, check_version=False) as wk:
        with pytest.raises(wkapi.APIConnectionError) as caught:
            await wk.users.current()
    assert not isinstance(caught.value, wkapi.ServerUnreachableError)
    assert caught.value.request_sent is False


async def test_an_answer_between_refusals_starts_the_count_again(fake_wk: FakeWebknossos) -> None:
    async with wkapi.Client(fake_wk.url, fake_wk.tokens["admin"]) as wk:
        liveness = wk._session.liveness
        liveness.refused(time.perf_counter() - 100)
        liveness.refused(time.perf_counter())
        assert liveness.unreachable(20.0)
        await wk.users.current()  # any answer: the server is there
        assert liveness.refusals == 0
        assert not liveness.unreachable(20.0)


def test_liveness_counts_a_run_of_refusals_from_its_first_attempt() -> None:
    now = [100.0]
    liveness = Liveness(clock=lambda: now[0])
    assert not liveness.unreachable(10)
    assert liveness.time_left(10) is None
    liveness.refused(95.0)  # an attempt started at 95 found no server
    assert liveness.time_left(10) == pytest.approx(5.0)
    now[0] = 106.0
    assert not liveness.unreachable(10)  # one refusal is not enough, however long ago
    liveness.refused(105.0)
    assert liveness.unreachable(10)
    assert liveness.silent_for() == pytest.approx(11.0)
    assert not liveness.unreachable(None)  # never gives up
    liveness.answered()
    assert not liveness.unreachable(10)
    assert liveness.time_left(10) is None


@pytest.mark.parametrize("value", [0, -1.0])
def test_give_up_after_must_be_positive(value: float) -> None:
    with pytest.raises(wkapi.ConfigurationError, match="give_up_after"):
        wkapi.RetryPolicy(give_up_after=value)
