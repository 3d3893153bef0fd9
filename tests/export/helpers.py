"""Plain helpers of the export tests (fixtures live in the conftest): the retry policy their
clients use, annotations to export, and reading an export's destination the way a user would."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import orjson

from wkapi import Client, RetryPolicy
from wkapi.testing import FakeWebknossos

ClientFactory = Callable[..., Client]

#: The test policy with many attempts and no budget, so injected faults never win.
PATIENT_RETRY = attrs.evolve(RetryPolicy.for_tests(attempts=8), budget_ratio=None)

#: The fake server's route pattern of annotation downloads, for fault rules.
DOWNLOADS = "/annotations/*/download"


def finished_annotations(server: FakeWebknossos, count: int) -> tuple[str, list[str]]:
    """A new user owning ``count`` finished explorative annotations (generated NMLs)."""
    owner = server.add_user(first_name="Export", last_name="Owner")
    return owner, [server.add_annotation(owner_id=owner, state="Finished") for _ in range(count)]


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
