"""What an export fetches: projects, task types, users, explicit ids, compound ZIPs; filters,
deduplication, per-item failures, and the layout of the destination."""

from __future__ import annotations

import logging
import zipfile
from pathlib import Path
from typing import NamedTuple

import anyio
import pytest

import wkapi
from tests.export.helpers import (
    ClientFactory,
    download_requests,
    files_under,
    latest_entries,
    sha256_of,
)
from tests.helpers import GENERATIONS
from wkapi._pagination import Pager
from wkapi.jobs import ExportReport, ExportStatus
from wkapi.testing import FakeWebknossos, FaultKind


def _project_with_work(
    server: FakeWebknossos, *, tasks: int = 12, instances: int = 1, finish: float = 0.5
) -> tuple[str, str, list[str]]:
    """A new project of ``tasks`` tasks, all assigned, ``finish`` of them finished."""
    task_type = server.add_task_type("export skeleton")
    project = server.add_project("export_project")
    dataset = next(iter(server.state.datasets))
    for index in range(tasks):
        server.add_task(
            project, task_type, dataset, instances=instances, edit_position=(index, 0, 0)
        )
    annotations = server.simulate_annotators(project, finish_fraction=finish, seed=3)
    return project, task_type, annotations


def _keys(report: ExportReport) -> list[tuple[str, str]]:
    return [(item.typ, item.id) for item in report.items]


def _assert_complete(server: FakeWebknossos, destination: Path, report: ExportReport) -> None:
    """Every item of the report is on disk, as the server sends it and as the manifest says."""
    entries = latest_entries(destination)
    for item in report.items:
        assert item.status is ExportStatus.OK, item
        assert item.path is not None
        assert item.path.parent == destination / item.typ / item.id
        assert sha256_of(item.path) == item.sha256 == server.expected_sha256(item.id)
        entry = entries[item.typ, item.id]
        assert entry["status"] == "ok"
        assert entry["path"] == f"{item.typ}/{item.id}/{item.path.name}"
        assert entry["size"] == item.size == item.path.stat().st_size
        assert entry["sha256"] == item.sha256


@pytest.mark.parametrize("release", GENERATIONS)
async def test_project_export_fetches_every_task_annotation_once(
    fake_wk_factory, connect: ClientFactory, tmp_path: Path, release: str | None
) -> None:
    server = await fake_wk_factory(release=release)
    project, _, annotations = _project_with_work(server, tasks=10, instances=2)
    cancelled = annotations[0]
    server.state.set_annotation_state(server.state.annotations[cancelled], "Cancelled")
    wk = connect(server)

    report = await wk.export.annotations(tmp_path, project_id=project, concurrency=4)

    expected = {("Task", a) for a in annotations if a != cancelled}
    assert sorted(_keys(report)) == sorted(expected)
    assert (report.succeeded, report.skipped, report.failed) == (19, 0, 0)
    assert report.ok
    assert report.bytes == sum(item.size or 0 for item in report.items)
    assert report.manifest_path == tmp_path / "manifest.jsonl"
    _assert_complete(server, tmp_path, report)
    assert len(files_under(tmp_path)) == 19


async def test_is_finished_filters_task_annotations(
    fake_wk, connect: ClientFactory, tmp_path: Path
) -> None:
    project, _, annotations = _project_with_work(fake_wk, tasks=10, finish=0.4)
    wk = connect(fake_wk)
    finished = {a for a in annotations if fake_wk.state.annotations[a].state == "Finished"}

    done = await wk.export.annotations(tmp_path / "done", project_id=project, is_finished=True)
    active = await wk.export.annotations(tmp_path / "active", project_id=project, is_finished=False)

    assert {item.id for item in done.items} == finished
    assert {item.id for item in active.items} == set(annotations) - finished
    assert len(finished) == 4


async def test_task_type_export(fake_wk, connect: ClientFactory, tmp_path: Path) -> None:
    _, task_type, annotations = _project_with_work(fake_wk, tasks=6)
    wk = connect(fake_wk)

    report = await wk.export.annotations(tmp_path, task_type_id=task_type)

    assert {item.id for item in report.items} == set(annotations)
    assert report.ok
    assert report.warnings == ()


async def test_user_export_takes_task_and_explorative_annotations(
    fake_wk, connect: ClientFactory, tmp_path: Path
) -> None:
    user = fake_wk.user_ids["user"]
    explorative = [fake_wk.add_annotation(owner_id=user, state=s) for s in ("Active", "Finished")]
    fake_wk.add_annotation(owner_id=user, state="Cancelled")
    state = fake_wk.state
    expected = {
        (a.typ, a.id)
        for a in state.annotations.values()
        if a.owner_id == user and a.state != "Cancelled" and a.typ in ("Task", "Explorational")
    }
    wk = connect(fake_wk)

    report = await wk.export.annotations(tmp_path, user_id=user)

    assert set(_keys(report)) == expected
    assert {("Explorational", a) for a in explorative} <= expected
    assert any(typ == "Task" for typ, _ in expected)
    _assert_complete(fake_wk, tmp_path, report)

    finished = await wk.export.annotations(tmp_path / "f", user_id=user, is_finished=True)
    assert {item.id for item in finished.items} == {
        a.id
        for a in state.annotations.values()
        if (a.typ, a.id) in expected and a.state == "Finished"
    }


async def test_overlapping_sources_are_fetched_once(
    fake_wk, connect: ClientFactory, tmp_path: Path
) -> None:
    project, _, annotations = _project_with_work(fake_wk, tasks=8)
    owner = fake_wk.state.annotations[annotations[0]].owner_id
    wk = connect(fake_wk)
    fake_wk.clear_requests()

    report = await wk.export.annotations(
        tmp_path,
        project_id=project,
        user_id=owner,
        annotation_ids=[("Task", annotations[0]), ("task", annotations[1])],
    )

    keys = _keys(report)
    assert len(keys) == len(set(keys))
    assert {("Task", a) for a in annotations} <= set(keys)
    assert sorted(download_requests(fake_wk)) == sorted(item.id for item in report.items)


async def test_failures_are_recorded_and_the_export_goes_on(
    fake_wk, connect: ClientFactory, tmp_path: Path
) -> None:
    good = [fake_wk.add_annotation(state="Finished") for _ in range(3)]
    view = fake_wk.add_annotation(typ="View")
    missing = "0" * 23 + "1"
    wk = connect(fake_wk)

    report = await wk.export.annotations(
        tmp_path, annotation_ids=[*good, missing, ("View", view)], concurrency=2
    )

    assert (report.succeeded, report.skipped, report.failed) == (3, 0, 2)
    assert not report.ok
    failures = {item.id: item for item in report.failures}
    assert set(failures) == {missing, view}
    assert "404" in (failures[missing].error or "")
    assert "View" in (failures[view].error or "")
    entries = latest_entries(tmp_path)
    assert entries["Explorational", missing]["status"] == "failed"
    assert entries["Explorational", missing]["error"] == failures[missing].error
    assert entries["View", view]["status"] == "failed"
    assert not (tmp_path / "Explorational" / missing).exists() or not any(
        (tmp_path / "Explorational" / missing).iterdir()
    )

    # The next run skips the good ones and tries the failed ones again.
    fake_wk.clear_requests()
    again = await wk.export.annotations(tmp_path, annotation_ids=[*good, missing, ("View", view)])
    assert (again.succeeded, again.skipped, again.failed) == (0, 3, 2)
    assert sorted(download_requests(fake_wk)) == sorted([missing, view])


async def test_compound_export(fake_wk, connect: ClientFactory, tmp_path: Path) -> None:
    project, task_type, annotations = _project_with_work(fake_wk, tasks=5, finish=0.6)
    finished = [a for a in annotations if fake_wk.state.annotations[a].state == "Finished"]
    wk = connect(fake_wk)

    report = await wk.export.compound(tmp_path, project_id=project, task_type_id=task_type)

    assert sorted(_keys(report)) == sorted(
        [("CompoundProject", project), ("CompoundTaskType", task_type)]
    )
    assert report.ok
    for item in report.items:
        assert item.path is not None
        assert item.path.parent == tmp_path / item.typ / item.id
        assert item.path.suffix == ".zip"
        with zipfile.ZipFile(item.path) as archive:
            assert len(archive.namelist()) == len(finished) == 3
    # Compound archives change as work is finished: they are fetched again every time.
    again = await wk.export.compound(tmp_path, project_id=project)
    assert (again.succeeded, again.skipped) == (1, 0)


async def test_compound_without_rights_fails_its_item(
    fake_wk, connect: ClientFactory, tmp_path: Path
) -> None:
    project, _, _ = _project_with_work(fake_wk, tasks=2)
    wk = connect(fake_wk, role="user")

    report = await wk.export.compound(tmp_path, project_id=project)

    assert report.failed == 1
    assert "403" in (report.items[0].error or "")


async def test_bad_arguments_send_nothing(fake_wk, connect: ClientFactory, tmp_path: Path) -> None:
    wk = connect(fake_wk)
    await wk.check_version()
    fake_wk.clear_requests()
    with pytest.raises(wkapi.InputError, match="project id"):
        await wk.export.annotations(tmp_path, project_id="not-an-id")
    with pytest.raises(wkapi.InputError, match="nothing to export"):
        await wk.export.annotations(tmp_path)
    with pytest.raises(wkapi.InputError, match="concurrency"):
        await wk.export.annotations(tmp_path, user_id=fake_wk.user_ids["user"], concurrency=0)
    with pytest.raises(wkapi.InputError, match="typ"):
        await wk.export.annotations(tmp_path, annotation_ids=[("Sketch", "a" * 24)])
    with pytest.raises(wkapi.InputError, match="list of ids"):
        await wk.export.annotations(tmp_path, annotation_ids="a" * 24)  # type: ignore[arg-type]
    with pytest.raises(wkapi.InputError, match="compound"):
        await wk.export.compound(tmp_path)
    (tmp_path / "file").write_text("x")
    with pytest.raises(wkapi.InputError, match="not a directory"):
        await wk.export.annotations(tmp_path / "file", user_id=fake_wk.user_ids["user"])
    assert fake_wk.requests == []


async def test_a_refused_token_stops_the_export(
    fake_wk, connect: ClientFactory, tmp_path: Path
) -> None:
    project, _, _ = _project_with_work(fake_wk, tasks=2)
    wk = connect(fake_wk, token="not-a-valid-token", check_version=False)
    with pytest.raises(wkapi.AuthenticationError):
        await wk.export.annotations(tmp_path, project_id=project)


async def test_progress_callbacks_see_every_item_and_byte(
    fake_wk, connect: ClientFactory, tmp_path: Path
) -> None:
    project, _, annotations = _project_with_work(fake_wk, tasks=9)
    wk = connect(fake_wk)
    counts: list[tuple[int, int | None]] = []
    byte_counts: list[int] = []
    settled: list[str] = []

    class Bytes:
        def update(self, done: int, total: int | None) -> None:
            assert total is None
            byte_counts.append(done)

    report = await wk.export.annotations(
        tmp_path,
        project_id=project,
        progress=lambda done, total: counts.append((done, total)),
        byte_progress=Bytes(),
        on_item=lambda item: settled.append(item.id),
    )

    assert counts[-1] == (9, 9)
    assert [done for done, _ in counts] == sorted(done for done, _ in counts)
    assert byte_counts[-1] == report.bytes > 0
    assert sorted(settled) == sorted(annotations)


async def test_client_limit_below_the_export_concurrency_is_logged_once(
    fake_wk, connect: ClientFactory, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    annotation = fake_wk.add_annotation(state="Finished")
    wk = connect(fake_wk, concurrency=4)
    with caplog.at_level(logging.WARNING, logger="wkapi"):
        await wk.export.annotations(tmp_path, annotation_ids=[annotation], concurrency=16)
        await wk.export.annotations(tmp_path, annotation_ids=[annotation], concurrency=16)
    warnings = [r.getMessage() for r in caplog.records if "client's limit" in r.getMessage()]
    assert len(warnings) == 1
    assert "16" in warnings[0]
    assert "4" in warnings[0]


async def test_a_task_whose_annotations_cannot_be_listed_is_reported(
    fake_wk, connect: ClientFactory, tmp_path: Path
) -> None:
    project, _, annotations = _project_with_work(fake_wk, tasks=5)
    broken_task = fake_wk.state.annotations[annotations[0]].task_id
    fake_wk.faults.add(
        FaultKind.STATUS, method="GET", path=f"/tasks/{broken_task}/annotations", status=403
    )
    wk = connect(fake_wk)

    report = await wk.export.annotations(tmp_path, project_id=project)

    assert {item.id for item in report.items} == set(annotations[1:])
    assert report.failed == 0
    assert len(report.listing_errors) == 1
    assert broken_task in report.listing_errors[0]
    assert "403" in report.listing_errors[0]
    assert not report.ok


class _CappedTaskType(NamedTuple):
    task_type: str
    big: str
    small: str
    annotations: list[str]


def _task_type_past_the_list_cap(server: FakeWebknossos) -> _CappedTaskType:
    """A task type with 1000 tasks in a big project (one of them annotated) and 3 annotated
    tasks in a small project, created last, so the capped task list misses them; a second
    task type's annotated task in the small project is no part of it."""
    task_type = server.add_task_type("many tasks")
    other_type = server.add_task_type("other tasks")
    big = server.add_project("big_project")
    small = server.add_project("small_project")
    dataset = next(iter(server.state.datasets))
    big_tasks = [
        server.add_task(big, task_type, dataset, edit_position=(index, 0, 0))
        for index in range(1000)
    ]
    late_tasks = [
        server.add_task(small, task_type, dataset, edit_position=(index, 1, 0))
        for index in range(3)
    ]
    other_task = server.add_task(small, other_type, dataset)
    annotated = [big_tasks[500], *late_tasks]
    wanted = [
        server.add_annotation(typ="Task", task_id=task, state="Finished") for task in annotated
    ]
    server.add_annotation(typ="Task", task_id=other_task, state="Finished")
    return _CappedTaskType(task_type, big, small, wanted)


def _task_annotation_lists(server: FakeWebknossos) -> list[str]:
    """The task ids of the ``GET /tasks/:id/annotations`` requests the server received."""
    routes = [r.route.strip("/").split("/") for r in server.requests if r.method == "GET"]
    return [p[1] for p in routes if len(p) == 3 and p[0] == "tasks" and p[2] == "annotations"]


async def test_a_task_type_past_the_servers_1000_task_cap_is_exported_completely(
    fake_wk, connect: ClientFactory, tmp_path: Path
) -> None:
    setup = _task_type_past_the_list_cap(fake_wk)
    wk = connect(fake_wk)

    report = await wk.export.annotations(tmp_path, task_type_id=setup.task_type)

    assert sorted(item.id for item in report.items) == sorted(setup.annotations)
    _assert_complete(fake_wk, tmp_path, report)
    assert report.ok
    assert report.listing_errors == ()
    # Each of the 1003 tasks had its annotations listed once, though most were found twice.
    listed = _task_annotation_lists(fake_wk)
    assert len(listed) == len(set(listed)) == 1003


@pytest.mark.parametrize("broken", ["/projects", "/projects/{big}/tasks"])
async def test_a_task_type_that_cannot_be_listed_completely_fails_the_export(
    fake_wk, connect: ClientFactory, tmp_path: Path, broken: str
) -> None:
    setup = _task_type_past_the_list_cap(fake_wk)
    path = broken.format(big=setup.big)
    fake_wk.faults.add(FaultKind.STATUS, method="GET", path=path, status=403)
    wk = connect(fake_wk)

    report = await wk.export.annotations(tmp_path, task_type_id=setup.task_type)

    assert not report.ok
    assert len(report.listing_errors) == 1
    problem = report.listing_errors[0]
    assert setup.task_type in problem
    assert "1000" in problem
    assert "403" in problem
    if "{big}" in broken:
        assert setup.big in problem
    # What could be listed was still exported.
    assert {item.id for item in report.items} >= set(setup.annotations[:1])
    assert report.failed == 0


async def test_the_default_concurrency_is_capped_by_the_client_limit_silently(
    fake_wk, connect: ClientFactory, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    annotation = fake_wk.add_annotation(state="Finished")
    wk = connect(fake_wk, concurrency=8)  # the client's default
    with caplog.at_level(logging.WARNING, logger="wkapi"):
        report = await wk.export.annotations(tmp_path, annotation_ids=[annotation])
    assert report.succeeded == 1
    assert [r.getMessage() for r in caplog.records if "client's limit" in r.getMessage()] == []


async def test_a_server_that_ignores_the_page_number_ends_the_walk_as_incomplete(
    fake_wk, connect: ClientFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup = _task_type_past_the_list_cap(fake_wk)
    first_page = Pager.page

    async def always_the_first_page(self: Pager[object], number: int) -> list[object]:
        return await first_page(self, 0)

    monkeypatch.setattr(Pager, "page", always_the_first_page)
    wk = connect(fake_wk)

    with anyio.fail_after(20):
        report = await wk.export.annotations(tmp_path, task_type_id=setup.task_type)

    assert not report.ok
    assert len(report.listing_errors) == 1
    assert "page 1 repeats tasks already listed" in report.listing_errors[0]
