"""Shared fixtures for the fake server's tests: servers of both generations and a thin HTTP
helper over plain aiohttp (deliberately not the wkapi client)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio

from tests.testing.helpers import Api
from wkapi.testing import FakeWebknossos
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
