"""An export that fails before recording anything leaves no empty manifest and no directory it
created; one that recorded something, or a destination that was there before, is kept."""

from __future__ import annotations

import asyncio
import sys
from functools import partial
from pathlib import Path

import anyio
import pytest

import wkapi
from tests.export.helpers import ClientFactory, download_requests, latest_entries
from wkapi.jobs import export
from wkapi.jobs._export_manifest import ManifestEntry, ManifestWriter
from wkapi.testing import FaultKind

if sys.platform != "win32":
    import fcntl

needs_flock = pytest.mark.skipif(sys.platform == "win32", reason="no manifest lock on Windows")


def _has_lines(manifest: Path) -> bool:
    return manifest.exists() and manifest.read_bytes().endswith(b"\n")


async def test_a_refused_token_leaves_no_new_directory(
    fake_wk, connect: ClientFactory, tmp_path: Path
) -> None:
    wk = connect(fake_wk, token="not-a-valid-token")
    destination = tmp_path / "new" / "exports"

    with pytest.raises(wkapi.AuthenticationError):
        await wk.export.annotations(destination, user_id=fake_wk.user_ids["user"])

    assert list(tmp_path.iterdir()) == []


async def test_an_unknown_project_leaves_an_existing_destination_as_it_was(
    fake_wk, connect: ClientFactory, tmp_path: Path
) -> None:
    wk = connect(fake_wk)
    (tmp_path / "notes.txt").write_text("mine")

    with pytest.raises(wkapi.NotFoundError):
        await wk.export.annotations(tmp_path, project_id="0" * 24)

    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


async def test_a_failed_run_keeps_the_manifest_of_an_earlier_one(
    fake_wk, connect: ClientFactory, tmp_path: Path
) -> None:
    annotation = fake_wk.add_annotation(state="Finished")
    wk = connect(fake_wk)
    await wk.export.annotations(tmp_path, annotation_ids=[annotation])
    manifest = (tmp_path / "manifest.jsonl").read_bytes()

    with pytest.raises(wkapi.NotFoundError):
        await wk.export.annotations(tmp_path, project_id="0" * 24)

    assert (tmp_path / "manifest.jsonl").read_bytes() == manifest
    assert list(latest_entries(tmp_path)) == [("Explorational", annotation)]


async def test_a_run_stopped_after_recording_keeps_its_manifest(
    fake_wk, connect: ClientFactory, tmp_path: Path
) -> None:
    owner = fake_wk.add_user(first_name="Stop", last_name="Later")
    for _ in range(6):
        fake_wk.add_annotation(owner_id=owner, state="Finished")
    fake_wk.faults.add(FaultKind.LATENCY, method="GET", path="/annotations/*/download", delay=0.05)
    wk = connect(fake_wk)
    destination = tmp_path / "exports"

    with anyio.move_on_after(10) as scope:
        async with anyio.create_task_group() as group:
            group.start_soon(partial(wk.export.annotations, destination, user_id=owner))
            while not _has_lines(destination / "manifest.jsonl"):
                await anyio.sleep(0.01)
            group.cancel_scope.cancel()
    assert not scope.cancelled_caught
    assert download_requests(fake_wk)
    assert latest_entries(destination)  # what was recorded stays, for the next run to resume


async def test_a_run_cancelled_before_recording_leaves_nothing(
    fake_wk, connect: ClientFactory, tmp_path: Path
) -> None:
    annotation = fake_wk.add_annotation(state="Finished")
    fake_wk.faults.add(FaultKind.LATENCY, method="GET", path="/annotations/*/download", delay=5)
    wk = connect(fake_wk)
    destination = tmp_path / "exports"

    with anyio.move_on_after(10) as scope:
        async with anyio.create_task_group() as group:
            export = partial(wk.export.annotations, destination, annotation_ids=[annotation])
            group.start_soon(export)
            while not download_requests(fake_wk):
                await anyio.sleep(0.01)
            group.cancel_scope.cancel()
    assert not scope.cancelled_caught

    assert list(tmp_path.iterdir()) == []


@needs_flock
async def test_a_run_refused_by_the_lock_leaves_the_other_runs_directories(
    fake_wk, connect: ClientFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, held_files
) -> None:
    # Two runs start into a new directory at once: this one creates it, the other one takes the
    # lock first and makes the directory of its first download.
    destination = tmp_path / "new"
    their_download = destination / "Explorational" / ("a" * 24)
    prepare = export._prepare_destination

    def prepare_and_lose_the_race(to: Path) -> object:
        prepared = prepare(to)
        manifest = open(destination / "manifest.jsonl", "ab")  # noqa: SIM115
        held_files.append(manifest)
        fcntl.flock(manifest.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        their_download.mkdir(parents=True)
        return prepared

    monkeypatch.setattr(export, "_prepare_destination", prepare_and_lose_the_race)
    wk = connect(fake_wk)

    with pytest.raises(wkapi.DestinationInUseError):
        await wk.export.annotations(destination, annotation_ids=["b" * 24])

    assert their_download.is_dir()
    assert (destination / "manifest.jsonl").exists()


async def test_a_run_whose_new_destination_a_failed_run_removed_creates_it_again(
    fake_wk, connect: ClientFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # This run finds the directory a failing run created; that run then removes it, empty,
    # before this one opens its manifest there.
    annotation = fake_wk.add_annotation(state="Finished")
    destination = tmp_path / "new" / "exports"
    prepare = export._prepare_destination

    def prepare_then_see_it_removed(to: Path) -> object:
        prepared = prepare(to)
        destination.rmdir()
        destination.parent.rmdir()
        return prepared

    monkeypatch.setattr(export, "_prepare_destination", prepare_then_see_it_removed)
    wk = connect(fake_wk)

    report = await wk.export.annotations(destination, annotation_ids=[annotation])

    assert report.ok
    assert report.succeeded == 1
    assert list(latest_entries(destination)) == [("Explorational", annotation)]


@needs_flock
async def test_a_failed_run_leaves_a_manifest_another_run_made_under_the_same_name(
    fake_wk, connect: ClientFactory, tmp_path: Path
) -> None:
    # While the run waits for its project, someone deletes its (empty) manifest and a second
    # run starts there. The failing run must not take the second run's manifest for its own.
    fake_wk.faults.add(FaultKind.LATENCY, method="GET", path="/projects/*/tasks", delay=0.3)
    wk = connect(fake_wk)
    manifest = tmp_path / "manifest.jsonl"
    entry = ManifestEntry(typ="Task", id="c" * 24, status="failed", error="later")

    failed = anyio.Event()

    async def failing_run() -> None:
        with pytest.raises(wkapi.NotFoundError):
            await wk.export.annotations(tmp_path, project_id="0" * 24)
        failed.set()

    async with anyio.create_task_group() as group:
        group.start_soon(failing_run)
        while not (manifest.exists() and any("/tasks" in r.route for r in fake_wk.requests)):
            await anyio.sleep(0.005)
        manifest.unlink()
        async with ManifestWriter(manifest) as second:
            with anyio.fail_after(5):
                await failed.wait()  # the first run failed and cleaned up
            assert manifest.exists()
            await second.append(entry)

    assert list(latest_entries(tmp_path)) == [("Task", "c" * 24)]


async def test_a_task_cancelled_mid_transfer_leaves_no_part_file_and_no_empty_manifest(
    fake_wk, connect: ClientFactory, tmp_path: Path
) -> None:
    # What `wkapi export` does on SIGTERM or Ctrl-C: the task running the export is cancelled
    # while bodies are on their way to part files, in a destination the user made.
    owner = fake_wk.add_user(first_name="Cut", last_name="Short")
    for _ in range(4):
        fake_wk.add_synthetic_annotation(4 << 20, "zip", owner_id=owner)
    fake_wk.faults.add(
        FaultKind.SLOW_BODY, path="/annotations/*/download", delay=0.01, piece_size=64 << 10
    )
    wk = connect(fake_wk)
    bytes_seen = asyncio.Event()

    job = asyncio.ensure_future(
        wk.export.annotations(
            tmp_path, user_id=owner, byte_progress=lambda done, _: bytes_seen.set()
        )
    )
    await asyncio.wait_for(bytes_seen.wait(), 20)
    assert [p for p in tmp_path.rglob("*") if p.name.endswith(".part")]  # really mid-transfer
    job.cancel()
    with pytest.raises(asyncio.CancelledError):
        await job

    assert tmp_path.is_dir()
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".part")]
    assert not (tmp_path / "manifest.jsonl").exists()
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]
