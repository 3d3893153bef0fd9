"""Every route of the published v5 route list is reached through the sync client, by the sync
method named for it, against both server generations.

The tour is the async route tour's (``tests/resources/test_routes.py``) without ``await``; the
recorder and the route table are the same (:mod:`tests.resources.route_table`). Only the sync
methods are labelled, so a request counts for a route only when the route's own sync method was
the outermost call in flight (``tasks.update`` reading ``GET /tasks/:id`` does not count for
``tasks.get``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import ThreadedServer
from tests.resources.helpers import spec_routes, successful_requests, unreached
from tests.resources.route_table import ROUTE_METHODS, CallRecorder, RouteCall, client_method
from tests.sync.helpers import ServerFactory, SyncFactory
from wkapi import NotFoundError, SyncClient, TaskFromFilesParams
from wkapi.models import TaskSpec


def test_the_route_table_names_an_existing_sync_method_for_every_spec_route() -> None:
    assert {f"{m} {p}" for m, p in spec_routes()} == ROUTE_METHODS.keys()
    with SyncClient("http://127.0.0.1:9") as client:
        for route, name in ROUTE_METHODS.items():
            try:
                client_method(client, name)
            except (AttributeError, TypeError):
                pytest.fail(f"{route}: wkapi.SyncClient has no method {name}")


def test_a_request_made_inside_another_sync_method_does_not_count(
    server: ThreadedServer, connect: SyncFactory
) -> None:
    project = server.server.state.project_by_name("seed_project_alpha")
    assert project is not None
    task_id = server.server.state.tasks_by_project[project.id][0]
    recorder = CallRecorder()
    wk = recorder.install_sync(connect(server, check_version=False))
    wk.tasks.update(task_id, 3)  # GET /tasks/:id, then PUT /tasks/:id
    with pytest.raises(NotFoundError):
        wk.projects.get("0123456789abcdef01234567")
    assert [(c.outermost, c.method, c.status) for c in recorder.calls] == [
        ("tasks.update", "GET", 200),
        ("tasks.update", "PUT", 200),
        ("projects.get", "GET", 404),
    ]
    missing = unreached(recorder.calls)
    assert "GET /tasks/:id" in missing
    assert "PUT /tasks/:id" not in missing
    assert "GET /projects/:id" in missing  # refused requests do not count


def test_pager_and_stream_requests_carry_their_sync_method(
    server: ThreadedServer, connect: SyncFactory
) -> None:
    recorder = CallRecorder()
    wk = recorder.install_sync(connect(server, check_version=False))
    pager = wk.users.annotations(server.server.user_ids["user"], page_size=2)
    assert pager.total() >= 3
    listed = list(pager)
    assert len(listed) >= 3
    with wk.annotations.stream(listed[0].typ, listed[0].id) as body:
        assert sum(len(chunk) for chunk in body) == body.size
    labels = [c.outermost for c in recorder.calls]
    assert labels == ["users.annotations"] * (len(labels) - 1) + ["annotations.stream"]
    assert len(recorder.calls) >= 3  # total, and at least two pages


def tour(server: ThreadedServer, connect: SyncFactory, tmp_path: Path) -> list[RouteCall]:
    """Call one sync method per route of the published list; returns the recorded requests."""
    fake = server.server
    recorder = CallRecorder()
    # Without the version check, only build_info() itself requests /buildinfo.
    wk = recorder.install_sync(connect(server, check_version=False))
    super_user = recorder.install_sync(connect(server, "super_user", check_version=False))
    org = fake.organization
    admin_id = fake.user_ids["admin"]
    user_id = fake.user_ids["user"]

    wk.build_info()
    wk.users.list(is_admin=False)
    me = wk.users.current()
    assert me.id == admin_id
    wk.users.my_tasks(limit=1).to_list()
    wk.users.my_annotations(limit=1).to_list()
    wk.users.get(user_id)
    wk.users.tasks(user_id, limit=1).to_list()
    assert len(list(wk.users.annotations(user_id, limit=1))) == 1
    teams = wk.teams.list()
    alpha = next(t for t in teams if t.name == "team_alpha")

    wk.datasets.list()
    wk.datasets.get(org, "l4_sample")
    created = wk.datasets.create_explorational(org, "l4_sample", ["Skeleton"])

    wk.datastores.list()
    wk.datastores.create(name="tour_store", url=fake.url, public_url=fake.url, key="tour-key")
    wk.datastores.update("tour_store", url=fake.url, public_url=fake.url)
    super_user.datastores.delete("tour_store")
    wk.tracingstores.update("localhost", url=fake.url, public_url=fake.url)

    typ = "Explorational"
    wk.annotations.info(typ, created.id)
    saved = wk.annotations.download(typ, created.id, to=tmp_path)
    uploaded = wk.annotations.upload(saved.path)
    wk.annotations.duplicate(typ, created.id)
    wk.annotations.edit(typ, created.id, name="toured")
    wk.annotations.finish(typ, created.id)
    wk.annotations.reopen(typ, created.id)
    wk.annotations.merge(typ, created.id, typ, uploaded.annotation_id)

    task_type = next(t for t in wk.task_types.list() if t.summary == "Trace axons")
    project = wk.projects.create(
        name="tour_project", team=alpha.id, priority=1, expected_time=None, owner=admin_id
    )
    report = wk.tasks.create([TaskSpec(task_type.id, "l4_sample", project.name, (1, 2, 3))])
    (task,) = report.created
    wk.tasks.create_from_files(TaskFromFilesParams(task_type.id, project.name), [saved.path])
    wk.tasks.list(project=project.id)
    wk.tasks.get(task.id)
    wk.tasks.update(task.id, 2)
    wk.tasks.assign(task.id, user_id)
    (task_annotation,) = wk.tasks.annotations(task.id)
    wk.annotations.reset(task_annotation.id)

    wk.projects.list()
    wk.projects.list_with_status()
    wk.projects.get(project.id)
    wk.projects.update(project.id, priority=2)
    assert [t.id for t in wk.projects.tasks(project.id)] != []
    wk.projects.increment_each_tasks_instances(project.id)
    wk.projects.pause(project.id)
    wk.projects.resume(project.id)
    wk.tasks.delete(task.id)
    wk.projects.delete(project.id)
    # The recorder saw every successful request the server logged, in order.
    assert [(c.method, c.path) for c in recorder.calls if c.ok] == successful_requests(fake)
    return recorder.calls


def test_sync_route_tour_reaches_every_route_on_a_v5_era_server(
    threaded: ServerFactory, connect: SyncFactory, tmp_path: Path
) -> None:
    missing = unreached(tour(threaded(release="23.08"), connect, tmp_path))
    assert not missing, f"routes no sync method reached: {missing}"


def test_sync_route_tour_on_a_newer_server_uses_the_renamed_route(
    threaded: ServerFactory, connect: SyncFactory, tmp_path: Path
) -> None:
    calls = tour(threaded(), connect, tmp_path)
    # Newer servers renamed /projects/assignments; every other route is reached.
    missing = unreached(calls)
    assert missing == ["GET /projects/assignments"], f"routes not reached: {missing}"
    renamed = RouteCall("projects.list_with_status", "GET", "/projects/withStatus", 200)
    assert renamed in calls
