"""Export under injected network faults, cancellation halfway, and resuming."""

from __future__ import annotations

from pathlib import Path

import anyio
import orjson
import pytest

from tests.export.helpers import (
    DOWNLOADS,
    ClientFactory,
    download_requests,
    files_under,
    finished_annotations,
    latest_entries,
    manifest_lines,
    sha256_of,
)
from wkapi import DestinationInUseError
from wkapi.jobs import ExportItem, ExportReport, ExportStatus
from wkapi.testing import FaultKind


async def test_500_annotations_through_resets_503s_and_truncated_bodies(
    fake_wk, connect: ClientFactory, tmp_path: Path
) -> None:
    owner, annotations = finished_annotations(fake_wk, 500)
    rules = [
        fake_wk.faults.add(FaultKind.DROP, method="GET", path=DOWNLOADS, probability=0.05, seed=1),
        fake_wk.faults.add(
            FaultKind.STATUS, method="GET", path=DOWNLOADS, status=503, probability=0.05, seed=2
        ),
        fake_wk.faults.add(
            FaultKind.TRUNCATE,
            method="GET",
            path=DOWNLOADS,
            after_bytes=700,
            probability=0.05,
            seed=3,
        ),
    ]
    wk = connect(fake_wk)

    report = await wk.export.annotations(tmp_path, user_id=owner, concurrency=16)

    assert all(rule.hits > 5 for rule in rules), [rule.hits for rule in rules]
    assert (report.succeeded, report.skipped, report.failed) == (500, 0, 0)
    assert report.ok
    assert sorted(item.id for item in report.items) == sorted(annotations)
    entries = latest_entries(tmp_path)
    assert len(entries) == 500
    for annotation in annotations:
        entry = entries["Explorational", annotation]
        assert entry["status"] == "ok"
        path = tmp_path / entry["path"]
        assert path.stat().st_size == entry["size"]
        assert sha256_of(path) == entry["sha256"] == fake_wk.expected_sha256(annotation)
    assert len(files_under(tmp_path)) == 500  # no .part file, nothing extra
    assert len(manifest_lines(tmp_path)) == 500  # one line per download: nothing failed


async def test_cancelled_halfway_then_resumed_downloads_only_what_is_missing(
    fake_wk_factory, connect: ClientFactory, tmp_path: Path
) -> None:
    server = await fake_wk_factory(latency=0.002)
    owner, annotations = finished_annotations(server, 200)
    wk = connect(server)
    settled: list[ExportItem] = []

    async with anyio.create_task_group() as group:

        def on_item(item: ExportItem) -> None:
            settled.append(item)
            if len(settled) == 100:
                group.cancel_scope.cancel()

        group.start_soon(
            lambda: wk.export.annotations(tmp_path, user_id=owner, concurrency=8, on_item=on_item)
        )

    assert 100 <= len(settled) < 200
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".part")]
    entries = latest_entries(tmp_path)  # every line parses; the file ends with a whole line
    done = {ident for (_, ident), entry in entries.items() if entry["status"] == "ok"}
    assert len(done) >= 100
    for (_, ident), entry in entries.items():
        assert sha256_of(tmp_path / entry["path"]) == server.expected_sha256(ident)
    for path in files_under(tmp_path):  # a file is complete even if its line did not land
        assert sha256_of(path) == server.expected_sha256(path.parent.name)

    server.clear_requests()
    report = await wk.export.annotations(tmp_path, user_id=owner, concurrency=8)

    fetched = download_requests(server)
    assert sorted(fetched) == sorted(set(annotations) - done)
    assert report.skipped == len(done)
    assert report.succeeded == 200 - len(done)
    assert report.ok
    assert len(latest_entries(tmp_path)) == 200
    assert len(files_under(tmp_path)) == 200


async def test_resume_checks_files_and_modifications(
    fake_wk, connect: ClientFactory, tmp_path: Path
) -> None:
    owner, annotations = finished_annotations(fake_wk, 6)
    wk = connect(fake_wk)
    first = await wk.export.annotations(tmp_path, user_id=owner)
    paths = {item.id: item.path for item in first.items}
    deleted, corrupted, modified = annotations[:3]
    assert paths[deleted] is not None
    assert paths[corrupted] is not None
    paths[deleted].unlink()
    data = bytearray(paths[corrupted].read_bytes())
    data[10] ^= 0xFF  # same size, other content: only a hash check notices
    paths[corrupted].write_bytes(bytes(data))
    fake_wk.state.annotations[modified].modified += 60_000

    fake_wk.clear_requests()
    plain = await wk.export.annotations(tmp_path, user_id=owner)
    assert sorted(download_requests(fake_wk)) == sorted([deleted, modified])
    assert (plain.succeeded, plain.skipped) == (2, 4)

    fake_wk.clear_requests()
    verified = await wk.export.annotations(tmp_path, user_id=owner, verify=True)
    assert download_requests(fake_wk) == [corrupted]
    assert (verified.succeeded, verified.skipped) == (1, 5)
    assert sha256_of(paths[corrupted]) == fake_wk.expected_sha256(corrupted)

    fake_wk.clear_requests()
    fresh = await wk.export.annotations(tmp_path, user_id=owner, resume=False)
    assert sorted(download_requests(fake_wk)) == sorted(annotations)
    assert fresh.succeeded == 6


async def test_a_torn_manifest_line_is_ignored_and_followed_by_whole_lines(
    fake_wk, connect: ClientFactory, tmp_path: Path
) -> None:
    owner, annotations = finished_annotations(fake_wk, 3)
    wk = connect(fake_wk)
    await wk.export.annotations(tmp_path, user_id=owner)
    manifest = tmp_path / "manifest.jsonl"
    manifest.write_bytes(manifest.read_bytes() + b'{"typ": "Explorational", "id": "ab')

    fake_wk.clear_requests()
    report = await wk.export.annotations(tmp_path, user_id=owner)

    assert (report.skipped, report.failed) == (3, 0)
    assert download_requests(fake_wk) == []
    extra = fake_wk.add_annotation(owner_id=owner, state="Finished")
    await wk.export.annotations(tmp_path, user_id=owner)
    lines = manifest.read_bytes().splitlines()
    assert lines[-2].startswith(b'{"typ": "Explorational", "id": "ab')  # the torn one, alone
    assert set(latest_entries_without_torn(manifest)) == {*annotations, extra}


def latest_entries_without_torn(manifest: Path) -> set[str]:
    ids = set()
    for line in manifest.read_bytes().splitlines():
        try:
            ids.add(orjson.loads(line)["id"])
        except orjson.JSONDecodeError:
            continue
    return ids


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_a_file_renamed_by_the_server_replaces_the_old_one(
    fake_wk_factory, connect: ClientFactory, tmp_path: Path, chunked: bool
) -> None:
    server = await fake_wk_factory(chunked_downloads=chunked)
    owner = server.add_user()
    annotation = server.add_annotation(owner_id=owner, state="Finished", name="first_name")
    wk = connect(server)
    first = await wk.export.annotations(tmp_path, user_id=owner)
    server.state.annotations[annotation].name = "second_name"
    server.state.annotations[annotation].modified += 1000

    second = await wk.export.annotations(tmp_path, user_id=owner)

    old, new = first.items[0].path, second.items[0].path
    assert old is not None
    assert new is not None
    assert (old.name, new.name) == ("first_name.nml", "second_name.nml")
    assert not old.exists()
    assert [p.name for p in files_under(tmp_path)] == ["second_name.nml"]
    assert second.items[0].status is ExportStatus.OK


async def test_a_manifest_path_outside_a_relative_destination_is_never_touched(
    fake_wk, connect: ClientFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "wkapi export -o ." with a manifest naming a file outside the destination: the export
    # fetches the annotation again, and must not delete that file as the "replaced" one.
    annotation = fake_wk.add_annotation(state="Finished")
    victim = tmp_path / "victim.txt"
    victim.write_text("not the export's")
    destination = tmp_path / "export"
    destination.mkdir()
    outside = {"typ": "Explorational", "id": annotation, "status": "ok"}
    outside["path"] = "../victim.txt"  # repo-paths: not a path
    line = {**outside, "size": 1, "sha256": "0" * 64}
    (destination / "manifest.jsonl").write_bytes(orjson.dumps(line) + b"\n")
    monkeypatch.chdir(destination)
    wk = connect(fake_wk)

    report = await wk.export.annotations(".", annotation_ids=[annotation])

    assert victim.read_text() == "not the export's"
    (item,) = report.items
    assert item.status is ExportStatus.OK
    assert item.path is not None
    assert item.path.is_absolute()  # as ExportItem documents, whatever ``to`` was
    assert item.path.parent == destination / "Explorational" / annotation
    assert sha256_of(item.path) == fake_wk.expected_sha256(annotation)


async def test_a_second_export_into_a_busy_destination_is_refused_before_sending(
    fake_wk, connect: ClientFactory, tmp_path: Path
) -> None:
    owner, annotations = finished_annotations(fake_wk, 40)
    fake_wk.faults.add(FaultKind.LATENCY, method="GET", path=DOWNLOADS, delay=0.02)
    wk = connect(fake_wk)
    other = connect(fake_wk)
    results: dict[str, object] = {}

    async def first() -> None:
        results["first"] = await wk.export.annotations(tmp_path, user_id=owner, concurrency=4)

    async with anyio.create_task_group() as group:
        group.start_soon(first)
        while not download_requests(fake_wk):
            await anyio.sleep(0.005)
        requests_before = len(fake_wk.requests)
        with pytest.raises(DestinationInUseError, match="another export is writing into") as info:
            await other.export.annotations(tmp_path, user_id=owner)
        assert info.value.path == str(tmp_path / "manifest.jsonl")
        # The refused run sent nothing; whatever arrived meanwhile is the first run's downloads.
        assert all(r.route.endswith("/download") for r in fake_wk.requests[requests_before:]), (
            fake_wk.requests[requests_before:]
        )

    report = results["first"]
    assert isinstance(report, ExportReport)
    assert report.succeeded == len(annotations)
    assert len(latest_entries(tmp_path)) == len(annotations)
    # Once the first run is done, the destination is free again.
    again = await other.export.annotations(tmp_path, user_id=owner)
    assert (again.succeeded, again.skipped) == (0, len(annotations))
