"""Annotation info, edit, state changes, copies, createExplorational."""

from __future__ import annotations

from fakewk_helpers import Api

from wkapi.testing import FakeWebknossos


def _task_annotation(server: FakeWebknossos, state: str) -> str:
    return next(
        a.id for a in server.state.annotations.values() if a.typ == "Task" and a.state == state
    )


def _own_active(server: FakeWebknossos) -> str:
    return server.add_annotation(state="Active", dataset="l4_sample", name="mine")


async def test_info_needs_timestamp(api: Api) -> None:
    annotation_id = _own_active(api.server)
    reply = await api.get(f"/annotations/Explorational/{annotation_id}/info")
    assert (reply.status, reply.content_type) == (400, "text/html")
    assert "Missing parameter: timestamp" in reply.text
    reply = await api.get(f"/annotations/Explorational/{annotation_id}/info?timestamp=1")
    assert reply.status == 200
    assert reply.json()["id"] == annotation_id


async def test_unknown_type_and_missing_annotation(api: Api) -> None:
    annotation_id = _own_active(api.server)
    reply = await api.get(f"/annotations/Bogus/{annotation_id}/info?timestamp=1")
    assert reply.status == 400
    assert reply.json()["messages"][0]["error"] == "Invalid AnnotationType: Bogus"
    reply = await api.get(f"/annotations/Explorational/{'0' * 24}/info?timestamp=1")
    assert reply.status == 404
    messages = reply.json()["messages"]
    assert messages[0]["error"] == "Annotation could not be found"
    assert "chain" in messages[1]


async def test_edit_returns_messages_only(api: Api) -> None:
    annotation_id = _own_active(api.server)
    body = {"name": "renamed", "visibility": "Public", "tags": ["a"], "description": "d"}
    reply = await api.call(
        "PATCH", f"/annotations/Explorational/{annotation_id}/edit", json=body, role="user"
    )
    assert reply.json() == {"messages": [{"success": "Successfully updated annotation"}]}
    stored = api.server.state.annotations[annotation_id]
    assert (stored.name, stored.visibility, stored.tags) == ("renamed", "Public", ["a"])
    reply = await api.call(
        "PATCH", f"/annotations/Explorational/{annotation_id}/edit", json={}, role="dataset_manager"
    )
    assert reply.status == 403  # Public now: readable by others, but not editable
    reply = await api.call(
        "PATCH",
        f"/annotations/Explorational/{annotation_id}/edit",
        json={"visibility": "Everyone"},
        role="user",
    )
    assert reply.status == 400


async def test_edit_by_other_user_is_403(api: Api) -> None:
    annotation_id = _own_active(api.server)
    reply = await api.call(
        "PATCH", f"/annotations/Explorational/{annotation_id}/edit", json={}, role="dataset_manager"
    )
    assert reply.status == 403


async def test_finish_and_reopen(any_api: Api) -> None:
    server = any_api.server
    annotation_id = _task_annotation(server, "Active")
    task_id = server.state.annotations[annotation_id].task_id
    assert task_id is not None
    before = (server.state.tasks[task_id].active, server.state.tasks[task_id].finished)
    path = f"/annotations/Task/{annotation_id}"
    assert (await any_api.call("PATCH", f"{path}/finish")).status == 400  # no timestamp
    reply = await any_api.call("PATCH", f"{path}/finish?timestamp=1")
    body = reply.json()
    assert (body["state"], body["messages"]) == ("Finished", [{"success": "Task is finished"}])
    task = server.state.tasks[task_id]
    assert (task.active, task.finished) == (before[0] - 1, before[1] + 1)
    assert (await any_api.call("PATCH", f"{path}/finish?timestamp=1")).status == 400
    reply = await any_api.call("PATCH", f"{path}/reopen")
    assert reply.json()["state"] == "Active"
    assert reply.json()["messages"]


async def test_user_may_not_reopen_own_task_annotation(api: Api) -> None:
    server = api.server
    project = server.state.project_by_name("seed_project_alpha")
    assert project is not None
    task_type = next(iter(server.state.task_types))
    task_id = server.add_task(project.id, task_type, "l4_sample")
    annotation_id = server.assign_task(task_id, server.user_ids["user"])
    server.finish_annotation(annotation_id)
    path = f"/annotations/Task/{annotation_id}/reopen"
    assert (await api.call("PATCH", path, role="user")).status == 403
    assert (await api.call("PATCH", path, role="team_manager")).status == 200


async def test_cancel_returns_the_instance(api: Api) -> None:
    server = api.server
    annotation_id = _task_annotation(server, "Active")
    task = server.state.tasks[server.state.annotations[annotation_id].task_id or ""]
    pending = task.pending
    reply = await api.call("DELETE", f"/annotations/Task/{annotation_id}")
    assert reply.status == 200
    assert reply.json()["messages"]
    assert server.state.annotations[annotation_id].state == "Cancelled"
    assert task.pending == pending + 1
    listed = (await api.get(f"/tasks/{task.id}/annotations")).json()
    assert annotation_id not in {a["id"] for a in listed}


async def test_finish_many(api: Api) -> None:
    ids = [_own_active(api.server) for _ in range(3)]
    reply = await api.call(
        "PATCH", "/annotations/Explorational/finish?timestamp=1", json={"annotations": ids}
    )
    assert reply.status == 200
    assert reply.json()["messages"]
    assert {api.server.state.annotations[a].state for a in ids} == {"Finished"}


async def test_reset_task_annotation(api: Api) -> None:
    annotation_id = _task_annotation(api.server, "Active")
    before = api.server.expected_sha256(annotation_id)
    reply = await api.call("PUT", f"/annotations/Task/{annotation_id}/reset")
    assert reply.status == 200
    assert reply.json()["id"] == annotation_id
    assert reply.json()["messages"]
    assert api.server.expected_sha256(annotation_id) != before
    explorational = _own_active(api.server)
    assert (
        await api.call("PUT", f"/annotations/Explorational/{explorational}/reset")
    ).status == 400


async def test_duplicate_and_merge(api: Api) -> None:
    first = _own_active(api.server)
    second = api.server.add_annotation(dataset="l4_sample", volume_layers=("Volume",))
    reply = await api.post(f"/annotations/Explorational/{first}/duplicate", role="team_manager")
    copy = reply.json()
    assert copy["id"] != first
    assert copy["typ"] == "Explorational"
    assert copy["owner"]["id"] == api.server.user_ids["team_manager"]
    assert "messages" not in copy
    reply = await api.post(f"/annotations/Explorational/{first}/merge/Explorational/{second}")
    merged = reply.json()
    assert merged["messages"]
    assert [layer["typ"] for layer in merged["annotationLayers"]] == ["Skeleton", "Volume"]
    other = api.server.add_annotation(dataset="2012-06-28_Cortex")
    reply = await api.post(f"/annotations/Explorational/{first}/merge/Explorational/{other}")
    assert reply.status == 400


async def test_create_explorational(any_api: Api) -> None:
    org = any_api.server.organization
    path = f"/datasets/{org}/l4_sample/createExplorational"
    body = [{"typ": "Skeleton"}, {"typ": "Volume", "fallbackLayerName": "segmentation"}]
    reply = await any_api.post(path, json=body, role="user")
    assert reply.status == 200
    created = reply.json()
    assert (created["typ"], created["state"], created["dataSetName"]) == (
        "Explorational",
        "Active",
        "l4_sample",
    )
    assert [layer["typ"] for layer in created["annotationLayers"]] == ["Skeleton", "Volume"]
    assert created["id"] in any_api.server.state.annotations
    reply = await any_api.post(path, json=[{"fallbackLayerName": "x"}], role="user")
    assert reply.json() == {"obj[0].typ": [{"msg": ["error.path.missing"], "args": []}]}
    reply = await any_api.post(f"/datasets/{org}/nope/createExplorational", json=body)
    assert reply.status == 404
    reply = await any_api.post("/datasets/other_org/l4_sample/createExplorational", json=body)
    assert reply.status == 404


async def test_compound_info(api: Api) -> None:
    project = api.server.state.project_by_name("seed_project_alpha")
    assert project is not None
    reply = await api.get(f"/annotations/CompoundProject/{project.id}/info?timestamp=1")
    body = reply.json()
    assert (body["typ"], body["id"], body["name"]) == ("CompoundProject", project.id, project.name)
    assert body["dataSetName"] == "l4_sample"
