"""Every route of the published v5 route list is reached by the client method named for it.

The published v5 route list is kept as data of our own in ``v5_routes.txt`` beside this file
(``METHOD /path`` per line); the route table (:data:`~tests.resources.route_table.ROUTE_METHODS`)
maps each of its routes to a client method. One "route tour" calls one client
method per route against the fake server; a route counts as reached only by a successful request
sent while its own method was the OUTERMOST client call in flight, so a request that another
method makes internally (``tasks.update`` reads ``GET /tasks/:id`` first) does not count.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.resources.helpers import (
    ClientFactory,
    route_pattern,
    spec_routes,
    successful_requests,
    unreached,
)
from tests.resources.route_table import ROUTE_METHODS, CallRecorder, RouteCall, client_method
from wkapi import Client, NotFoundError, TaskFromFilesParams
from wkapi.models import TaskSpec
from wkapi.testing import FakeWebknossos


def test_route_headings_are_parsed() -> None:
    routes = spec_routes()
    assert ("GET", "/buildinfo") in routes
    assert ("POST", "/datasets/:organizationName/:dataSetName/createExplorational") in routes
    assert ("POST", "/annotations/:typ/:id/merge/:mergedTyp/:mergedId") in routes
    assert route_pattern("/projects/:id").fullmatch("/projects/assignments") is None


def test_the_route_table_names_an_existing_client_method_for_every_spec_route() -> None:
    spec = {f"{method} {path}" for method, path in spec_routes()}
    assert sorted(spec - ROUTE_METHODS.keys()) == [], "spec routes missing from ROUTE_METHODS"
    assert sorted(ROUTE_METHODS.keys() - spec) == [], "ROUTE_METHODS routes not in the spec"
    client = Client("http://127.0.0.1:9")
    for route, name in ROUTE_METHODS.items():
        try:
            client_method(client, name)
        except (AttributeError, TypeError):
            pytest.fail(f"{route}: wkapi.Client has no method {name}")


async def test_an_unrequested_route_is_reported(
    server: FakeWebknossos, connect: ClientFactory
) -> None:
    recorder = CallRecorder()
    wk = recorder.install(connect(server, check_version=False))
    await wk.users.current()
    with pytest.raises(NotFoundError):
        await wk.projects.get("0123456789abcdef01234567")
    assert [(c.outermost, c.status) for c in recorder.calls] == [
        ("users.current", 200),
        ("projects.get", 404),
    ]
    missing = unreached(recorder.calls)
    assert "GET /user" not in missing
    assert "GET /users/:id" in missing  # /user is no request of /users/:id
    assert "GET /projects/:id" in missing  # refused requests do not count
    assert len(missing) == len(spec_routes()) - 1


async def test_a_request_made_inside_another_method_does_not_count(
    server: FakeWebknossos, connect: ClientFactory
) -> None:
    project = server.state.project_by_name("seed_project_alpha")
    assert project is not None
    task_id = server.state.tasks_by_project[project.id][0]
    recorder = CallRecorder()
    wk = recorder.install(connect(server, check_version=False))
    await wk.tasks.update(task_id, 3)  # GET /tasks/:id, then PUT /tasks/:id
    await wk.projects.update(project.id, priority=7)  # GET /projects/:id, then PUT
    assert [(c.outermost, c.method) for c in recorder.calls] == [
        ("tasks.update", "GET"),
        ("tasks.update", "PUT"),
        ("projects.update", "GET"),
        ("projects.update", "PUT"),
    ]
    missing = unreached(recorder.calls)
    assert "GET /tasks/:id" in missing
    assert "GET /projects/:id" in missing
    assert "PUT /tasks/:id" not in missing
    assert "PUT /projects/:id" not in missing


async def test_a_pager_request_is_labelled_with_the_method_that_made_the_pager(
    server: FakeWebknossos, connect: ClientFactory
) -> None:
    recorder = CallRecorder()
    wk = recorder.install(connect(server, check_version=False))
    pager = wk.users.annotations(server.user_ids["user"], page_size=2)
    assert await pager.total() >= 3
    ids = [a.id async for a in pager]
    assert len(ids) >= 3
    assert {c.outermost for c in recorder.calls} == {"users.annotations"}
    assert len(recorder.calls) >= 3


async def tour(server: FakeWebknossos, connect: ClientFactory, tmp_path: Path) -> list[RouteCall]:
    """Call one client method per route of the published list; returns the recorded requests."""
    recorder = CallRecorder()
    # Without the version check, only build_info() itself requests /buildinfo.
    wk: Client = recorder.install(connect(server, check_version=False))
    super_user = recorder.install(connect(server, "super_user", check_version=False))
    org = server.organization
    admin_id = server.user_ids["admin"]
    user_id = server.user_ids["user"]

    await wk.build_info()
    await wk.users.list(is_admin=False)
    me = await wk.users.current()
    assert me.id == admin_id
    await wk.users.my_tasks(limit=1).to_list()
    await wk.users.my_annotations(limit=1).to_list()
    await wk.users.get(user_id)
    await wk.users.tasks(user_id, limit=1).to_list()
    await wk.users.annotations(user_id, limit=1).to_list()
    teams = await wk.teams.list()
    alpha = next(t for t in teams if t.name == "team_alpha")

    await wk.datasets.list()
    await wk.datasets.get(org, "l4_sample")
    created = await wk.datasets.create_explorational(org, "l4_sample", ["Skeleton"])

    await wk.datastores.list()
    await wk.datastores.create(
        name="tour_store", url=server.url, public_url=server.url, key="tour-key"
    )
    await wk.datastores.update("tour_store", url=server.url, public_url=server.url)
    await super_user.datastores.delete("tour_store")
    await wk.tracingstores.update("localhost", url=server.url, public_url=server.url)

    typ = "Explorational"
    await wk.annotations.info(typ, created.id)
    saved = await wk.annotations.download(typ, created.id, to=tmp_path)
    uploaded = await wk.annotations.upload(saved.path)
    await wk.annotations.duplicate(typ, created.id)
    await wk.annotations.edit(typ, created.id, name="toured")
    await wk.annotations.finish(typ, created.id)
    await wk.annotations.reopen(typ, created.id)
    await wk.annotations.merge(typ, created.id, typ, uploaded.annotation_id)

    task_type = next(t for t in await wk.task_types.list() if t.summary == "Trace axons")
    project = await wk.projects.create(
        name="tour_project", team=alpha.id, priority=1, expected_time=None, owner=admin_id
    )
    report = await wk.tasks.create([TaskSpec(task_type.id, "l4_sample", project.name, (1, 2, 3))])
    (task,) = report.created
    await wk.tasks.create_from_files(TaskFromFilesParams(task_type.id, project.name), [saved.path])
    await wk.tasks.list(project=project.id)
    await wk.tasks.get(task.id)
    await wk.tasks.update(task.id, 2)
    await wk.tasks.assign(task.id, user_id)
    (task_annotation,) = await wk.tasks.annotations(task.id)
    await wk.annotations.reset(task_annotation.id)

    await wk.projects.list()
    await wk.projects.list_with_status()
    await wk.projects.get(project.id)
    await wk.projects.update(project.id, priority=2)
    await wk.projects.tasks(project.id).to_list()
    await wk.projects.increment_each_tasks_instances(project.id)
    await wk.projects.pause(project.id)
    await wk.projects.resume(project.id)
    await wk.tasks.delete(task.id)
    await wk.projects.delete(project.id)
    # The recorder saw every successful request the server logged, in order.
    assert [(c.method, c.path) for c in recorder.calls if c.ok] == successful_requests(server)
    return recorder.calls


async def test_route_tour_reaches_every_route_on_a_v5_era_server(
    old_server: FakeWebknossos, connect: ClientFactory, tmp_path: Path
) -> None:
    missing = unreached(await tour(old_server, connect, tmp_path))
    assert not missing, f"routes no client method reached: {missing}"


async def test_route_tour_on_a_newer_server_uses_the_renamed_route(
    connect: ClientFactory, tmp_path: Path
) -> None:
    async with FakeWebknossos() as server:
        calls = await tour(server, connect, tmp_path)
        # Newer servers renamed /projects/assignments; every other route is reached.
        missing = unreached(calls)
        assert missing == ["GET /projects/assignments"], f"routes not reached: {missing}"
        renamed = RouteCall("projects.list_with_status", "GET", "/projects/withStatus", 200)
        assert renamed in calls
