"""Transfers and jobs through the sync client: downloads and streams with flat memory, uploads,
bulk creation exactly once, the export, and Ctrl-C during a download (no part file left)."""

from __future__ import annotations

import _thread
import hashlib
import threading
from pathlib import Path

import pytest

from tests.helpers import ThreadedServer
from tests.sync.helpers import DOWNLOADS, PeakRss, ServerFactory, SyncFactory, part_files
from wkapi import ExportItem, IncompleteDownloadError, SyncClient, TaskFromFilesParams
from wkapi.models import TaskSpec
from wkapi.testing import FaultKind

MIB = 1 << 20
LARGE = 256 * MIB
#: Far below the file size: what chunks in flight and the interpreter's noise may take.
RSS_BOUND = 64 * MIB


def test_a_large_sync_download_keeps_memory_flat(
    threaded: ServerFactory, connect: SyncFactory, tmp_path: Path
) -> None:
    server = threaded()
    annotation_id = server.call(server.server.add_synthetic_annotation, LARGE, "zip")
    wk = connect(server)
    with PeakRss() as rss:
        saved = wk.annotations.download("Explorational", annotation_id, to=tmp_path)
    assert saved.size == LARGE
    assert saved.sha256 == server.server.expected_sha256(annotation_id)
    assert rss.growth < RSS_BOUND, f"peak RSS grew by {rss.growth / MIB:.0f} MiB"
    assert part_files(tmp_path) == []


def test_a_large_sync_stream_keeps_memory_flat(
    threaded: ServerFactory, connect: SyncFactory
) -> None:
    server = threaded()
    annotation_id = server.call(server.server.add_synthetic_annotation, LARGE, "zip")
    wk = connect(server)
    digest = hashlib.sha256()
    with PeakRss() as rss, wk.annotations.stream("Explorational", annotation_id) as body:
        assert body.size == LARGE
        assert body.content_type == "application/zip"
        assert body.filename.endswith(".zip")
        for chunk in body:
            digest.update(chunk)
        assert body.received == LARGE
        with pytest.raises(RuntimeError, match="only once"):
            iter(body)
    assert digest.hexdigest() == server.server.expected_sha256(annotation_id)
    assert rss.growth < RSS_BOUND, f"peak RSS grew by {rss.growth / MIB:.0f} MiB"


def _slow_download(server: ThreadedServer, size: int) -> str:
    """A synthetic annotation whose download trickles (64 KiB every 50 ms: minutes in all)."""
    annotation_id: str = server.call(server.server.add_synthetic_annotation, size, "zip")
    server.call(
        server.server.faults.add,
        FaultKind.SLOW_BODY,
        path=DOWNLOADS,
        delay=0.05,
        piece_size=64 * 1024,
    )
    return annotation_id


def test_ctrl_c_during_a_sync_download_leaves_no_part_file(
    threaded: ServerFactory, connect: SyncFactory, tmp_path: Path
) -> None:
    server = threaded()
    annotation_id = _slow_download(server, 64 * MIB)
    wk = connect(server)
    timers: list[threading.Timer] = []

    def progress(done: int, total: int | None) -> None:
        if done and not timers:  # bytes are on disk: interrupt the main thread shortly
            timers.append(threading.Timer(0.3, _thread.interrupt_main))
            timers[0].start()

    with pytest.raises(KeyboardInterrupt):
        wk.annotations.download("Explorational", annotation_id, to=tmp_path, progress=progress)
    timers[0].join()
    assert list(tmp_path.iterdir()) == []  # no part file, no final file
    # Only the call was cancelled: the client goes on working.
    assert wk.users.current().id == server.server.user_ids["admin"]


def test_ctrl_c_during_a_sync_download_removes_the_directories_it_created(
    threaded: ServerFactory, connect: SyncFactory, tmp_path: Path
) -> None:
    server = threaded()
    annotation_id = _slow_download(server, 64 * MIB)
    (tmp_path / "old").mkdir()
    folder = tmp_path / "old" / "new" / "dir"
    wk = connect(server)
    timers: list[threading.Timer] = []

    def progress(done: int, total: int | None) -> None:
        if done and not timers:
            timers.append(threading.Timer(0.3, _thread.interrupt_main))
            timers[0].start()

    with pytest.raises(KeyboardInterrupt):
        wk.annotations.download("Explorational", annotation_id, to=f"{folder}/", progress=progress)
    timers[0].join()
    assert list(tmp_path.rglob("*")) == [tmp_path / "old"]  # only what was there before


def test_a_sync_download_cut_for_good_removes_the_directories_it_created(
    server: ThreadedServer, wk: SyncClient, tmp_path: Path
) -> None:
    annotation_id = server.call(server.server.add_synthetic_annotation, 2 * MIB, "nml")
    server.call(server.server.faults.add, FaultKind.TRUNCATE, path=DOWNLOADS, after_bytes=100_000)
    with pytest.raises(IncompleteDownloadError):
        wk.annotations.download("Explorational", annotation_id, to=f"{tmp_path}/new/dir/")
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_while_reading_a_stream_closes_it(
    threaded: ServerFactory, connect: SyncFactory
) -> None:
    server = threaded()
    annotation_id = _slow_download(server, 64 * MIB)
    wk = connect(server, concurrency=1)
    timer = threading.Timer(0.3, _thread.interrupt_main)
    received = 0
    stream = wk.annotations.stream("Explorational", annotation_id)
    with pytest.raises(KeyboardInterrupt), stream as body:  # noqa: PT012
        timer.start()
        for chunk in body:
            received += len(chunk)
    timer.join()
    assert 0 < received < 64 * MIB
    # One request slot: the interrupted stream gave it back.
    assert wk.users.current().id == server.server.user_ids["admin"]


def test_uploads_and_tasks_from_files(
    server: ThreadedServer, wk: SyncClient, tmp_path: Path
) -> None:
    user_id = server.server.user_ids["user"]
    annotation = wk.users.annotations(user_id, limit=1).to_list()[0]
    sent: list[int] = []
    saved = wk.annotations.download(annotation.typ, annotation.id, to=tmp_path)
    uploaded = wk.annotations.upload([saved.path], progress=lambda done, total: sent.append(done))
    assert wk.annotations.info("Explorational", uploaded.annotation_id).id == uploaded.annotation_id
    assert sent[-1] > 0
    task_type = wk.task_types.list()[0]
    project = wk.projects.list()[0]
    report = wk.tasks.create_from_files(
        TaskFromFilesParams(task_type.id, project.name), [saved.path]
    )
    assert len(report.created) == 1


def test_create_many_creates_each_task_once_through_lost_answers(
    server: ThreadedServer, wk: SyncClient
) -> None:
    task_type = next(t for t in wk.task_types.list() if t.summary == "Trace axons")
    team = wk.teams.list()[0]
    project = wk.projects.create(
        name="sync_bulk", team=team.id, priority=1, expected_time=None, owner=wk.users.current().id
    )
    specs = [TaskSpec(task_type.id, "l4_sample", project.name, (i, 0, 0)) for i in range(250)]
    server.call(
        server.server.faults.add, FaultKind.PROCESS_THEN_DROP, method="POST", path="/tasks", times=1
    )
    progress: list[tuple[int, int | None]] = []
    report = wk.tasks.create_many(
        specs, batch_size=100, progress=lambda done, total: progress.append((done, total))
    )
    assert report.created == 250
    assert report.failed == 0
    on_server = [t for t in server.server.state.tasks.values() if t.project_id == project.id]
    assert len(on_server) == 250  # none twice, although an answer was lost
    assert progress[-1] == (250, 250)


def test_export_through_the_sync_client(
    server: ThreadedServer, wk: SyncClient, tmp_path: Path
) -> None:
    user_id = server.server.user_ids["user"]
    expected = {a.id for a in wk.users.annotations(user_id)} | {
        a.id for a in wk.users.tasks(user_id)
    }
    items: list[ExportItem] = []
    threads: set[threading.Thread] = set()

    def on_item(item: ExportItem) -> None:
        threads.add(threading.current_thread())
        items.append(item)

    report = wk.export.annotations(tmp_path / "out", user_id=user_id, on_item=on_item)
    assert report.failed == 0
    assert report.succeeded == len(expected) == len(items)
    assert {item.id for item in items} == expected
    assert threads == {wk._portal.thread}
    assert (tmp_path / "out" / "manifest.jsonl").is_file()
    assert part_files(tmp_path) == []
    again = wk.export.annotations(tmp_path / "out", user_id=user_id)
    assert again.skipped == len(expected)  # resume works the same
