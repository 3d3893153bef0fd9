"""The bulk job's safety nets: duplicates are reported loudly, a server that does not echo
creationInfo stops resends, and reconciliation reads only as far back as it must."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from tests.jobs.helpers import Lab
from wkapi import APIConnectionError, APITimeoutError, TaskCreationReport
from wkapi.testing import FaultKind


async def test_a_first_send_that_lands_after_the_lookup_is_reported_as_duplicates(
    lab: Lab, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The server keeps working on a batch after the client timed out, and commits it only after
    # reconciliation looked (and found nothing): the resend then creates every task again.
    post = lab.tasks._post_batch
    held: list[list[dict[str, Any]]] = []

    async def slow_server(bodies: list[dict[str, Any]]) -> TaskCreationReport:
        if not held and not lab.server_tasks():
            held.append(bodies)
            raise APITimeoutError("POST /tasks: timed out waiting for the server", method="POST")
        if held:
            await post(held.pop())  # the first send commits late
        return await post(bodies)

    monkeypatch.setattr(lab.tasks, "_post_batch", slow_server)

    report = await lab.tasks.create_many(lab.specs(5))

    assert report.created == 5
    assert report.resent == 5
    assert report.duplicates == 5
    assert not report.ok
    originals = {item.task.id for item in report.items if item.task}
    on_server = {t.id for t in lab.server_tasks()}
    assert set(report.duplicate_task_ids) == on_server - originals
    assert sum("DUPLICATE" in w for w in report.warnings) == 5
    assert "5 DUPLICATES" in report.summary()


async def test_lost_answers_are_not_resent_when_the_server_drops_creation_info(
    lab: Lab, monkeypatch: pytest.MonkeyPatch
) -> None:
    post = lab.tasks._post_batch
    calls = 0

    async def forgetful_server(bodies: list[dict[str, Any]]) -> TaskCreationReport:
        nonlocal calls
        calls += 1
        if calls == 1:
            answer = await post(bodies)
            results = tuple(
                attrs.evolve(r, task=attrs.evolve(r.task, creation_info=None))
                for r in answer.results
            )
            return attrs.evolve(answer, results=results)
        raise APIConnectionError("POST /tasks: connection reset", method="POST")

    monkeypatch.setattr(lab.tasks, "_post_batch", forgetful_server)

    report = await lab.tasks.create_many(lab.specs(10), batch_size=5, concurrency=1)

    assert [item.ok for item in report.items] == [True] * 5 + [False] * 5
    assert all("not sent again" in (f.error or "") for f in report.failures)
    assert any("without the creationInfo" in w for w in report.warnings)
    assert report.requests == 2


async def test_reconciliation_reads_back_only_to_the_lost_batch(lab: Lab) -> None:
    for i in range(3000):  # an old, busy project
        lab.server.add_task(lab.project_id, lab.skeleton, "l4_sample", edit_position=(i, 1, 1))
    lab.server.faults.add(FaultKind.PROCESS_THEN_DROP, method="POST", path="/tasks", times=1)

    report = await lab.tasks.create_many(lab.specs(100))

    assert report.ok
    assert report.reconciled == 100
    pages = [
        r.query for r in lab.server.requests if r.method == "GET" and r.route.endswith("/tasks")
    ]
    # the pre-flight's newest task, then the page with the new tasks and one wholly older page
    assert pages == [
        {"limit": "1", "pageNumber": "0"},
        {"limit": "1000", "pageNumber": "0"},
        {"limit": "1000", "pageNumber": "1"},
    ]


async def test_progress_objects_with_update_are_told_too(lab: Lab) -> None:
    class Bar:
        def __init__(self) -> None:
            self.last: tuple[int, int | None] | None = None

        def update(self, done: int, total: int | None) -> None:
            self.last = (done, total)

    bar = Bar()

    await lab.tasks.create_many(lab.specs(3), progress=bar)

    assert bar.last == (3, 3)
