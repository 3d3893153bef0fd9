"""Shared fixtures for the fake server's tests: servers of both generations, a thin HTTP helper
over plain aiohttp (deliberately not the wkapi client), extra annotations to page through and
files to upload."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio

from tests.testing.helpers import Api, content
from wkapi.testing import FakeWebknossos
from wkapi.testing._content import render_download, render_nml
from wkapi.testing.pytest_plugin import (  # noqa: F401
    FakeWebknossosFactory,
    fake_wk,
    fake_wk_factory,
)


@pytest_asyncio.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


@pytest_asyncio.fixture
async def server(fake_wk: FakeWebknossos) -> FakeWebknossos:  # noqa: F811
    return fake_wk


@pytest_asyncio.fixture
async def old_server(fake_wk_factory: FakeWebknossosFactory) -> FakeWebknossos:  # noqa: F811
    return await fake_wk_factory(release="23.08")


@pytest.fixture
def api(session: aiohttp.ClientSession, server: FakeWebknossos) -> Api:
    return Api(session, server)


@pytest.fixture
def old_api(session: aiohttp.ClientSession, old_server: FakeWebknossos) -> Api:
    return Api(session, old_server)


@pytest.fixture(params=["25.01", "23.08"], ids=["new", "old"])
def release(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest_asyncio.fixture
async def any_api(
    session: aiohttp.ClientSession,
    fake_wk_factory: FakeWebknossosFactory,  # noqa: F811
    release: str,
) -> Api:
    """The same test against both generations."""
    return Api(session, await fake_wk_factory(release=release))


@pytest.fixture
def upload_files(tmp_path: Path) -> list[Path]:
    """Three files to upload: two NMLs (the second with a volume layer) and a zip download."""
    first = tmp_path / "first.nml"
    first.write_bytes(render_nml(content(seed=1)))
    second = tmp_path / "second.nml"
    second.write_bytes(render_nml(content(seed=2, layers=("Volume",))))
    body, _ = render_download(content(seed=3, name="third", layers=("Volume",)))
    third = tmp_path / "third.zip"
    third.write_bytes(body)
    return [first, second, third]


@pytest.fixture
def explorationals(api: Api) -> list[str]:
    """Twelve extra annotations of ``user``: 5 Active, 4 Finished, 3 Cancelled."""
    states = ["Active"] * 5 + ["Finished"] * 4 + ["Cancelled"] * 3
    return [api.server.add_annotation(state=s, dataset="l4_sample") for s in states]
