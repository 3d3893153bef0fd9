"""Issue 15's bulk creation items: nothing raised once batches went out, integers past the
server's range refused before, and a server that dies mid-run given up on in time."""

from __future__ import annotations

import asyncio
import socket
import time
from typing import Any

import attrs
import pytest

import wkapi
from tests.jobs.helpers import DATASET, PROJECT, Lab, open_lab
from wkapi import Client, RetryPolicy
from wkapi.models import TaskSpec
from wkapi.testing import FakeWebknossos


async def test_an_unexpected_exception_in_a_batch_becomes_failures_of_its_items(
    lab: Lab, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_post = lab.tasks._post_batch
    calls = 0

    async def second_batch_breaks(bodies: list[Any]) -> Any:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("a bug in the batch")
        return await real_post(bodies)

    monkeypatch.setattr(lab.tasks, "_post_batch", second_batch_breaks)
    specs = lab.specs(30)

    report = await lab.tasks.create_many(specs, batch_size=10, concurrency=1)

    assert report.created == 20
    assert report.failed == 10
    failures = report.failures
    assert [item.index for item in failures] == list(range(10, 20))
    for item in failures:
        assert "unexpected error: RuntimeError: a bug in the batch" in (item.error or "")
        # Its send had begun: whether it reached the server is unknown, and resuming tells.
        assert item.error is not None
        assert item.error.startswith("outcome unknown")
        assert f"run_id={report.run_id!r}" in item.error
    # Resuming with the run id creates exactly the missing ones.
    monkeypatch.setattr(lab.tasks, "_post_batch", real_post)
    again = await lab.tasks.create_many(specs, batch_size=10, run_id=report.run_id)
    assert again.ok
    assert again.resumed == 20
    assert again.created == 30
    assert set(lab.markers_on_server().values()) == {1}
    assert len(lab.markers_on_server()) == 30


async def test_a_failing_progress_callback_is_a_warning_not_a_raise(lab: Lab) -> None:
    def progress(done: int, total: int | None) -> None:
        if done:
            raise ValueError("progress display broke")

    report = await lab.tasks.create_many(lab.specs(25), batch_size=10, progress=progress)

    assert report.ok
    assert report.created == 25
    assert any("progress callback raised ValueError" in w for w in report.warnings)


async def test_an_integer_past_the_servers_range_is_refused_before_sending(lab: Lab) -> None:
    good = lab.specs(2)
    rows = [
        *({"task_type_id": s.task_type_id, "dataset": DATASET, "project_name": PROJECT,
           "edit_position": list(s.edit_position)} for s in good),
        {"task_type_id": lab.skeleton, "dataset": DATASET, "project_name": PROJECT,
         "edit_position": [1, 2, 10**20]},
    ]  # fmt: skip
    lab.server.clear_requests()

    with pytest.raises(wkapi.TaskInputError) as caught:
        await lab.tasks.create_many(rows)

    assert caught.value.problems[0][0] == 2
    assert "edit_position must be three ints >= -2147483648 and <= 2147483647" in str(caught.value)
    assert lab.server.requests == []


# -- a server that dies mid-run ------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_a_dead_server_is_given_up_on_in_time_and_the_run_resumes_later() -> None:
    """Over real sockets: the server stops after the first batches; the run stops about
    ``give_up_after`` later, refused sends count as none, and the run id resumes it."""
    server = FakeWebknossos(port=_free_port(), latency=0.02)
    await server.start()
    give_up_after = 1.5
    retry = attrs.evolve(RetryPolicy.for_tests(), give_up_after=give_up_after)
    try:
        task_type = server.add_task_type("dead server skeleton")
        server.add_project(PROJECT)
        specs = [TaskSpec(task_type, DATASET, PROJECT, (i, 0, 0)) for i in range(400)]
        stopping: list[asyncio.Task[None]] = []
        stopped_at: list[float] = []

        async def stop() -> None:
            await server.stop()
            stopped_at.append(time.perf_counter())

        def progress(done: int, total: int | None) -> None:
            if done >= 40 and not stopping:
                stopping.append(asyncio.get_running_loop().create_task(stop()))

        async with Client(server.url, server.tokens["admin"], retry=retry) as wk:
            report = await wk.tasks.create_many(
                specs, batch_size=20, concurrency=2, progress=progress
            )
            ended = time.perf_counter()
        await asyncio.gather(*stopping)

        took = ended - stopped_at[0]
        assert give_up_after - 0.2 <= took < give_up_after + 3, took
        assert report.unreachable
        assert not report.ok
        assert report.resent == 0  # refused connections are no lost answers
        assert 40 <= report.created < 400
        assert report.not_sent > 0
        # Only sends that reached the server count: those it answered, and at most one in
        # flight per worker when it stopped; none of the refused ones.
        answered = sum(1 for r in server.requests if r.route == "/tasks" and r.method == "POST")
        assert answered <= report.requests <= answered + 2
        for item in report.failures:
            assert item.error is not None
            if not item.sent:
                assert item.sends == 0
                assert item.error.startswith("not sent: the server is unreachable")
            else:
                assert item.error.startswith("outcome unknown")
        assert any("became unreachable" in warning for warning in report.warnings)
        assert "the server became unreachable" in report.summary()

        await server.start()  # back, same port and state: the run id resumes the run
        async with Client(server.url, server.tokens["admin"], retry=retry) as wk:
            again = await wk.tasks.create_many(specs, batch_size=50, run_id=report.run_id)
        assert again.ok
        assert again.created == 400
        assert again.resumed >= report.created
        per_position = {tuple(t.edit_position) for t in server.state.tasks.values()
                        if t.creation_info and report.run_id in t.creation_info}  # fmt: skip
        assert len(per_position) == 400
        created = [t for t in server.state.tasks.values()
                   if t.creation_info and report.run_id in t.creation_info]  # fmt: skip
        assert len(created) == 400  # none twice
    finally:
        await server.stop()


async def test_a_server_that_restarts_within_give_up_after_fails_nothing() -> None:
    port = _free_port()
    server = FakeWebknossos(port=port, latency=0.01)
    await server.start()
    retry = attrs.evolve(RetryPolicy.for_tests(), give_up_after=10.0)
    try:
        task_type = server.add_task_type("restart skeleton")
        server.add_project(PROJECT)
        specs = [TaskSpec(task_type, DATASET, PROJECT, (i, 0, 0)) for i in range(200)]
        events: list[asyncio.Task[None]] = []

        async def restart() -> None:
            await server.stop()
            await asyncio.sleep(1.0)  # longer than the client's own retries of one request
            await server.start()

        def progress(done: int, total: int | None) -> None:
            if done >= 20 and not events:
                events.append(asyncio.get_running_loop().create_task(restart()))

        async with Client(server.url, server.tokens["admin"], retry=retry) as wk:
            report = await wk.tasks.create_many(
                specs, batch_size=10, concurrency=2, progress=progress
            )
        await asyncio.gather(*events)

        assert not report.unreachable
        failed_sent = [item for item in report.failures if item.sent]
        # Batches cut by the stop are reconciled; none that was refused fails.
        assert all(item.sent for item in report.failures), report.failures
        assert report.created + len(failed_sent) == 200
        assert report.resent == sum(1 for item in report.items if item.sends > 1)
    finally:
        await server.stop()


async def test_refused_connections_from_the_start_count_as_no_sends() -> None:
    """The lookups answered, then every POST refused: "not sent", never "resent"."""
    async with open_lab() as lab:
        retry = attrs.evolve(RetryPolicy.for_tests(), give_up_after=0.5)
        refused_url = f"http://127.0.0.1:{_free_port()}"
        async with Client(refused_url, lab.server.tokens["admin"], retry=retry,
                          check_version=False) as dead:  # fmt: skip
            # The pre-flight against the live server, the batches against a closed port.
            run = dead.tasks
            run._task_types = lab.client.task_types
            run._projects = lab.client.projects
            started = time.perf_counter()
            report = await run.create_many(lab.specs(50), batch_size=10)
            took = time.perf_counter() - started
        assert report.unreachable
        assert report.requests == 0
        assert report.resent == 0
        assert report.not_sent == 50
        assert all(item.sends == 0 for item in report.items)
        assert took < 5
