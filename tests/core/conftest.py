"""Fixtures of the core tests that mock the network with aioresponses (the ones with a server,
``serve`` and ``make_session``, are in the suite's conftest)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from aioresponses import aioresponses

from tests.core.helpers import BASE
from wkapi import RetryPolicy
from wkapi._config import ClientConfig
from wkapi._session import Session


@pytest.fixture
def mocked() -> Iterator[aioresponses]:
    """aioresponses patching aiohttp: nothing leaves the process, every call is recorded."""
    with aioresponses() as mock:
        yield mock


@pytest.fixture
async def session() -> Session:
    """A core session for :data:`~tests.core.helpers.BASE` (use with ``mocked``)."""
    session = Session(
        ClientConfig(url=BASE, token="tok-123", retry=RetryPolicy.for_tests(), check_version=False)
    )
    yield session  # type: ignore[misc]
    await session.close()
