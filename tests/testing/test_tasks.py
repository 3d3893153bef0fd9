"""Task creation (section 9), task updates, lists and assignment."""

from __future__ import annotations

import pytest

from tests.testing.helpers import Api, task_item, task_type_id


async def test_creates_in_input_order_with_creation_info(any_api: Api) -> None:
    server = any_api.server
    items = [task_item(server, creationInfo=f"job-1/item-{i}") for i in range(3)]
    reply = await any_api.post("/tasks", json=items, version=5)
    assert reply.status == 200
    body = reply.json()
    assert set(body) == {"tasks", "warnings"}
    results = body["tasks"]
    assert [r["status"] for r in results] == [200, 200, 200]
    assert [r["success"]["creationInfo"] for r in results] == [i["creationInfo"] for i in items]
    first = server.state.tasks[results[0]["success"]["id"]]
    assert (first.creation_info, first.pending, first.edit_position) == (
        "job-1/item-0",
        2,
        (1, 2, 3),
    )
    assert results[0]["success"]["dataSet"] == "l4_sample"  # both generations, on v5 routes


async def test_no_deduplication(api: Api) -> None:
    before = len(api.server.state.tasks)
    items = [task_item(api.server)]
    await api.post("/tasks", json=items)
    await api.post("/tasks", json=items)
    assert len(api.server.state.tasks) == before + 2


@pytest.mark.parametrize(("kind", "limit"), [("skeleton", 1000), ("volume", 100), ("hybrid", 100)])
async def test_batch_limits(api: Api, kind: str, limit: int) -> None:
    before = len(api.server.state.tasks)
    too_many = [task_item(api.server, taskTypeId=task_type_id(api.server, kind))] * (limit + 1)
    reply = await api.post("/tasks", json=too_many)
    assert reply.status == 400
    assert "task.create.limitExceeded" in reply.json()["messages"][0]["error"]
    assert len(api.server.state.tasks) == before
    assert (await api.post("/tasks", json=too_many[:limit])).status == 200


async def test_generation_instance_keys(api: Api, old_api: Api) -> None:
    reply = await api.post("/tasks", json=[task_item(api.server, pendingInstances=None)])
    assert reply.status == 400
    assert reply.json() == {
        "obj[0].pendingInstances": [{"msg": ["error.path.missing"], "args": []}]
    }
    assert (
        await api.post("/tasks", json=[task_item(api.server, openInstances=None)])
    ).status == 200
    reply = await old_api.post("/tasks", json=[task_item(old_api.server, openInstances=None)])
    assert reply.json() == {"obj[0].openInstances": [{"msg": ["error.path.missing"], "args": []}]}


async def test_validation_map_and_unknown_keys(api: Api) -> None:
    reply = await api.post("/tasks", json=[task_item(api.server, taskTypeId=None, surprise=1)])
    assert reply.status == 400
    assert "messages" not in reply.json()
    assert reply.json()["obj[0].taskTypeId"] == [{"msg": ["error.path.missing"], "args": []}]
    reply = await api.post("/tasks", json=task_item(api.server))
    assert reply.json() == {"obj": [{"msg": ["error.expected.jsarray"], "args": []}]}


async def test_malformed_json_is_html_400(api: Api) -> None:
    reply = await api.post(
        "/tasks", data=b"[{not json", headers={"Content-Type": "application/json"}
    )
    assert (reply.status, reply.content_type) == (400, "text/html")


async def test_whole_request_failures_create_nothing(api: Api) -> None:
    server = api.server
    before = len(server.state.tasks)
    mixed = [task_item(server), task_item(server, dataSet="2012-06-28_Cortex")]
    assert (await api.post("/tasks", json=mixed)).status == 400
    reply = await api.post("/tasks", json=[task_item(server, dataSet="nope")])
    assert reply.status == 404
    assert (
        reply.json()["messages"][0]["error"]
        == "Dataset nope does not exist or could not be accessed"
    )
    assert (await api.post("/tasks", json=[task_item(server, taskTypeId="bad")])).status == 400
    unknown_type = "0" * 24
    assert (
        await api.post("/tasks", json=[task_item(server, taskTypeId=unknown_type)])
    ).status == 404
    assert len(server.state.tasks) == before


async def test_per_item_refusals(api: Api) -> None:
    server = api.server
    script = next(iter(server.state.scripts))
    items = [
        task_item(server, scriptId=script),
        task_item(server, scriptId="0" * 24),
        task_item(server, projectName="seed_project_beta"),
    ]
    reply = await api.post("/tasks", json=items, role="team_manager")
    assert reply.status == 200
    results = reply.json()["tasks"]
    assert [r["status"] for r in results] == [200, 400, 400]
    assert results[0]["success"]["script"]["id"] == script
    assert "error" in results[1]
    assert "error" in results[2]


async def test_partial_commit_on_unknown_project(api: Api) -> None:
    server = api.server
    before = len(server.state.tasks)
    items = [
        task_item(server, creationInfo="a"),
        task_item(server, projectName="missing"),
        task_item(server),
    ]
    reply = await api.post("/tasks", json=items)
    assert reply.status == 400
    assert reply.json() == {"messages": [{"error": "Project could not be found"}]}
    created = [t for t in server.state.tasks.values() if t.creation_info in ("a", "job-1/item-0")]
    assert len(server.state.tasks) == before + 2
    assert len(created) == 2


async def test_warning_when_project_team_cannot_read_dataset(api: Api) -> None:
    server = api.server
    server.add_dataset("team_only")  # readable by the first team only
    reply = await api.post(
        "/tasks", json=[task_item(server, projectName="seed_project_beta", dataSet="team_only")]
    )
    assert reply.status == 200
    assert reply.json()["warnings"]


async def test_put_task_applies_only_instances(any_api: Api) -> None:
    server = any_api.server
    task_id = (await any_api.post("/tasks", json=[task_item(server)])).json()["tasks"][0][
        "success"
    ]["id"]
    body = task_item(server, openInstances=5, pendingInstances=5, editPosition=[9, 9, 9])
    reply = await any_api.call("PUT", f"/tasks/{task_id}", json=body)
    assert reply.status == 200
    answer = reply.json()
    assert answer["messages"][0]["success"]
    status_key = "pending" if "pending" in answer["status"] else "open"
    assert answer["status"][status_key] == 5
    assert answer["editPosition"] == [1, 2, 3]
    missing = {k: v for k, v in body.items() if k != "projectName"}
    reply = await any_api.call("PUT", f"/tasks/{task_id}", json=missing)
    assert reply.json() == {"obj.projectName": [{"msg": ["error.path.missing"], "args": []}]}


async def test_delete_task(api: Api) -> None:
    task_id = next(iter(api.server.state.tasks))
    reply = await api.call("DELETE", f"/tasks/{task_id}")
    assert reply.json() == {"messages": [{"success": "Task was removed"}]}
    assert task_id not in api.server.state.tasks
    assert (await api.get(f"/tasks/{task_id}")).status == 404


async def test_tasks_list_filters(api: Api) -> None:
    server = api.server
    project = server.state.project_by_name("seed_project_alpha")
    assert project is not None
    by_project = (await api.post("/tasks/list", json={"project": project.id})).json()
    assert [t["id"] for t in by_project] == list(server.state.tasks_by_project[project.id])
    volume = task_type_id(server, "volume")
    by_type = (await api.post("/tasks/list", json={"taskType": volume})).json()
    assert by_type
    assert all(t["type"]["id"] == volume for t in by_type)
    ignored = (await api.post("/tasks/list", json={"tasktype": volume})).json()
    assert len(ignored) == len(server.state.tasks)
    user_id = server.user_ids["user"]
    by_user = (await api.post("/tasks/list", json={"user": user_id})).json()
    worked = {a.task_id for a in server.state.annotations.values() if a.owner_id == user_id}
    assert {t["id"] for t in by_user} == worked - {None}
    some = list(server.state.tasks)[:2]
    assert {t["id"] for t in (await api.post("/tasks/list", json={"ids": some})).json()} == set(
        some
    )


async def test_tasks_list_caps_at_1000(api: Api) -> None:
    server = api.server
    project = server.add_project("many")
    for _ in range(1001):
        server.add_task(project, task_type_id(server), "l4_sample")
    listed = (await api.post("/tasks/list", json={"project": project, "random": True})).json()
    assert len(listed) == 1000


async def test_assign_moves_instances(api: Api) -> None:
    server = api.server
    task_id = (await api.post("/tasks", json=[task_item(server)])).json()["tasks"][0]["success"][
        "id"
    ]
    user_id = server.user_ids["user"]
    reply = await api.post(f"/tasks/{task_id}/assign", params={"userId": user_id})
    assert reply.status == 200
    assert reply.json()["status"] == {"pending": 1, "active": 1, "finished": 0}
    again = await api.post(f"/tasks/{task_id}/assign", params={"userId": user_id})
    assert again.status == 400
    mine = (await api.get("/user/tasks", role="user")).json()
    assert task_id in {a["task"]["id"] for a in mine}
    assert (await api.post(f"/tasks/{task_id}/assign")).status == 400


async def test_simulate_annotators_and_task_annotations(api: Api) -> None:
    server = api.server
    project = server.add_project("simulated")
    tasks = [
        server.add_task(project, task_type_id(server), "l4_sample", instances=2) for _ in range(5)
    ]
    created = server.simulate_annotators(project, finish_fraction=0.4, seed=3)
    assert len(created) == 10
    states = [server.state.annotations[a].state for a in created]
    assert states.count("Finished") == 4
    assert states.count("Active") == 6
    assert all(server.state.tasks[t].pending == 0 for t in tasks)
    for task_id in tasks:
        owners = [a.owner_id for a in server.state.annotations_of_task(task_id)]
        assert len(set(owners)) == 2
    again = server.simulate_annotators(project, seed=3)
    assert again == []
    listed = (await api.get(f"/tasks/{tasks[0]}/annotations")).json()
    assert {a["id"] for a in listed} == {
        a for a in created if server.state.annotations[a].task_id == tasks[0]
    }
