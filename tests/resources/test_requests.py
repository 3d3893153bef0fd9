"""The exact requests the resources send (query strings and bodies), seen through a recording
proxy in front of the fake server: the names and forms each server generation reads."""

from __future__ import annotations

import time
from pathlib import Path

import orjson

from tests.resources.helpers import RecordingProxy
from wkapi import Client, TaskFromFilesParams
from wkapi.models import TaskSpec
from wkapi.testing import FakeWebknossos


def seeded(server: FakeWebknossos) -> tuple[str, str, str]:
    """The skeleton task type, the alpha project and its first task."""
    task_type = next(t.id for t in server.state.task_types.values() if t.summary == "Trace axons")
    project = server.state.project_by_name("seed_project_alpha")
    assert project is not None
    return task_type, project.id, server.state.tasks_by_project[project.id][0]


async def test_query_booleans_are_lowercase(proxy: RecordingProxy, via_proxy: Client) -> None:
    await via_proxy.users.list(is_editable=True, is_admin=False)
    await via_proxy.datasets.list(is_active=True)
    assert proxy.only("GET", "/v5/users").raw_query == "isEditable=true&isAdmin=false"
    assert proxy.only("GET", "/v5/datasets").raw_query == "isActive=true"


async def test_pager_query(
    server: FakeWebknossos, proxy: RecordingProxy, via_proxy: Client
) -> None:
    pager = via_proxy.users.annotations(server.user_ids["user"], is_finished=False, page_size=3)
    await pager.page(2)
    await pager.total()
    page, total = [r for r in proxy.seen if r.path.endswith("/annotations")]
    assert page.query == {"isFinished": "false", "limit": "3", "pageNumber": "2"}
    assert total.query["includeTotalCount"] == "true"


async def test_task_list_sends_task_type_under_its_real_name(
    server: FakeWebknossos, proxy: RecordingProxy, via_proxy: Client
) -> None:
    task_type, project_id, task_id = seeded(server)
    found = await via_proxy.tasks.list(
        user=server.user_ids["user"], project=project_id, ids=[task_id], task_type=task_type
    )
    assert [t.id for t in found] == [task_id]
    request = proxy.only("POST", "/tasks/list")
    assert request.json() == {
        "user": server.user_ids["user"],
        "project": project_id,
        "ids": [task_id],
        "taskType": task_type,
        "random": False,
    }


async def test_task_bodies_carry_both_instance_keys(
    server: FakeWebknossos, proxy: RecordingProxy, via_proxy: Client
) -> None:
    task_type, _, _ = seeded(server)
    spec = TaskSpec(task_type, "l4_sample", "seed_project_alpha", (1, 2, 3), open_instances=4)
    await via_proxy.tasks.create([spec])
    (item,) = proxy.only("POST", "/v5/tasks").json()
    assert item["openInstances"] == item["pendingInstances"] == 4
    assert item["dataSet"] == "l4_sample"
    assert item["editPosition"] == [1, 2, 3]


async def test_task_update_sends_the_task_back_with_a_new_count(
    server: FakeWebknossos, proxy: RecordingProxy, via_proxy: Client
) -> None:
    _, _, task_id = seeded(server)
    task = await via_proxy.tasks.get(task_id)
    proxy.seen.clear()
    await via_proxy.tasks.update(task_id, 7)
    assert [(r.method, r.path.rsplit("/", 1)[-1]) for r in proxy.seen] == [
        ("GET", task_id),
        ("PUT", task_id),
    ]
    body = proxy.seen[1].json()
    assert body == {
        "taskTypeId": task.type.id,
        "neededExperience": {"domain": "axons", "value": 1},
        "openInstances": 7,
        "pendingInstances": 7,
        "projectName": "seed_project_alpha",
        "dataSet": "l4_sample",
        "editPosition": list(task.edit_position),
        "editRotation": list(task.edit_rotation),
        "creationInfo": task.creation_info,
    }


async def test_info_and_finish_send_a_millisecond_timestamp(
    server: FakeWebknossos, proxy: RecordingProxy, via_proxy: Client
) -> None:
    annotation_id = server.add_annotation(owner_id=server.user_ids["admin"], dataset="l4_sample")
    before = time.time_ns() // 1_000_000
    await via_proxy.annotations.info("Explorational", annotation_id)
    await via_proxy.annotations.finish("Explorational", annotation_id)
    after = time.time_ns() // 1_000_000
    for suffix in ("/info", "/finish"):
        stamp = int(proxy.only("GET" if suffix == "/info" else "PATCH", suffix).query["timestamp"])
        assert before <= stamp <= after


async def test_edit_sends_only_the_given_fields(
    server: FakeWebknossos, proxy: RecordingProxy, via_proxy: Client
) -> None:
    annotation_id = server.add_annotation(owner_id=server.user_ids["admin"], dataset="l4_sample")
    await via_proxy.annotations.edit("Explorational", annotation_id, visibility="internal")
    assert proxy.only("PATCH", "/edit").json() == {"visibility": "Internal"}
    proxy.only("GET", "/info")  # the edited annotation is read back


async def test_create_explorational_body(
    server: FakeWebknossos, proxy: RecordingProxy, via_proxy: Client
) -> None:
    await via_proxy.datasets.create_explorational(
        server.organization,
        "l4_sample",
        [{"typ": "Volume", "fallback_layer_name": "segmentation", "mag_restrictions": {"max": 8}}],
    )
    (layer,) = proxy.only("POST", "/createExplorational").json()
    assert layer["typ"] == "Volume"
    assert layer["fallbackLayerName"] == "segmentation"
    assert layer["resolutionRestrictions"] == {"max": 8}


async def test_project_update_sends_the_whole_project(
    server: FakeWebknossos, proxy: RecordingProxy, via_proxy: Client
) -> None:
    _, project_id, _ = seeded(server)
    project = await via_proxy.projects.get(project_id)
    await via_proxy.projects.update(project_id, is_blacklisted_from_report=True)
    assert proxy.only("PUT", project_id).json() == {
        "name": "seed_project_alpha",
        "team": project.team,
        "priority": project.priority,
        "paused": project.paused,
        "owner": server.user_ids["team_manager"],
        "isBlacklistedFromReport": True,
    }
    await via_proxy.projects.increment_each_tasks_instances(project_id, delta=3)
    assert proxy.only("PATCH", "/incrementEachTasksInstances").query == {"delta": "3"}


async def test_datastore_bodies(
    server: FakeWebknossos, proxy: RecordingProxy, via_proxy: Client
) -> None:
    await via_proxy.datastores.create(
        name="ds2", url=server.url, public_url="https://ds.example.org", key="k", is_scratch=True
    )
    assert proxy.only("POST", "/datastores").json() == {
        "name": "ds2",
        "url": server.url,
        "publicUrl": "https://ds.example.org",
        "isScratch": True,
        "isForeign": False,
        "allowsUpload": True,
        "key": "k",
    }
    await via_proxy.tracingstores.update("localhost", url=server.url, public_url=server.url)
    assert proxy.only("PUT", "/tracingstores/localhost").json() == {
        "name": "localhost",
        "url": server.url,
        "publicUrl": server.url,
    }


async def test_multipart_fields(
    server: FakeWebknossos, proxy: RecordingProxy, via_proxy: Client, tmp_path: Path
) -> None:
    task_type, _, _ = seeded(server)
    annotation_id = server.add_annotation(owner_id=server.user_ids["admin"], dataset="l4_sample")
    saved = await via_proxy.annotations.download("Explorational", annotation_id, to=tmp_path)
    await via_proxy.annotations.upload(saved.path)
    upload = proxy.only("POST", "/annotations/upload")
    assert upload.content_type.startswith("multipart/form-data")
    assert upload.form() == {
        "createGroupForEachFile": b"false",
        saved.path.name: saved.path.read_bytes(),
    }

    params = TaskFromFilesParams(task_type, "seed_project_alpha", open_instances=2)
    await via_proxy.tasks.create_from_files(params, saved.path)
    parts = proxy.only("POST", "/tasks/createFromFiles").form()
    assert set(parts) == {"formJSON", saved.path.name}
    assert orjson.loads(parts["formJSON"]) == {
        "taskTypeId": task_type,
        "neededExperience": {"domain": "", "value": 0},
        "openInstances": 2,
        "pendingInstances": 2,
        "projectName": "seed_project_alpha",
    }
