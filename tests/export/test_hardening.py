"""Issue 15's export items: stale part files of killed runs, explicit ids checked for changes like
the lists, progress while listing, and a server that dies mid-export."""

from __future__ import annotations

import asyncio
import socket
import time
from pathlib import Path

import attrs
import orjson

import wkapi
from tests.export.helpers import (
    DOWNLOADS,
    PATIENT_RETRY,
    ClientFactory,
    download_requests,
    files_under,
    finished_annotations,
    latest_entries,
)
from wkapi.jobs import ExportItem, ExportStatus, ListingProgress
from wkapi.testing import FakeWebknossos, FaultKind


def _part_files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.name.endswith(".part"))


# -- stale part files ---------------------------------------------------------------------------


async def test_part_files_of_killed_runs_are_removed_and_nothing_else(
    fake_wk: FakeWebknossos, connect: ClientFactory, tmp_path: Path
) -> None:
    owner, annotations = finished_annotations(fake_wk, 3)
    wk = connect(fake_wk)
    first = await wk.export.annotations(tmp_path, user_id=owner)
    assert first.ok
    folder = tmp_path / "Explorational" / annotations[0]
    name = next(folder.iterdir()).name
    # What a run killed outright (SIGKILL, power cut) leaves: part files of its downloads.
    stale = [
        folder / f"{name}.0123456789abcdef.part",
        tmp_path / "Explorational" / annotations[1] / "other.nml.fedcba9876543210.part",
        tmp_path / "Task" / ("a" * 24) / "gone.zip.00000000000000ff.part",
    ]
    for path in stale:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"half a file")
    # Never touched: outside the layout, not named like a part file, or a link.
    kept = [
        tmp_path / "notes.0123456789abcdef.part",  # in the root
        tmp_path / "Explorational" / "x.0123456789abcdef.part",  # beside the id folders
        tmp_path / "Mine" / ("b" * 24) / "y.0123456789abcdef.part",  # not an annotation type
        tmp_path / "Explorational" / "not-an-id" / "z.0123456789abcdef.part",
        folder / "mine.part",  # no token
        folder / f"{name}.0123456789ABCDEF.part",  # not a token of ours (upper case)
        folder / f"{name}.0123.part",  # too short a token
    ]
    for path in kept:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"keep me")
    outside = tmp_path.parent / f"{tmp_path.name}-outside.0123456789abcdef.part"
    outside.write_bytes(b"keep me too")
    link = folder / "link.0123456789abcdef.part"
    link.symlink_to(outside)

    second = await wk.export.annotations(tmp_path, user_id=owner)

    assert second.ok
    assert (second.skipped, second.succeeded) == (3, 0)
    assert not any(path.exists() for path in stale)
    assert all(path.read_bytes() == b"keep me" for path in kept)
    assert link.is_symlink()
    assert outside.read_bytes() == b"keep me too"
    assert set(_part_files(tmp_path)) == {*kept, link}


async def test_no_part_file_remains_after_a_complete_run(
    fake_wk: FakeWebknossos, connect: ClientFactory, tmp_path: Path
) -> None:
    owner, annotations = finished_annotations(fake_wk, 20)
    planted = tmp_path / "Explorational" / annotations[5] / "x.nml.00112233445566ff.part"
    planted.parent.mkdir(parents=True)
    planted.write_bytes(b"left by a killed run")
    # Broken bodies make downloads restart (each with its own part file).
    fake_wk.faults.add(FaultKind.TRUNCATE, path=DOWNLOADS, after_bytes=100, times=5)
    wk = connect(fake_wk)

    report = await wk.export.annotations(tmp_path, user_id=owner, concurrency=4)

    assert report.ok
    assert report.succeeded == 20
    assert _part_files(tmp_path) == []
    assert len(files_under(tmp_path)) == 20


# -- explicit ids are checked for changes like the lists ----------------------------------------


async def test_explicit_ids_detect_changes_on_the_server_like_the_lists(
    fake_wk: FakeWebknossos, connect: ClientFactory, tmp_path: Path
) -> None:
    owner, annotations = finished_annotations(fake_wk, 4)
    wk = connect(fake_wk)
    first = await wk.export.annotations(tmp_path, annotation_ids=annotations)
    assert first.ok
    assert first.succeeded == 4
    entries = latest_entries(tmp_path)
    for annotation in annotations:
        # The manifest records the modification time of explicit ids too (was null).
        recorded = entries["Explorational", annotation]["modified"]
        assert recorded == fake_wk.state.annotations[annotation].modified
    changed = annotations[2]
    fake_wk.state.annotations[changed].modified += 60_000

    fake_wk.clear_requests()
    second = await wk.export.annotations(tmp_path, annotation_ids=annotations)

    assert download_requests(fake_wk) == [changed]
    assert (second.succeeded, second.skipped) == (1, 3)
    assert latest_entries(tmp_path)["Explorational", changed]["modified"] == (
        fake_wk.state.annotations[changed].modified
    )
    # The same annotations by user: the same decision (nothing changed since).
    fake_wk.clear_requests()
    by_user = await wk.export.annotations(tmp_path, user_id=owner)
    assert download_requests(fake_wk) == []
    assert by_user.skipped == 4


async def test_an_entry_of_an_older_run_without_a_time_is_fetched_again(
    fake_wk: FakeWebknossos, connect: ClientFactory, tmp_path: Path
) -> None:
    _, annotations = finished_annotations(fake_wk, 2)
    wk = connect(fake_wk)
    await wk.export.annotations(tmp_path, annotation_ids=annotations)
    manifest = tmp_path / "manifest.jsonl"
    lines = [orjson.loads(line) for line in manifest.read_bytes().splitlines()]
    for line in lines:
        line["modified"] = None  # as written by versions before this check
    manifest.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))

    fake_wk.clear_requests()
    again = await wk.export.annotations(tmp_path, annotation_ids=annotations)

    assert sorted(download_requests(fake_wk)) == sorted(annotations)
    assert again.succeeded == 2
    # ... and recorded with its time, so the next run skips it.
    fake_wk.clear_requests()
    third = await wk.export.annotations(tmp_path, annotation_ids=annotations)
    assert download_requests(fake_wk) == []
    assert third.skipped == 2


# -- progress while listing ---------------------------------------------------------------------


async def test_listing_progress_is_told_before_the_first_download_per_source(
    fake_wk_factory, connect: ClientFactory, tmp_path: Path
) -> None:
    server = await fake_wk_factory(latency=0.002)
    task_type = server.add_task_type("listing skeleton")
    project = server.add_project("listing_project")
    dataset = next(iter(server.state.datasets))
    for index in range(30):
        server.add_task(project, task_type, dataset, edit_position=(index, 0, 0))
    project_annotations = server.simulate_annotators(project, finish_fraction=1.0, seed=1)
    owner, own = finished_annotations(server, 3)
    events: list[tuple[str, object]] = []

    def on_listing(progress: ListingProgress) -> None:
        events.append(("listing", progress))

    def on_item(item: ExportItem) -> None:
        events.append(("item", item))

    wk = connect(server)
    report = await wk.export.annotations(
        tmp_path,
        project_id=project,
        user_id=owner,
        annotation_ids=[own[0]],
        concurrency=4,
        on_item=on_item,
        on_listing=on_listing,
    )

    assert report.ok
    kinds = [kind for kind, _ in events]
    first_item = kinds.index("item")
    listing = [event for kind, event in events if kind == "listing"]
    assert all(isinstance(event, ListingProgress) for event in listing)
    # Told from the start (nothing found yet) and before anything was downloaded.
    assert kinds[0] == "listing"
    assert listing[0].found == 0
    assert not listing[0].done
    assert any(
        isinstance(event, ListingProgress) and event.found > 0 for _, event in events[:first_item]
    )
    counts = [event.found for event in listing if isinstance(event, ListingProgress)]
    assert counts == sorted(counts)  # found so far never goes back
    last = listing[-1]
    assert isinstance(last, ListingProgress)
    assert last.done
    assert [e for e in listing if isinstance(e, ListingProgress) and e.done] == [last]
    assert last.found == report.total == len(project_annotations) + 3
    assert dict(last.sources) == {
        "annotation ids": 1,
        f"project {project}": len(project_annotations),
        f"user {owner}": 2,  # own[0] was found first as an explicit id
    }
    assert last.tasks_listed == 30


# -- a server that dies mid-export --------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_an_export_gives_up_on_a_dead_server_and_resumes_when_it_is_back(
    connect: ClientFactory, tmp_path: Path
) -> None:
    port = _free_port()
    server = FakeWebknossos(port=port)
    await server.start()
    try:
        owner, annotations = finished_annotations(server, 40)
        server.faults.add(FaultKind.LATENCY, path=DOWNLOADS, delay=0.05)
        retry = attrs.evolve(PATIENT_RETRY, give_up_after=1.0)
        wk = connect(server, retry=retry, concurrency=2)
        stopping: list[asyncio.Task[None]] = []
        stopped_at: list[float] = []

        async def stop() -> None:
            await server.stop()
            stopped_at.append(time.monotonic())

        def on_item(item: ExportItem) -> None:
            if not stopping:  # the server dies after the first file
                stopping.append(asyncio.get_running_loop().create_task(stop()))

        report = await wk.export.annotations(tmp_path, user_id=owner, on_item=on_item)
        ended = time.monotonic()
        await asyncio.gather(*stopping)

        assert report.unreachable
        assert not report.ok
        # Two downloads at a time hold the listing back (it hands on what it finds as the
        # workers take it): it was cut short, so that is a listing error, not a warning.
        assert any("unreachable" in error for error in report.listing_errors)
        assert "listing was not complete" in report.listing_errors[0]
        assert report.warnings == ()
        assert 0 < report.succeeded < 40
        assert ended - stopped_at[0] < 10  # gave up after about give_up_after, not the retries
        assert _part_files(tmp_path) == []
        done = {line["id"] for line in latest_entries(tmp_path).values() if line["status"] == "ok"}
        # Every annotation found is an item; those the run did not get to are "not fetched".
        unfetched = [item for item in report.items if item.status is ExportStatus.NOT_FETCHED]
        assert report.not_fetched == len(unfetched) > 0
        assert report.total == report.succeeded + report.failed + report.not_fetched
        assert all(not item.ok and item.error and "unreachable" in item.error for item in unfetched)
        assert f"{report.not_fetched} not fetched" in report.summary()
        assert "again" in report.summary()
        # ``sent``: a request may have reached the server; one that reached it is "sent".
        requested = set(download_requests(server))
        assert all(item.sent for item in report.items if item.status is ExportStatus.OK)
        assert all(item.sent for item in report.items if item.id in requested)
        assert report.not_sent == sum(1 for item in unfetched if not item.sent) > 0
        assert report.not_sent >= report.not_fetched - 2  # at most 2 were in flight

        await server.start()  # back on the same port: the same destination resumes
        server.clear_requests()
        again = await wk.export.annotations(tmp_path, user_id=owner)
        assert again.ok
        assert not again.unreachable
        assert again.skipped == len(done)
        assert again.succeeded == 40 - len(done)
        assert sorted(download_requests(server)) == sorted(set(annotations) - done)
        # Re-running fetches what was not fetched (and the rest the listing had not reached).
        assert {item.id for item in report.items if not item.ok} <= set(download_requests(server))
        assert all(not item.sent for item in again.items if item.status is ExportStatus.SKIPPED)
        assert again.not_fetched == again.not_sent == 0
        assert "not fetched" not in again.summary()
    finally:
        await server.stop()


async def test_a_stopped_export_reports_every_annotation_found_and_resumes_exactly_those(
    connect: ClientFactory, tmp_path: Path
) -> None:
    port = _free_port()
    server = FakeWebknossos(port=port)
    await server.start()
    try:
        owner, annotations = finished_annotations(server, 11)  # as in the report of issue 15
        wk = connect(server, retry=attrs.evolve(PATIENT_RETRY, give_up_after=1.0), concurrency=8)
        server.faults.add(FaultKind.LATENCY, path=DOWNLOADS, delay=0.5)
        stopping: list[asyncio.Task[None]] = []

        def on_listing(progress: ListingProgress) -> None:
            if progress.done:  # every annotation is found, none is downloaded yet: it dies
                stopping.append(asyncio.get_running_loop().create_task(server.stop()))

        report = await wk.export.annotations(tmp_path, user_id=owner, on_listing=on_listing)
        await asyncio.gather(*stopping)
        requested = set(download_requests(server))

        assert report.unreachable
        assert not report.ok
        # The listing was complete: every annotation found is in the report, and the give-up
        # is a warning, not a listing error.
        assert report.listing_errors == ()
        assert len(report.warnings) == 1
        assert "unreachable" in report.warnings[0]
        assert sorted(item.id for item in report.items) == sorted(annotations)
        assert report.total == 11
        missing = {item.id for item in report.items if not item.ok}
        unfetched = [item for item in report.items if item.status is ExportStatus.NOT_FETCHED]
        assert report.not_fetched == len(unfetched) >= 3  # 8 downloads at once: 3 waited
        assert report.succeeded + report.failed + report.not_fetched == 11
        assert missing == {item.id for item in report.items if item.status is not ExportStatus.OK}
        assert f"{report.not_fetched} annotations found were not fetched" in report.warnings[0]
        assert f"{report.not_fetched} not fetched" in report.summary()
        # ``sent``: a request that reached the server is "sent"; those that waited were not.
        assert all(item.sent for item in report.items if item.id in requested)
        assert all(item.sent for item in report.items if item.status is ExportStatus.OK)
        # Of those that waited, some found no server (one may have gone out over a connection
        # the closing server still held).
        assert report.not_sent == sum(1 for item in unfetched if not item.sent) >= 1
        # Nothing was recorded for what was not fetched.
        recorded = {key[1] for key in latest_entries(tmp_path)} if report.succeeded else set()
        assert not {item.id for item in unfetched} & recorded

        await server.start()  # back: the same export fetches exactly what is missing
        server.clear_requests()
        again = await wk.export.annotations(tmp_path, user_id=owner)
        assert again.ok
        assert again.skipped == report.succeeded
        assert again.succeeded == len(missing)
        assert again.not_fetched == 0
        assert sorted(download_requests(server)) == sorted(missing)
    finally:
        await server.stop()


def test_report_json_of_the_cli_names_unreachable() -> None:
    from wkapi.cli._cmd_export import report_json

    report = wkapi.ExportReport(
        items=(),
        succeeded=0,
        skipped=0,
        failed=0,
        bytes=0,
        seconds=1.0,
        manifest_path=Path("m"),
        unreachable=True,
    )
    assert report_json(report)["unreachable"] is True
