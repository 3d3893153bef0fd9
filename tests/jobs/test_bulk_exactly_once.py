"""create_many against the fake server: lost answers, partial commits and refusals never create a
task twice or lose one, and every item's outcome lands against its input index."""

from __future__ import annotations

import pytest

from tests.jobs.helpers import OTHER_PROJECT, PROJECT, Lab, open_lab
from wkapi import AuthenticationError, Client
from wkapi.jobs import TaskInputError
from wkapi.testing import FaultKind


def assert_created_once(lab: Lab, count: int) -> None:
    markers = lab.markers_on_server()
    assert len(lab.server_tasks()) == count
    assert len(markers) == count
    assert set(markers.values()) == {1}


async def test_5000_tasks_with_a_fifth_of_answers_dropped_are_created_exactly_once(
    lab: Lab,
) -> None:
    rule = lab.server.faults.add(
        FaultKind.PROCESS_THEN_DROP, method="POST", path="/tasks", probability=0.2, seed=11
    )
    specs = lab.specs(5000)

    report = await lab.tasks.create_many(specs, batch_size=250)

    assert rule.hits >= 3  # the faults really fired (20 batches)
    assert_created_once(lab, 5000)
    assert report.ok
    assert report.created == 5000
    assert report.failed == 0
    assert report.reconciled == rule.hits * 250
    assert report.resent == 0  # processed before the drop: found, not sent again
    assert report.requests == 20 == lab.posts()
    assert [item.index for item in report.items] == list(range(5000))
    assert [item.task.edit_position[0] for item in report.items if item.task] == list(range(5000))
    server_ids = {t.id for t in lab.server_tasks()}
    assert {task.id for task in report.tasks} == server_ids


async def test_batches_dropped_before_processing_are_sent_again_once(lab: Lab) -> None:
    rule = lab.server.faults.add(
        FaultKind.DROP, method="POST", path="/tasks", probability=0.3, seed=3
    )

    report = await lab.tasks.create_many(lab.specs(1000), batch_size=100)

    assert rule.hits >= 2
    assert_created_once(lab, 1000)
    assert report.ok
    assert report.requests == lab.posts() == 10 + rule.hits  # one more send per drop
    lost_batches = {item.index // 100 for item in report.items if item.sends > 1}
    assert report.resent == 100 * len(lost_batches) > 0
    assert report.duplicates == 0


async def test_items_lost_on_every_attempt_fail_after_the_last_one(lab: Lab) -> None:
    lab.server.faults.add(FaultKind.DROP, method="POST", path="/tasks")

    report = await lab.tasks.create_many(lab.specs(20), batch_size=10)

    assert report.failed == 20
    assert report.requests == lab.posts() == 6  # 3 attempts per batch
    assert {f.sends for f in report.failures} == {3}
    assert all(f.error.startswith("not created after 3 attempts") for f in report.failures)
    assert lab.server_tasks() == []


@pytest.mark.parametrize(
    ("kind", "options", "created_by_first_send"),
    [
        pytest.param(
            FaultKind.STATUS, {"status": 502, "after_processing": True}, True, id="502-late"
        ),
        pytest.param(FaultKind.STATUS, {"status": 503}, False, id="503-early"),
        pytest.param(FaultKind.STATUS, {"status": 429, "retry_after": 0.01}, False, id="429"),
        pytest.param(FaultKind.HTML_ERROR, {"status": 504}, False, id="504-html"),
        pytest.param(FaultKind.INVALID_JSON, {"after_processing": True}, True, id="bad-json"),
    ],
)
async def test_lost_answers_are_reconciled_before_anything_is_sent_again(
    lab: Lab, kind: FaultKind, options: dict[str, object], created_by_first_send: bool
) -> None:
    lab.server.faults.add(kind, method="POST", path="/tasks", times=1, **options)

    report = await lab.tasks.create_many(lab.specs(300), batch_size=100, concurrency=1)

    assert_created_once(lab, 300)
    assert report.ok
    assert report.requests == lab.posts() == (3 if created_by_first_send else 4)
    assert report.reconciled == (100 if created_by_first_send else 0)
    assert report.resent == (0 if created_by_first_send else 100)


async def test_unknown_projects_and_task_types_fail_without_being_sent(lab: Lab) -> None:
    unknown_type = "0123456789abcdef01234567"
    specs = [
        *lab.specs(2),
        *lab.specs(1, start=2, project="no_such_project"),
        *lab.specs(1, start=3, task_type=unknown_type),
        *lab.specs(2, start=4),
    ]

    report = await lab.tasks.create_many(specs)

    assert [item.ok for item in report.items] == [True, True, False, False, True, True]
    project_failure, type_failure = report.failures
    assert project_failure.index == 2
    assert project_failure.status == 404
    assert "unknown project 'no_such_project'" in (project_failure.error or "")
    assert "Project could not be found" in (project_failure.error or "")
    assert type_failure.index == 3
    assert type_failure.status == 404
    assert f"unknown task type {unknown_type}" in (type_failure.error or "")
    assert project_failure.sends == type_failure.sends == 0
    assert report.requests == lab.posts() == 1
    assert sorted(t.edit_position[0] for t in lab.server_tasks()) == [0, 1, 4, 5]


async def test_a_batch_refused_whole_fails_with_the_servers_message(lab: Lab) -> None:
    specs = [
        *lab.specs(2),
        *lab.specs(2, start=2, dataset="no_such_dataset"),
        *lab.specs(1, start=4),
    ]

    report = await lab.tasks.create_many(specs)

    assert [f.index for f in report.failures] == [2, 3]
    assert all(f.status == 404 for f in report.failures)
    assert all("no_such_dataset" in (f.error or "") for f in report.failures)
    assert all(f.sends == 1 for f in report.failures)  # an error status is never resent
    assert report.requests == lab.posts() == 2
    assert len(lab.server_tasks()) == 3


async def test_items_the_server_refuses_one_by_one_are_reported_and_not_resent(lab: Lab) -> None:
    bad_script = "fedcba9876543210fedcba98"
    specs = lab.specs(6)
    specs[1] = lab.specs(1, start=1, script_id=bad_script)[0]
    specs[4] = lab.specs(1, start=4, script_id=bad_script)[0]

    report = await lab.tasks.create_many(specs)

    assert [f.index for f in report.failures] == [1, 4]
    assert all(f.status == 400 and f.error == "Script could not be found" for f in report.failures)
    assert all(f.sends == 1 for f in report.failures)
    assert report.requests == lab.posts() == 1
    assert report.created == 4
    assert len(lab.server_tasks()) == 4


async def test_a_partial_commit_400_is_reconciled_not_failed_whole(
    lab: Lab, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The other project is renamed between the pre-flight lookup and the POST: the server then
    # creates the batch's other items and answers 400 "Project could not be found".
    projects = lab.client.projects
    look_up = projects.by_name

    async def renamed_after_lookup(name: str):  # type: ignore[no-untyped-def]
        project = await look_up(name)
        if name == OTHER_PROJECT:
            lab.server.state.projects[project.id].name = "renamed_meanwhile"
        return project

    monkeypatch.setattr(projects, "by_name", renamed_after_lookup)
    specs = [*lab.specs(3), *lab.specs(2, start=3, project=OTHER_PROJECT), *lab.specs(3, start=5)]

    report = await lab.tasks.create_many(specs)

    assert report.requests == lab.posts() == 1
    assert [item.ok for item in report.items] == [True] * 3 + [False] * 2 + [True] * 3
    assert report.reconciled == 6
    assert report.resent == 0
    assert all(f.status == 400 for f in report.failures)
    assert all("Project could not be found" in (f.error or "") for f in report.failures)
    assert_created_once(lab, 6)


async def test_2500_skeleton_specs_go_out_as_3_requests(lab: Lab) -> None:
    report = await lab.tasks.create_many(lab.specs(2500))

    assert report.ok
    assert report.requests == lab.posts() == 3
    assert len(lab.server_tasks()) == 2500


@pytest.mark.parametrize("kind", ["volume", "hybrid"])
async def test_250_volume_or_hybrid_specs_go_out_as_3_requests(lab: Lab, kind: str) -> None:
    task_type = lab.volume if kind == "volume" else lab.hybrid

    report = await lab.tasks.create_many(lab.specs(250, task_type=task_type))

    assert report.ok
    assert report.requests == lab.posts() == 3


async def test_batches_never_mix_datasets_or_throttle_skeleton_items(lab: Lab) -> None:
    specs = []
    for i in range(600):  # interleaved: dataset A/B, and every third item a volume task
        dataset = "l4_sample" if i % 2 else "2012-06-28_Cortex"
        task_type = lab.volume if i % 3 == 0 else lab.skeleton
        specs += lab.specs(1, start=i, dataset=dataset, task_type=task_type)

    report = await lab.tasks.create_many(specs)

    # skeleton: 200 per dataset -> 1 request each; volume: 100 per dataset -> 1 request each
    assert report.ok
    assert report.requests == lab.posts() == 4
    assert [item.task.edit_position[0] for item in report.items if item.task] == list(range(600))


async def test_the_callers_word_on_volume_types_skips_lookups(lab: Lab) -> None:
    specs = [*lab.specs(150, task_type=lab.volume), *lab.specs(10, start=150)]

    report = await lab.tasks.create_many(specs, volume_task_types=[lab.volume])

    assert report.ok
    assert report.requests == 3  # volume 100 + 50, skeleton 10
    assert not [r for r in lab.server.requests if r.route.startswith("/taskTypes")]


async def test_a_wrong_word_on_volume_types_is_split_to_the_servers_limit(lab: Lab) -> None:
    report = await lab.tasks.create_many(lab.specs(250, task_type=lab.volume), volume_task_types=())

    assert report.ok
    assert_created_once(lab, 250)
    assert report.requests == 4  # 250 refused whole, then 100 + 100 + 50


async def test_an_unknown_task_type_taken_on_word_fails_only_its_own_items(lab: Lab) -> None:
    unknown_type = "0123456789abcdef01234567"
    specs = [*lab.specs(3), *lab.specs(2, start=3, task_type=unknown_type), *lab.specs(1, start=5)]

    report = await lab.tasks.create_many(specs, volume_task_types=[])

    assert [f.index for f in report.failures] == [3, 4]
    assert all(f.status == 404 for f in report.failures)
    assert all("Task type could not be found" in (f.error or "") for f in report.failures)
    assert len(lab.server_tasks()) == 4


async def test_the_users_creation_info_stays_readable_and_the_spec_is_returned_unmarked(
    lab: Lab,
) -> None:
    specs = [*lab.specs(1, creation_info="from sheet 3"), *lab.specs(1, start=1)]

    report = await lab.tasks.create_many(specs)

    first, second = report.items
    assert first.marker == f"[wkapi:{report.run_id}:0]"
    assert first.task is not None
    assert second.task is not None
    assert first.task.creation_info == f"from sheet 3 {first.marker}"
    assert second.task.creation_info == second.marker
    assert first.spec == specs[0]  # as given, ready to be sent again
    assert first.status == 200


async def test_progress_counts_settled_items_up_to_the_total(lab: Lab) -> None:
    seen: list[tuple[int, int | None]] = []
    specs = [*lab.specs(250), *lab.specs(1, project="no_such_project")]

    await lab.tasks.create_many(specs, batch_size=100, progress=lambda d, t: seen.append((d, t)))

    assert seen[0] == (1, 251)  # the refused row, settled before anything is sent
    assert seen[-1] == (251, 251)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


async def test_a_failing_lookup_after_a_lost_answer_reports_the_outcome_as_unknown(
    lab: Lab,
) -> None:
    lab.server.faults.add(FaultKind.DROP, method="POST", path="/tasks", times=1)

    calls = 0

    def progress(done: int, total: int | None) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:  # after the pre-flight: every task list now fails
            lab.server.faults.add(
                FaultKind.STATUS, method="GET", path="/projects/*/tasks", status=500
            )

    report = await lab.tasks.create_many(lab.specs(5), progress=progress)

    assert report.failed == 5
    assert all(f.status is None for f in report.failures)
    assert all("outcome unknown" in (f.error or "") for f in report.failures)
    assert report.requests == 1  # never sent again without knowing


async def test_nothing_is_sent_when_the_token_is_refused(lab: Lab) -> None:
    async with Client(lab.server.url, "not-a-token", strict_models=True) as stranger:
        with pytest.raises(AuthenticationError):
            await stranger.tasks.create_many(lab.specs(3))
    assert lab.posts() == 0


async def test_no_specs_make_an_empty_report_without_requests(lab: Lab) -> None:
    report = await lab.tasks.create_many([])

    assert report.items == ()
    assert report.ok
    assert lab.server.requests == []


async def test_old_generation_servers_create_with_open_instances() -> None:
    async with open_lab(release="23.08") as lab:
        lab.server.faults.add(FaultKind.PROCESS_THEN_DROP, method="POST", path="/tasks", times=1)

        report = await lab.tasks.create_many(lab.specs(150, open_instances=2), batch_size=50)

        assert report.ok
        assert_created_once(lab, 150)
        assert {t.instances for t in lab.server_tasks()} == {2}


async def test_mappings_are_checked_before_anything_is_sent(lab: Lab) -> None:
    rows = [
        {
            "taskTypeId": lab.skeleton,
            "dataSet": "l4_sample",
            "projectName": PROJECT,
            "x": 1,
            "y": 2,
            "z": 3,
        },
        {"taskTypeId": lab.skeleton, "dataSet": "l4_sample", "projectName": PROJECT},
    ]

    with pytest.raises(TaskInputError) as caught:
        await lab.tasks.create_many(rows)

    assert caught.value.problems == [(1, "edit_position is missing")]
    assert lab.server.requests == []
