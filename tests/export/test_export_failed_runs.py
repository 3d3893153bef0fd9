"""An export that fails before recording anything leaves no empty manifest and no directory it
created; one that recorded something, or a destination that was there before, is kept."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import anyio
import pytest

import wkapi
from tests.export.conftest import ClientFactory, download_requests, latest_entries
from wkapi.testing import FaultKind


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
