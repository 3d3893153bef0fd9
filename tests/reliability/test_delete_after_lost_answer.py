"""A DELETE whose answer was lost after it took effect: the resend's 404 means "done"."""

from __future__ import annotations

import pytest

import wkapi
from tests.reliability.helpers import client
from wkapi.testing import FakeWebknossos, FaultKind


def _task(server: FakeWebknossos) -> str:
    task_type = server.add_task_type("delete skeleton")
    project = server.add_project("delete_project")
    return server.add_task(project, task_type, "l4_sample")


@pytest.mark.parametrize(
    ("kind", "options"),
    [
        # aiohttp resends the DELETE itself on the cut connection, inside one attempt.
        (FaultKind.PROCESS_THEN_DROP, {}),
        # The body is cut short: the client's own retry sends it again.
        (FaultKind.TRUNCATE, {"after_bytes": 5, "after_processing": True}),
    ],
)
async def test_a_delete_that_took_effect_before_its_answer_was_lost_succeeds(
    fake_wk: FakeWebknossos, kind: FaultKind, options: dict[str, object]
) -> None:
    task_id = _task(fake_wk)
    fake_wk.faults.add(kind, method="DELETE", path="/tasks/*", times=1, **options)

    async with client(fake_wk) as wk:
        messages = await wk.tasks.delete(task_id)

    assert messages == ()
    assert task_id not in fake_wk.state.tasks
    deletes = [r for r in fake_wk.requests if r.method == "DELETE"]
    assert len(deletes) == 2
    assert deletes[-1].status == 404  # the resend found it gone


async def test_deleting_what_never_existed_is_still_not_found(fake_wk: FakeWebknossos) -> None:
    async with client(fake_wk) as wk:
        with pytest.raises(wkapi.NotFoundError) as caught:
            await wk.tasks.delete("5f00000000000000000000ff")
    assert caught.value.earlier_attempt_unanswered is False
    assert [r.status for r in fake_wk.requests if r.method == "DELETE"] == [404]


async def test_a_later_plain_404_carries_no_lost_answer_flag(
    fake_wk: FakeWebknossos,
) -> None:
    task_id = _task(fake_wk)
    fake_wk.faults.add(FaultKind.PROCESS_THEN_DROP, method="DELETE", path="/tasks/*", times=1)
    async with client(fake_wk) as wk:
        await wk.tasks.delete(task_id)
        with pytest.raises(wkapi.NotFoundError) as caught:
            await wk.tasks.get(task_id)  # a plain 404: no lost answer before it
    assert caught.value.earlier_attempt_unanswered is False
