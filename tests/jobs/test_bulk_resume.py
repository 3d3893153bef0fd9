"""Resuming a bulk creation by its run id: an interrupted job run again creates nothing twice."""

from __future__ import annotations

import asyncio
import logging

import pytest

from tests.jobs.helpers import OTHER_PROJECT, PROJECT, Lab
from wkapi import InputError
from wkapi.jobs import new_run_id
from wkapi.testing import FaultKind


async def test_resuming_sends_only_what_the_earlier_run_did_not_create(lab: Lab) -> None:
    run_id = new_run_id()
    specs = lab.specs(1000)
    # The earlier run got through the first 600 items before it was killed.
    first = await lab.tasks.create_many(specs[:600], batch_size=200, run_id=run_id, resume=False)
    assert first.created == 600
    posts_before = lab.posts()

    report = await lab.tasks.create_many(specs, batch_size=200, run_id=run_id)

    assert report.ok
    assert report.run_id == run_id
    assert report.created == 1000
    assert report.resumed == 600
    assert lab.posts() - posts_before == report.requests == 2  # only items 600..999 went out
    assert [item.sends for item in report.items] == [0] * 600 + [1] * 400
    assert [item.task.id for item in report.items[:600] if item.task] == [
        item.task.id for item in first.items if item.task
    ]
    assert len(lab.server_tasks()) == 1000
    assert set(lab.markers_on_server().values()) == {1}
    assert "600 from run" in report.summary()


async def test_a_run_cancelled_midway_resumes_from_its_logged_run_id(
    lab: Lab, caplog: pytest.LogCaptureFixture
) -> None:
    lab.server.faults.add(FaultKind.LATENCY, method="POST", path="/tasks", delay=0.05)
    specs = lab.specs(2000)
    caplog.set_level(logging.INFO, logger="wkapi")

    job = asyncio.ensure_future(lab.tasks.create_many(specs, batch_size=100, concurrency=2))
    while len(lab.server_tasks()) < 300:
        await asyncio.sleep(0.01)
    job.cancel()
    with pytest.raises(asyncio.CancelledError):
        await job
    await asyncio.sleep(0.2)  # batches the server had begun still commit after the cut
    created_before = len(lab.server_tasks())
    assert 300 <= created_before < 2000
    logged = [r.getMessage() for r in caplog.records if "bulk task creation run" in r.getMessage()]
    assert len(logged) == 1
    run_id = logged[0].split("run_id=")[1].strip("')")

    report = await lab.tasks.create_many(specs, batch_size=100, concurrency=2, run_id=run_id)

    assert report.ok
    assert report.resumed == created_before
    assert report.created == 2000
    assert len(lab.server_tasks()) == 2000
    assert set(lab.markers_on_server().values()) == {1}
    positions = sorted(t.edit_position[0] for t in lab.server_tasks())
    assert positions == list(range(2000))


async def test_an_item_whose_input_changed_since_the_earlier_run_fails_unsent(lab: Lab) -> None:
    run_id = new_run_id()
    await lab.tasks.create_many(lab.specs(10), run_id=run_id, resume=False)
    changed = lab.specs(10)
    changed[3] = lab.specs(1, start=500)[0]  # row 3 edited between the runs

    report = await lab.tasks.create_many(changed, run_id=run_id)

    assert report.resumed == 9
    assert report.requests == 0
    [failure] = report.failures
    assert failure.index == 3
    assert failure.sends == 0
    assert "input changed" in (failure.error or "")
    assert "edit position is [3, 0, 0], not [500, 0, 0]" in (failure.error or "")
    assert len(lab.server_tasks()) == 10


async def test_tasks_of_another_run_are_not_taken_for_this_one(lab: Lab) -> None:
    await lab.tasks.create_many(lab.specs(5))

    report = await lab.tasks.create_many(lab.specs(5), run_id=new_run_id())

    assert report.resumed == 0
    assert report.created == 5
    assert len(lab.server_tasks()) == 10


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"run_id": "3F2A9C01B4DE"}, "run_id must be 12 lowercase hex"),
        ({"run_id": "abc"}, "run_id must be 12 lowercase hex"),
        ({"resume": True}, "resume=True needs the run_id"),
    ],
)
async def test_bad_resume_arguments_are_refused_before_sending(
    lab: Lab, options: dict[str, object], message: str
) -> None:
    before = len(lab.server.requests)

    with pytest.raises(InputError, match=message):
        await lab.tasks.create_many(lab.specs(3), **options)  # type: ignore[arg-type]

    assert lab.server.requests[before:] == []


async def test_a_batch_the_earlier_run_still_had_in_flight_is_reported_as_duplicated(
    lab: Lab,
) -> None:
    # The earlier run is still being served when the resume looks (the server finishes a
    # request whose client is gone): its batch lands after the resume scan, so both runs create
    # the 100 tasks. Nothing can prevent that; the resumed run looks again at the end and says so.
    lab.server.faults.add(FaultKind.LATENCY, method="POST", path="/tasks", delay=0.3, times=1)
    lab.server.faults.add(FaultKind.LATENCY, method="POST", path="/tasks", delay=0.6, times=1)
    run_id = new_run_id()
    specs = lab.specs(100)
    earlier = asyncio.ensure_future(lab.tasks.create_many(specs, run_id=run_id, resume=False))
    while lab.posts() < 1:
        await asyncio.sleep(0.005)

    report = await lab.tasks.create_many(specs, run_id=run_id)
    await earlier

    assert len(lab.server_tasks()) == 200  # what the server holds: every row twice
    assert report.resumed == 0
    assert report.created == 100
    assert not report.ok
    assert len(report.duplicate_task_ids) == 100
    own = {item.task.id for item in report.items if item.task}
    assert not own & set(report.duplicate_task_ids)
    assert {t.id for t in lab.server_tasks()} == own | set(report.duplicate_task_ids)
    assert sum("DUPLICATE" in warning for warning in report.warnings) == 100


async def test_a_changed_row_stays_failed_when_a_later_lookup_meets_its_earlier_task(
    lab: Lab,
) -> None:
    run_id = new_run_id()
    await lab.tasks.create_many(lab.specs(10), run_id=run_id, resume=False)
    changed = lab.specs(12)  # two rows added at the end...
    changed[3] = lab.specs(1, start=500)[0]  # ...and row 3 edited
    # The new rows' answer is lost: the lookup that follows sees row 3's earlier task too.
    lab.server.faults.add(FaultKind.PROCESS_THEN_DROP, method="POST", path="/tasks", times=1)

    report = await lab.tasks.create_many(changed, run_id=run_id)

    assert (report.created, report.resumed, report.reconciled) == (11, 9, 2)
    [failure] = report.failures
    assert failure.index == 3
    assert failure.task is None
    assert "input changed" in (failure.error or "")
    assert not report.ok
    assert len(lab.server_tasks()) == 12


async def test_a_resume_with_fewer_rows_than_the_earlier_run_settles_every_row(
    lab: Lab,
) -> None:
    run_id = new_run_id()
    earlier = lab.specs(10)
    earlier[2] = lab.specs(1, start=2, project="no_such_project")[0]
    first = await lab.tasks.create_many(earlier, run_id=run_id, resume=False)
    assert [item.index for item in first.failures] == [2]
    # Resumed with the first five rows (row 2 fixed); its answer is lost, and the lookup that
    # follows meets markers of rows 5..9, which this input does not have.
    lab.server.faults.add(FaultKind.PROCESS_THEN_DROP, method="POST", path="/tasks", times=1)

    report = await lab.tasks.create_many(lab.specs(5), run_id=run_id)

    assert report.ok
    assert (report.created, report.resumed, report.reconciled) == (5, 4, 1)
    assert report.items[2].task is not None
    assert report.items[2].task.edit_position == (2, 0, 0)
    assert len(lab.server_tasks()) == 10


async def test_a_row_moved_to_another_project_since_the_earlier_run_fails_unsent(
    lab: Lab,
) -> None:
    run_id = new_run_id()
    await lab.tasks.create_many(lab.specs(4), run_id=run_id, resume=False)
    moved = lab.specs(4)
    moved[3] = lab.specs(1, start=3, project=OTHER_PROJECT)[0]

    report = await lab.tasks.create_many(moved, run_id=run_id)

    assert report.resumed == 3
    assert report.requests == 0
    [failure] = report.failures
    assert failure.index == 3
    assert f"its project is {PROJECT!r}, not {OTHER_PROJECT!r}" in (failure.error or "")
    assert lab.server_tasks(lab.other_project_id) == []
