"""Fixtures of the bulk task creation tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.jobs.helpers import Lab, open_lab


@pytest.fixture
async def lab() -> AsyncIterator[Lab]:
    """A started :class:`~tests.jobs.helpers.Lab` on the default server (closed at teardown)."""
    async with open_lab() as started:
        yield started
