"""Fixtures for the command-line tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.cli.helpers import ThreadedServer


@pytest.fixture(scope="module")
def threaded_server() -> Iterator[ThreadedServer]:
    """One fake server per test module (tests add their own data to it)."""
    server = ThreadedServer()
    try:
        yield server
    finally:
        server.close()
