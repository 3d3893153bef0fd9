"""``wk.projects`` against the fake server, in both generations."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.resources.helpers import ClientFactory
from wkapi import BadRequestError, Client, InputError, NotFoundError, PermissionDeniedError
from wkapi.models import ProjectWithStatus
from wkapi.testing import FakeWebknossos

MISSING_ID = "0123456789abcdef01234567"


def alpha(server: FakeWebknossos) -> tuple[str, str]:
    """The seeded alpha project's id and its team's id."""
    project = server.state.project_by_name("seed_project_alpha")
    assert project is not None
    return project.id, project.team_id


async def test_list_get_and_by_name(server: FakeWebknossos, wk: Client) -> None:
    project_id, team_id = alpha(server)
    projects = {p.name: p for p in await wk.projects.list()}
    assert {"seed_project_alpha", "seed_project_beta"} <= set(projects)
    project = await wk.projects.get(project_id)
    assert project == projects["seed_project_alpha"]
    assert project.team == team_id
    assert project.owner is not None
    assert project.owner.id == server.user_ids["team_manager"]
    assert await wk.projects.by_name("seed_project_alpha") == project


async def test_missing_projects_are_not_found(wk: Client) -> None:
    with pytest.raises(NotFoundError) as caught:
        await wk.projects.get(MISSING_ID)
    assert caught.value.messages == ["Project could not be found"]
    with pytest.raises(NotFoundError):
        await wk.projects.by_name("no_such_project")


async def test_list_with_status_uses_the_servers_route_and_remembers_it(
    server: FakeWebknossos, wk: Client
) -> None:
    project_id, _ = alpha(server)
    first = {p.id: p for p in await wk.projects.list_with_status()}
    # The seed's alpha project: 3 tasks of 2 instances (all assigned) and 1 untouched task.
    assert first[project_id].pending_instances == 1
    assert all(isinstance(p, ProjectWithStatus) for p in first.values())
    server.clear_requests()
    await wk.projects.list_with_status()
    (request,) = server.requests
    expected = "/projects/assignments" if server.release == "23.08" else "/projects/withStatus"
    assert request.route == expected
    assert request.status == 200


async def test_create_update_pause_resume_delete(server: FakeWebknossos, wk: Client) -> None:
    _, team_id = alpha(server)
    owner = server.user_ids["admin"]
    created = await wk.projects.create(
        name="new-project_1",
        team=team_id,
        priority=5,
        expected_time=timedelta(minutes=30),
        owner=owner,
        paused=True,
    )
    assert created.name == "new-project_1"
    assert (created.priority, created.paused) == (5, True)
    assert created.expected_time == 30 * 60 * 1000
    assert created.owner is not None
    assert created.owner.id == owner

    updated = await wk.projects.update(created.id, priority=7, expected_time=None)
    assert updated.priority == 7
    assert updated.expected_time is None
    assert updated.paused is True  # kept: PUT ignores paused
    assert updated.owner is not None
    assert updated.owner.id == owner

    resumed = await wk.projects.resume(created.id)
    assert resumed.paused is False
    paused = await wk.projects.pause(created.id)
    assert paused.paused is True

    messages = await wk.projects.delete(created.id)
    assert [(m.kind, m.text) for m in messages] == [("success", "Project was removed successfully")]
    with pytest.raises(NotFoundError):
        await wk.projects.get(created.id)


async def test_create_refusals(server: FakeWebknossos, connect: ClientFactory) -> None:
    _, team_id = alpha(server)
    wk = connect(server)
    owner = server.user_ids["admin"]
    with pytest.raises(BadRequestError) as caught:
        await wk.projects.create(
            name="seed_project_alpha", team=team_id, priority=1, expected_time=None, owner=owner
        )
    assert caught.value.messages == ["A project with the name seed_project_alpha already exists"]
    with pytest.raises(PermissionDeniedError):
        await connect(server, "user").projects.create(
            name="mine", team=team_id, priority=1, expected_time=None, owner=owner
        )


async def test_project_arguments_are_checked_before_sending(
    server: FakeWebknossos, wk: Client
) -> None:
    project_id, team_id = alpha(server)
    owner = server.user_ids["admin"]
    base = {"team": team_id, "priority": 1, "expected_time": None, "owner": owner}
    with pytest.raises(InputError, match="project name"):
        await wk.projects.create(name="ab", **base)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="project name"):
        await wk.projects.create(name="has space", **base)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="team id"):
        await wk.projects.create(name="abc", **{**base, "team": "team_alpha"})  # type: ignore[arg-type]
    with pytest.raises(InputError, match="expected_time"):
        await wk.projects.create(name="abc", **{**base, "expected_time": -5})  # type: ignore[arg-type]
    with pytest.raises(InputError, match="priority"):
        await wk.projects.create(name="abc", **{**base, "priority": "high"})  # type: ignore[arg-type]
    with pytest.raises(InputError, match="at least one"):
        await wk.projects.update(project_id)
    with pytest.raises(InputError, match="delta"):
        await wk.projects.increment_each_tasks_instances(project_id, delta=-1)
    with pytest.raises(InputError, match="project id"):
        await wk.projects.pause("seed_project_alpha")
    with pytest.raises(InputError, match="project id"):
        wk.projects.tasks("seed_project_alpha")
    assert server.requests == []


async def test_increment_each_tasks_instances(server: FakeWebknossos, wk: Client) -> None:
    project_id, _ = alpha(server)
    before = await wk.projects.tasks(project_id).to_list()
    result = await wk.projects.increment_each_tasks_instances(project_id, delta=2)
    assert isinstance(result, ProjectWithStatus)
    assert result.id == project_id
    assert result.pending_instances == 1 + 2 * len(before)
    after = {t.id: t for t in await wk.projects.tasks(project_id).to_list()}
    assert all(after[t.id].status.pending == t.status.pending + 2 for t in before)
    default = await wk.projects.increment_each_tasks_instances(project_id)
    assert default.pending_instances == result.pending_instances + len(before)


async def test_project_tasks_page_with_totals(server: FakeWebknossos, wk: Client) -> None:
    project_id, _ = alpha(server)
    task_type = next(t.id for t in server.state.task_types.values() if t.summary == "Trace axons")
    added = [server.add_task(project_id, task_type, "l4_sample") for _ in range(9)]
    pager = wk.projects.tasks(project_id, page_size=4)
    assert await pager.total() == 13
    server.clear_requests()
    tasks = [t async for t in pager]
    assert len(tasks) == 13
    assert [t.id for t in tasks[:9]] == added[::-1]
    assert len(server.requests) == 4  # pages of 4, 4, 4, 1
    limited = await wk.projects.tasks(project_id, limit=5, page_size=2).to_list()
    assert [t.id for t in limited] == [t.id for t in tasks[:5]]


async def test_plain_user_cannot_change_projects(
    server: FakeWebknossos, connect: ClientFactory
) -> None:
    project_id, _ = alpha(server)
    user = connect(server, "user")
    with pytest.raises(PermissionDeniedError):
        await user.projects.pause(project_id)
    with pytest.raises(PermissionDeniedError):
        await user.projects.delete(project_id)
    assert project_id in server.state.projects
