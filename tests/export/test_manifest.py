"""The manifest file on its own: last line wins, torn lines are ignored, appends are whole lines."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

import anyio
import orjson
import pytest

from wkapi.jobs import _export_manifest
from wkapi.jobs._export_manifest import (
    ManifestEntry,
    ManifestWriter,
    parse_manifest,
    read_manifest,
)

OK_LINE = {
    "typ": "Task",
    "id": "a" * 24,
    "status": "ok",
    "path": "Task/aaa/x.nml",
    "size": 10,
    "sha256": "0" * 64,
    "error": None,
}


def _line(**changes: object) -> bytes:
    return orjson.dumps({**OK_LINE, **changes}) + b"\n"


def test_last_line_per_annotation_wins() -> None:
    data = _line(status="failed", path=None, size=None, sha256=None, error="503") + _line(size=11)
    entries = parse_manifest(data)
    assert list(entries) == [("Task", "a" * 24)]
    assert entries["Task", "a" * 24].ok
    assert entries["Task", "a" * 24].size == 11


def test_a_later_failure_replaces_an_earlier_success() -> None:
    data = _line() + _line(status="failed", path=None, size=None, sha256=None, error="404")
    entry = parse_manifest(data)["Task", "a" * 24]
    assert not entry.ok
    assert entry.error == "404"


def test_torn_and_foreign_lines_are_ignored() -> None:
    torn = _line(id="b" * 24)[:-20]  # a crash in the middle of a write
    data = b"\n".join(
        [
            _line().rstrip(b"\n"),
            b"not json",
            b"[1, 2]",
            orjson.dumps({"typ": "Task", "id": "c" * 24, "status": "maybe"}),
            orjson.dumps({**OK_LINE, "id": "d" * 24, "size": "big"}),
            torn,
        ]
    )
    assert list(parse_manifest(data)) == [("Task", "a" * 24)]


async def test_missing_manifest_reads_as_empty(tmp_path: Path) -> None:
    assert await read_manifest(tmp_path / "manifest.jsonl") == {}


async def test_writer_starts_a_fresh_line_after_a_torn_one(tmp_path: Path) -> None:
    path = tmp_path / "manifest.jsonl"
    path.write_bytes(_line() + _line(id="b" * 24)[:-15])
    async with ManifestWriter(path) as writer:
        await writer.append(ManifestEntry(typ="Task", id="c" * 24, status="failed", error="x"))
    entries = parse_manifest(path.read_bytes())
    assert set(entries) == {("Task", "a" * 24), ("Task", "c" * 24)}
    assert path.read_bytes().endswith(b"\n")


async def test_concurrent_appends_are_whole_lines_and_grouped(tmp_path: Path) -> None:
    path = tmp_path / "manifest.jsonl"
    async with ManifestWriter(path) as writer, anyio.create_task_group() as group:
        for index in range(200):
            entry = ManifestEntry(
                typ="Task", id=f"{index:024x}", status="ok", path="p", size=index, sha256="s"
            )
            group.start_soon(writer.append, entry)
    lines = path.read_bytes().splitlines()
    assert len(lines) == 200
    assert {orjson.loads(line)["size"] for line in lines} == set(range(200))
    # Appends that arrive while a write is running share the next write and fsync.
    assert writer.syncs < 200


def test_entry_round_trips_through_its_line() -> None:
    entry = ManifestEntry(
        typ="Explorational",
        id="e" * 24,
        status="ok",
        path="Explorational/eee/a.zip",
        size=5,
        sha256="f" * 64,
        modified=123,
        recorded="2024-01-01T00:00:00Z",
    )
    assert parse_manifest(entry.to_line()) == {entry.key: entry}


async def test_a_manifest_removed_before_its_lock_is_taken_is_opened_afresh(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another run, holding the lock, removes its empty manifest just after this writer opened
    # the name: the lock then lands on a file nobody will read, so the writer opens again.
    path = tmp_path / "manifest.jsonl"
    real_lock = _export_manifest._lock
    removed = []

    def lock_after_removal(handle: BinaryIO, locked_path: Path) -> None:
        if not removed:
            locked_path.unlink()
            removed.append(locked_path)
        real_lock(handle, locked_path)

    monkeypatch.setattr(_export_manifest, "_lock", lock_after_removal)
    async with ManifestWriter(path) as writer:
        await writer.append(ManifestEntry(typ="Task", id="d" * 24, status="failed", error="x"))

    assert removed == [path]
    assert set(parse_manifest(path.read_bytes())) == {("Task", "d" * 24)}
