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


@pytest.fixture
def server() -> Iterator[ThreadedServer]:
    """A server of the test's own: it may be stopped, or get faults and latency that concern no
    other test."""
    started = ThreadedServer()
    try:
        yield started
    finally:
        started.close()
