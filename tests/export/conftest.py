"""Fixtures for the export tests: strict clients with patient retries against the fake server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import attrs
import pytest

from tests.export.helpers import ClientFactory
from wkapi import Client, RetryPolicy
from wkapi.testing import FakeWebknossos

#: The test policy with many attempts and no budget, so injected faults never win.
PATIENT_RETRY = attrs.evolve(RetryPolicy.for_tests(attempts=8), budget_ratio=None)


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
