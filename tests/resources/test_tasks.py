"""``wk.tasks``, ``wk.task_types`` and ``wk.tokens`` against the fake server, both generations."""

from __future__ import annotations

import pytest

from tests.resources.helpers import ClientFactory
from wkapi import BadRequestError, Client, InputError, NotFoundError, PermissionDeniedError
from wkapi.models import AnnotationType, TaskSpec, TracingType
from wkapi.testing import FakeWebknossos

MISSING_ID = "0123456789abcdef01234567"


def ids_of(server: FakeWebknossos) -> tuple[str, str, str]:
    """The seeded skeleton task type, the alpha project's id and its first task."""
    task_type = next(t.id for t in server.state.task_types.values() if t.summary == "Trace axons")
    project = server.state.project_by_name("seed_project_alpha")
    assert project is not None
    task = server.state.tasks_by_project[project.id][0]
    return task_type, project.id, task


def spec(task_type_id: str, **options: object) -> TaskSpec:
    return TaskSpec(task_type_id, "l4_sample", "seed_project_alpha", (10, 20, 30), **options)  # type: ignore[arg-type]


async def test_create_reports_each_task(server: FakeWebknossos, wk: Client) -> None:
    task_type, project_id, _ = ids_of(server)
    report = await wk.tasks.create(
        [
            spec(task_type, open_instances=3, creation_info="job-1/0"),
            {
                "task_type_id": task_type,
                "dataset": "l4_sample",
                "project_name": "seed_project_alpha",
                "edit_position": "1,2,3",
                "creation_info": "job-1/1",
            },
        ]
    )
    assert report.ok
    first, second = report.created
    assert first.status.pending == 3
    assert (first.status.active, first.status.finished) == (0, 0)
    assert first.dataset_name == "l4_sample"
    assert first.project_id == project_id
    assert first.type.id == task_type
    assert first.creation_info == "job-1/0"
    assert second.edit_position == (1, 2, 3)
    assert server.state.tasks[second.id].creation_info == "job-1/1"


async def test_create_reports_refused_items_in_order(server: FakeWebknossos, wk: Client) -> None:
    task_type, _, _ = ids_of(server)
    report = await wk.tasks.create([spec(task_type), spec(task_type, script_id=MISSING_ID)])
    assert not report.ok
    assert len(report.created) == 1
    (failed,) = report.failed
    assert failed.status == 400
    assert failed.error == "Script could not be found"
    assert report.results[1] is failed


async def test_create_fails_whole_on_an_unknown_project(server: FakeWebknossos, wk: Client) -> None:
    task_type, _, _ = ids_of(server)
    bad = TaskSpec(task_type, "l4_sample", "no_such_project", (0, 0, 0))
    with pytest.raises(BadRequestError) as caught:
        await wk.tasks.create([spec(task_type), bad])
    assert caught.value.messages == ["Project could not be found"]


async def test_create_fails_whole_on_an_unknown_dataset(server: FakeWebknossos, wk: Client) -> None:
    task_type, _, _ = ids_of(server)
    with pytest.raises(NotFoundError) as caught:
        await wk.tasks.create([TaskSpec(task_type, "nope", "seed_project_alpha", (0, 0, 0))])
    assert caught.value.messages == ["Dataset nope does not exist or could not be accessed"]


async def test_create_checks_its_input_before_sending(server: FakeWebknossos, wk: Client) -> None:
    task_type, _, _ = ids_of(server)
    with pytest.raises(InputError, match="at least one task"):
        await wk.tasks.create([])
    with pytest.raises(InputError, match="at most 1000"):
        await wk.tasks.create([spec(task_type)] * 1001)
    with pytest.raises(InputError, match="edit_position"):
        await wk.tasks.create([{"task_type_id": task_type, "dataset": "d", "project_name": "p"}])
    with pytest.raises(InputError, match="TaskSpec or a mapping"):
        await wk.tasks.create(["task"])  # type: ignore[list-item]
    assert server.requests == []


async def test_get_list_and_annotations(server: FakeWebknossos, wk: Client) -> None:
    task_type, project_id, task_id = ids_of(server)
    task = await wk.tasks.get(task_id)
    assert task.id == task_id
    assert task.project_name == "seed_project_alpha"
    assert task.status.total == 2
    assert task.dataset_name == "l4_sample"

    in_project = await wk.tasks.list(project=project_id)
    assert {t.id for t in in_project} == set(server.state.tasks_by_project[project_id])
    assert [t.id for t in await wk.tasks.list(ids=[task_id])] == [task_id]
    by_type = await wk.tasks.list(task_type=task_type)
    assert by_type
    assert all(t.type.id == task_type for t in by_type)
    worked_on = await wk.tasks.list(user=server.user_ids["user"])
    assert task_id in {t.id for t in worked_on}
    assert len(await wk.tasks.list(project=project_id, random=True)) == len(in_project)

    annotations = await wk.tasks.annotations(task_id)
    assert len(annotations) == 2
    assert all(a.typ == AnnotationType.TASK for a in annotations)
    assert all(a.task is not None and a.task.id == task_id for a in annotations)


async def test_unknown_task_is_not_found(wk: Client) -> None:
    with pytest.raises(NotFoundError) as caught:
        await wk.tasks.get(MISSING_ID)
    assert caught.value.messages == ["Task could not be found"]


async def test_update_changes_only_the_instance_count(server: FakeWebknossos, wk: Client) -> None:
    _, _, task_id = ids_of(server)
    before = await wk.tasks.get(task_id)
    updated = await wk.tasks.update(task_id, before.status.pending + 4)
    assert updated.status.pending == before.status.pending + 4
    assert updated.status.active == before.status.active
    assert updated.edit_position == before.edit_position
    assert [m.kind for m in updated.messages] == ["success"]
    assert (await wk.tasks.get(task_id)).status.pending == before.status.pending + 4
    assert (await wk.tasks.update(task_id, 0)).status.pending == 0
    with pytest.raises(InputError, match="open_instances"):
        await wk.tasks.update(task_id, -1)


async def test_assign_gives_an_instance_to_a_user(server: FakeWebknossos, wk: Client) -> None:
    task_type, _, _ = ids_of(server)
    (task,) = (await wk.tasks.create([spec(task_type, open_instances=2)])).created
    assignee = server.user_ids["user"]
    assigned = await wk.tasks.assign(task.id, assignee)
    assert assigned.id == task.id
    assert (assigned.status.pending, assigned.status.active) == (1, 1)
    (annotation,) = await wk.tasks.annotations(task.id)
    assert annotation.owner is not None
    assert annotation.owner.id == assignee
    with pytest.raises(BadRequestError) as caught:
        await wk.tasks.assign(task.id, assignee)
    assert caught.value.messages == ["The user already has an annotation of this task"]


async def test_delete(server: FakeWebknossos, wk: Client) -> None:
    task_type, _, _ = ids_of(server)
    (task,) = (await wk.tasks.create([spec(task_type)])).created
    messages = await wk.tasks.delete(task.id)
    assert [(m.kind, m.text) for m in messages] == [("success", "Task was removed")]
    with pytest.raises(NotFoundError):
        await wk.tasks.get(task.id)


async def test_plain_user_may_not_change_tasks(
    server: FakeWebknossos, connect: ClientFactory
) -> None:
    _, _, task_id = ids_of(server)
    user = connect(server, "user")
    with pytest.raises(PermissionDeniedError) as caught:
        await user.tasks.delete(task_id)
    assert caught.value.messages == ["You are not authorized to view or edit this resource"]
    assert task_id in server.state.tasks


async def test_task_ids_are_checked_before_sending(server: FakeWebknossos, wk: Client) -> None:
    for call, text in [
        (wk.tasks.get("x"), "task id"),
        (wk.tasks.delete(MISSING_ID.upper()), "task id"),
        (wk.tasks.list(project="seed_project_alpha"), "project id"),
        (wk.tasks.list(ids="0123456789abcdef01234567"), "not one string"),
        (wk.tasks.list(random=1), "random"),  # type: ignore[arg-type]
        (wk.tasks.assign(MISSING_ID, "someone"), "user id"),
        (wk.task_types.get("Trace axons"), "task type id"),
    ]:
        with pytest.raises(InputError, match=text):
            await call
    assert server.requests == []


async def test_task_types(server: FakeWebknossos, wk: Client) -> None:
    types = {t.summary: t for t in await wk.task_types.list()}
    assert types["Trace axons"].tracing_type == TracingType.SKELETON
    assert types["Segment cells"].is_volume_or_hybrid
    assert types["Proofread"].tracing_type == TracingType.HYBRID
    one = await wk.task_types.get(types["Segment cells"].id)
    assert one == types["Segment cells"]
    with pytest.raises(NotFoundError) as caught:
        await wk.task_types.get(MISSING_ID)
    assert caught.value.messages == ["Task type could not be found"]


async def test_tokens(server: FakeWebknossos, wk: Client) -> None:
    assert await wk.tokens.personal() == server.tokens["admin"]
    first = await wk.tokens.generate_datastore_token()
    second = await wk.tokens.generate_datastore_token()
    assert first
    assert second
    assert first != server.tokens["admin"]
