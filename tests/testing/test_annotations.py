"""Annotation info, edit, state changes, copies, createExplorational."""

from __future__ import annotations

import hashlib
from xml.etree import ElementTree

import pytest

from tests.testing.helpers import (
    Api,
    downloaded_nml,
    info_and_download,
    nml,
    nml_stats,
    skeleton_stats,
    upload,
)
from wkapi.nml import assert_same_content, read_content
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
    finished = [
        a.id
        for task_id in api.server.state.tasks_by_project[project.id]
        for a in api.server.state.annotations_of_task(task_id)
        if a.state == "Finished"
    ]
    assert finished
    counted = [nml_stats(downloaded_nml((await info_and_download(api, a))[1])) for a in finished]
    assert skeleton_stats(body) == {key: sum(c[key] for c in counted) for key in counted[0]}


async def _check_stats(api: Api, annotation_id: str) -> dict[str, int]:
    info, body = await info_and_download(api, annotation_id)
    counted = nml_stats(downloaded_nml(body))
    assert skeleton_stats(info) == counted, annotation_id
    return counted


async def test_stats_are_the_counts_of_the_downloaded_nml(any_api: Api) -> None:
    server = any_api.server
    seeded = [a.id for a in server.state.annotations.values() if a.skeleton and a.typ != "View"]
    synthetic = [
        server.add_synthetic_annotation(size, kind)  # type: ignore[arg-type]
        for size, kind in ((20_000, "nml"), ((2 << 20) + 12_345, "nml"), (20_000, "zip"))
    ]
    counts = [await _check_stats(any_api, a) for a in seeded + synthetic]
    assert len({c["nodeCount"] for c in counts}) > 3  # not one fixed shape
    task_annotation = _task_annotation(server, "Active")
    before = await _check_stats(any_api, task_annotation)
    await any_api.call("PUT", f"/annotations/Task/{task_annotation}/reset")
    assert await _check_stats(any_api, task_annotation) != before


async def test_a_duplicate_downloads_what_the_original_does(api: Api) -> None:
    """A duplicate of an upload has its content (its own <meta> lines name the duplicate);
    a generated body is sent unchanged."""
    server = api.server
    reply = await upload(api, [("cell.nml", nml(tree="uploaded"))], createGroupForEachFile="true")
    sources = [
        reply.json()["annotation"]["id"],
        server.add_synthetic_annotation(300_000, "nml"),
        server.add_synthetic_annotation(300_000, "zip"),
    ]
    for source in sources:
        typ = server.state.annotations[source].typ
        reply = await api.post(f"/annotations/{typ}/{source}/duplicate", role="user")
        copy = reply.json()
        original_info, original_body = await info_and_download(api, source)
        copy_info, copy_body = await info_and_download(api, copy["id"])
        if server.state.annotations[source].synthetic is not None:
            assert copy_body == original_body
            assert server.expected_sha256(copy["id"]) == server.expected_sha256(source)
        else:
            assert_same_content(original_body, copy_body)
            assert read_content(copy_body).annotation_id == copy["id"]
        assert server.expected_sha256(copy["id"]) == hashlib.sha256(copy_body).hexdigest()
        assert [layer["name"] for layer in copy["annotationLayers"]] == [
            layer["name"] for layer in original_info["annotationLayers"]
        ]
        assert skeleton_stats(copy_info) == skeleton_stats(original_info)


async def test_merge_holds_the_trees_of_both_sides(any_api: Api) -> None:
    server = any_api.server
    reply = await upload(
        any_api, [("cell.nml", nml(tree="uploaded"))], createGroupForEachFile="true"
    )
    uploaded = reply.json()["annotation"]["id"]
    others = [
        server.add_annotation(dataset="l4_sample", name="seeded"),
        server.add_synthetic_annotation(20_000, "zip"),
    ]
    for other in others:
        typ = server.state.annotations[other].typ
        path = f"/annotations/Explorational/{uploaded}/merge/{typ}/{other}"
        merged = (await any_api.post(path, role="user")).json()
        info, body = await info_and_download(any_api, merged["id"])
        _, other_body = await info_and_download(any_api, other)
        other_nml = ElementTree.fromstring(downloaded_nml(other_body))
        # with the other side's volume layer (and its data) the merge downloads as a ZIP
        merged_nml = downloaded_nml(body)
        tree_names = [t.get("name") for t in ElementTree.fromstring(merged_nml).iter("thing")]
        assert tree_names == ["uploaded"] + [t.get("name") for t in other_nml.iter("thing")]
        assert skeleton_stats(info) == nml_stats(merged_nml)
        volumes = [v.get("name") for v in other_nml.iter("volume")]
        assert [layer["name"] for layer in info["annotationLayers"]] == ["Skeleton", *volumes]


async def test_shared_teams_follow_the_project_team_and_contributors_exclude_the_owner(
    any_api: Api,
) -> None:
    server = any_api.server
    alpha, manager = server.state.team_by_name("team_alpha"), server.user_ids["team_manager"]
    assert alpha is not None
    extra = server.add_team("reviewers")
    project = server.state.project_by_name("seed_project_alpha")
    assert project is not None
    assert project.team_id == alpha.id
    task_type = next(iter(server.state.task_types))
    task = server.add_task(project.id, task_type, "l4_sample")
    task_annotation = server.assign_task(task, server.user_ids["user"])
    server.share_annotation(task_annotation, ["reviewers", alpha.id, extra])
    server.add_contributor(task_annotation, manager)
    server.add_contributor(task_annotation, manager)

    info = (await any_api.get(f"/annotations/Task/{task_annotation}/info?timestamp=1")).json()
    assert [t["id"] for t in info["teams"]] == [alpha.id, extra]
    assert [u["id"] for u in info["contributors"]] == [manager]
    assert info["contributors"][0]["teams"]
    with pytest.raises(ValueError, match="owner"):
        server.add_contributor(task_annotation, server.user_ids["user"])
    with pytest.raises(KeyError, match="nowhere"):
        server.share_annotation(task_annotation, ["nowhere"])

    explorational = _own_active(server)
    server.share_annotation(explorational, [extra])
    listed = (await any_api.get("/user/annotations", role="user")).json()
    mine = next(a for a in listed if a["id"] == explorational)
    assert [t["name"] for t in mine["teams"]] == ["reviewers"]
    assert "contributors" not in mine
