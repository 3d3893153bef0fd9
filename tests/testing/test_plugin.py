"""The pytest fixtures, the standalone server and the public names."""

from __future__ import annotations

import asyncio
import contextlib
import io
import re

import aiohttp

import wkapi.testing
from wkapi.testing import FakeWebknossos, serve_forever
from wkapi.testing.pytest_plugin import FakeWebknossosFactory


async def test_fake_wk_fixture(fake_wk: FakeWebknossos) -> None:
    assert fake_wk.release == "25.01"
    async with aiohttp.ClientSession() as session, session.get(fake_wk.url + "/api/buildinfo") as r:
        assert r.status == 200


async def test_factory_passes_options(fake_wk_factory: FakeWebknossosFactory) -> None:
    old = await fake_wk_factory(release="23.08", seed=3)
    new = await fake_wk_factory()
    assert (old.release, new.release) == ("23.08", "25.01")
    assert old.url != new.url
    assert old.tokens != new.tokens


def test_public_names_sorted_and_complete() -> None:
    names = wkapi.testing.__all__
    assert names == sorted(names)
    assert {"FakeWebknossos", "Fault", "FaultKind", "serve_forever"} <= set(names)
    assert all(hasattr(wkapi.testing, name) for name in names)


async def test_serve_forever_prints_url_and_tokens() -> None:
    out = io.StringIO()
    task = asyncio.create_task(serve_forever(port=0, seed=5, out=out))
    for _ in range(100):
        if "serving at" in out.getvalue() and "dataset_manager" in out.getvalue():
            break
        await asyncio.sleep(0.01)
    match = re.search(r"serving at (http://127\.0\.0\.1:\d+)", out.getvalue())
    assert match is not None
    assert FakeWebknossos(seed=5).tokens["admin"] in out.getvalue()
    async with (
        aiohttp.ClientSession() as session,
        session.get(match.group(1) + "/api/buildinfo") as r,
    ):
        assert r.status == 200
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
