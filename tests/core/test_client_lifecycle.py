"""A client is used once, on one event loop: closed for good; a clear error from another loop."""

from __future__ import annotations

import asyncio
import gc
import warnings

import pytest

import wkapi
from wkapi.testing import FakeWebknossos


async def test_a_call_after_the_block_raises_client_closed_and_opens_nothing(
    fake_wk: FakeWebknossos,
) -> None:
    async with wkapi.Client(fake_wk.url, fake_wk.tokens["admin"]) as wk:
        await wk.users.current()
    fake_wk.clear_requests()

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for call in (
            wk.users.current,
            wk.build_info,
            lambda: wk.users.annotations(fake_wk.user_ids["admin"]).to_list(),
            lambda: wk.annotations.download("Explorational", "a" * 24, "."),
        ):
            with pytest.raises(wkapi.ClientClosedError, match="client is closed"):
                await call()
        with pytest.raises(wkapi.ClientClosedError):
            async with wk:
                pass  # a closed client is not entered again
        await wk.close()  # closing twice (or more) is harmless
        await wk.close()
        gc.collect()

    assert fake_wk.requests == []  # nothing was sent
    assert wk._session._http is None  # no pool was opened again
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]
    assert issubclass(wkapi.ClientClosedError, wkapi.WebknossosError)


async def test_close_without_a_block_is_final_too(fake_wk: FakeWebknossos) -> None:
    wk = wkapi.Client(fake_wk.url, fake_wk.tokens["admin"])
    await wk.users.current()
    await wk.close()
    with pytest.raises(wkapi.ClientClosedError):
        await wk.users.current()


async def test_a_client_never_used_closes_and_stays_closed(fake_wk: FakeWebknossos) -> None:
    wk = wkapi.Client(fake_wk.url, fake_wk.tokens["admin"])
    await wk.close()
    with pytest.raises(wkapi.ClientClosedError):
        await wk.users.current()


def test_a_client_used_from_a_second_event_loop_says_so() -> None:
    """The classic mistake: one client, two ``asyncio.run()`` calls."""
    server = FakeWebknossos()
    wk: wkapi.Client | None = None

    async def first() -> str:
        nonlocal wk
        await server.start()
        try:
            wk = wkapi.Client(server.url, server.tokens["admin"])
            me = (await wk.users.current()).id
            # Not closed, as in the mistake; only its connections go with this loop (else
            # aiohttp would complain about them at exit, which is not what this test is about).
            http = wk._session._http
            assert http is not None
            await http.close()
            return me
        finally:
            await server.stop()

    async def second() -> None:
        assert wk is not None
        with pytest.raises(wkapi.ClientLoopError, match="another event loop"):
            await wk.users.current()

    async def third() -> None:
        assert wk is not None
        await wk.close()  # from yet another loop: harmless, and then closed
        with pytest.raises(wkapi.ClientClosedError):
            await wk.users.current()

    assert asyncio.run(first())
    asyncio.run(second())
    asyncio.run(third())
    assert issubclass(wkapi.ClientLoopError, wkapi.WebknossosError)
