"""Fixtures for the export tests: strict clients with patient retries against the fake server, and
files a test holds open."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, BinaryIO

import pytest

from tests.export.helpers import PATIENT_RETRY, ClientFactory
from wkapi import Client
from wkapi.testing import FakeWebknossos


@pytest.fixture
async def connect() -> AsyncIterator[ClientFactory]:
    """``connect(server, role="admin", **options)``: a strict client, closed at teardown."""
    clients: list[Client] = []

    def make(server: FakeWebknossos, role: str = "admin", **options: Any) -> Client:
        options.setdefault("strict_models", True)
        options.setdefault("retry", PATIENT_RETRY)
        options.setdefault("concurrency", 16)
        token = options.pop("token", None) or server.tokens[role]
        client = Client(server.url, token, **options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


@pytest.fixture
def held_files() -> Iterator[list[BinaryIO]]:
    """Files a test keeps open (a lock another run holds), closed at teardown."""
    files: list[BinaryIO] = []
    yield files
    for file in files:
        file.close()
