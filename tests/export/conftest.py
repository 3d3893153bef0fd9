"""Fixtures for the export tests: strict clients with fast retries against the fake server, and
helpers that read an export's destination the way a user would."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from wkapi import Client
from wkapi._retry import RetryPolicy
from wkapi.testing import FakeWebknossos

#: The two server generations of server-behavior.md: the default newer one and a v5-era one.
GENERATIONS = [pytest.param(None, id="new"), pytest.param("23.08", id="old")]

#: Quick retries for tests; many attempts and no budget, so injected faults never win.
PATIENT_RETRY = RetryPolicy(
    attempts=8, backoff_initial=0.001, backoff_max=0.002, retry_after_cap=0.01, budget_ratio=None
)

ClientFactory = Callable[..., Client]


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


def manifest_lines(destination: Path) -> list[dict[str, Any]]:
    """Every line of the manifest, parsed (a line that does not parse fails the test)."""
    raw = (destination / "manifest.jsonl").read_bytes()
    assert raw.endswith(b"\n"), "the manifest must end with a whole line"
    return [orjson.loads(line) for line in raw.splitlines() if line.strip()]


def latest_entries(destination: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """The last manifest line per (typ, id)."""
    return {(line["typ"], line["id"]): line for line in manifest_lines(destination)}


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def files_under(destination: Path) -> list[Path]:
    """Every file of the export except the manifest."""
    return sorted(p for p in destination.rglob("*") if p.is_file() and p.name != "manifest.jsonl")


def download_requests(server: FakeWebknossos) -> list[str]:
    """Annotation ids of the download requests the server received (faulty ones included)."""
    ids = []
    for request in server.requests:
        parts = request.route.strip("/").split("/")
        if len(parts) == 4 and parts[0] == "annotations" and parts[3] == "download":
            ids.append(parts[2])
    return ids
