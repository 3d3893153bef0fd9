"""Project routes and their validation."""

from __future__ import annotations

import pytest

from tests.testing.helpers import Api, project_body


async def test_create_read_update_delete(any_api: Api) -> None:
    created = (
        await any_api.post("/projects", json=project_body(any_api), role="team_manager")
    ).json()
    assert (created["name"], created["priority"], created["expectedTime"]) == (
        "new_project",
        50,
        60_000,
    )
    project_id = created["id"]
    assert (await any_api.get(f"/projects/{project_id}")).json() == created
    assert (await any_api.get("/projects/byName/new_project")).json()["id"] == project_id
    update = project_body(any_api, name="ignored_name", paused=True, priority=7)
    updated = (await any_api.call("PUT", f"/projects/{project_id}", json=update)).json()
    assert (updated["name"], updated["paused"], updated["priority"]) == ("new_project", False, 7)
    paused = (await any_api.call("PATCH", f"/projects/{project_id}/pause")).json()
    assert paused["paused"] is True
    resumed = (await any_api.call("PATCH", f"/projects/{project_id}/resume")).json()
    assert resumed["paused"] is False
    reply = await any_api.call("DELETE", f"/projects/{project_id}")
    assert reply.json() == {"messages": [{"success": "Project was removed successfully"}]}
    missing = await any_api.get(f"/projects/{project_id}")
    assert missing.status == 404
    assert missing.json()["messages"][0]["error"] == "Project could not be found"


async def test_by_name_not_found(api: Api) -> None:
    reply = await api.get("/projects/byName/nothing_here")
    assert reply.status == 404
    assert reply.json()["messages"][0]["error"] == "Project could not be found"


@pytest.mark.parametrize("name", ["ab", "with space", "ümlaut"])
async def test_name_validation(api: Api, name: str) -> None:
    reply = await api.post("/projects", json=project_body(api, name=name))
    assert reply.status == 400
    answer = reply.json()
    assert answer["errors"][0]["field"] == "/name"
    assert answer["messages"] == [{"error": "Invalid Json format"}]


async def test_missing_field_and_duplicate(api: Api) -> None:
    reply = await api.post("/projects", json=project_body(api, team=None))
    assert reply.json()["errors"] == [{"field": "/team", "error": "error.path.missing"}]
    reply = await api.post("/projects", json=project_body(api, name="seed_project_alpha"))
    assert reply.status == 400
    assert "messages" in reply.json()


async def test_delete_removes_tasks_and_annotations(api: Api) -> None:
    server = api.server
    project = server.state.project_by_name("seed_project_alpha")
    assert project is not None
    task_ids = list(server.state.tasks_by_project[project.id])
    await api.call("DELETE", f"/projects/{project.id}")
    assert not set(task_ids) & set(server.state.tasks)
    assert all(a.task_id not in task_ids for a in server.state.annotations.values())


async def test_increment_instances(any_api: Api) -> None:
    project = any_api.server.state.project_by_name("seed_project_alpha")
    assert project is not None
    before = [
        any_api.server.state.tasks[t].pending
        for t in any_api.server.state.tasks_by_project[project.id]
    ]
    path = f"/projects/{project.id}/incrementEachTasksInstances"
    reply = await any_api.call("PATCH", path, params={"delta": "2"})
    answer = reply.json()
    key = "pendingInstances" if "pendingInstances" in answer else "numberOfOpenAssignments"
    assert answer[key] == sum(before) + 2 * len(before)
    assert (await any_api.call("PATCH", path)).json()[key] == sum(before) + 3 * len(before)
    assert (await any_api.call("PATCH", path, params={"delta": "-1"})).status == 400


async def test_project_tasks_forbidden_outside_team(api: Api) -> None:
    beta = api.server.state.project_by_name("seed_project_beta")
    assert beta is not None
    assert (await api.get(f"/projects/{beta.id}/tasks", role="user")).status == 404


async def test_before_v4_project_routes_take_names(old_api: Api) -> None:
    """API v4 changed the project routes and the ``project`` filter of ``POST /tasks/list``
    from names to ids; an old server still serves v1 to v3."""
    project = old_api.server.state.project_by_name("seed_project_alpha")
    assert project is not None
    for version in (1, 3):
        reply = await old_api.get("/projects/seed_project_alpha", version=version)
        assert (reply.status, reply.json()["id"]) == (200, project.id)
        assert (await old_api.get(f"/projects/{project.id}", version=version)).status == 404
        tasks = await old_api.get("/projects/seed_project_alpha/tasks", version=version)
        assert len(tasks.json()) == len(old_api.server.state.tasks_by_project[project.id])
        listed = await old_api.post(
            "/tasks/list", json={"project": "seed_project_alpha"}, version=version
        )
        assert {t["projectName"] for t in listed.json()} == {"seed_project_alpha"}
    assert (await old_api.get("/projects/seed_project_alpha", version=4)).status == 400
    assert (await old_api.get(f"/projects/{project.id}", version=4)).status == 200
    reply = await old_api.post("/tasks/list", json={"project": project.id}, version=4)
    assert len(reply.json()) == len(old_api.server.state.tasks_by_project[project.id])
