"""Start/stop, seeding, versions and prefixes, buildinfo, router errors."""

from __future__ import annotations

import re

import aiohttp
import pytest

from tests.testing.helpers import Api
from wkapi.testing import FakeWebknossos

ID = re.compile(r"[0-9a-f]{24}")


async def test_binds_a_free_port_and_stops() -> None:
    async with FakeWebknossos() as server:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", server.url)
        url = server.url
        async with aiohttp.ClientSession() as session, session.get(url + "/api/buildinfo") as r:
            assert r.status == 200
    with pytest.raises(RuntimeError):
        _ = server.url
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.ClientConnectionError):
            await session.get(url + "/api/buildinfo")


def test_seed_is_deterministic_and_changes_ids() -> None:
    a, b, c = FakeWebknossos(seed=1), FakeWebknossos(seed=1), FakeWebknossos(seed=2)
    assert a.tokens == b.tokens
    assert a.user_ids == b.user_ids
    assert a.tokens != c.tokens
    assert set(a.user_ids.values()).isdisjoint(c.user_ids.values())
    assert set(a.tokens) == {"admin", "team_manager", "user", "super_user", "dataset_manager"}
    assert all(len(t) >= 20 for t in a.tokens.values())
    assert a.organization == "sample_organization"
    assert sorted(a.state.tasks) == sorted(b.state.tasks)


def test_ids_are_hex_and_grow_over_time() -> None:
    server = FakeWebknossos()
    ids = [*server.state.users, *server.state.tasks, *server.state.annotations]
    assert all(ID.fullmatch(i) for i in ids)
    later = server.add_team("later_team")
    assert later > max(ids)


def test_seed_has_annotations_in_every_state() -> None:
    state = FakeWebknossos().state
    states = {a.state for a in state.annotations.values()}
    assert {"Active", "Finished", "Cancelled"} <= states
    assert any(a.typ == "View" for a in state.annotations.values())
    assert any(a.volume_layers for a in state.annotations.values())
    assert len(state.teams) >= 2
    assert any(d.is_public for d in state.datasets.values())
    kinds = {t.tracing_type for t in state.task_types.values()}
    assert {"skeleton", "volume"} <= kinds


async def test_store_urls_are_the_servers_own(api: Api) -> None:
    reply = await api.get("/datastores", role=None)
    assert reply.json()[0]["url"] == api.server.url
    annotation_id = next(iter(api.server.state.annotations))
    info = await api.get(f"/annotations/Explorational/{annotation_id}/info?timestamp=1")
    assert info.json()["tracingStore"]["url"] == api.server.url


async def test_buildinfo_new_generation(api: Api) -> None:
    body = (await api.get("/buildinfo", role=None)).json()
    assert api.server.release == "25.01"
    assert body["httpApiVersioning"] == {"currentApiVersion": 9, "oldestSupportedApiVersion": 5}
    assert set(body["webknossos"]) == {
        "name",
        "version",
        "commitHash",
        "commitDate",
        "scalaVersion",
        "sbtVersion",
        "ciBuild",
        "ciTag",
        "datastoreApiVersion",
    }
    assert all(isinstance(v, str) for v in body["webknossos"].values())
    assert isinstance(body["localDataStoreEnabled"], bool)
    assert isinstance(body["localTracingStoreEnabled"], bool)


async def test_buildinfo_old_generation(old_api: Api) -> None:
    body = (await old_api.get("/buildinfo", role=None)).json()
    assert "httpApiVersioning" not in body
    assert body["webknossos"]["version"] == "23.08"


@pytest.mark.parametrize(("version", "status"), [(3, 404), (4, 404), (5, 200), (9, 200), (10, 404)])
async def test_new_generation_versions(api: Api, version: int, status: int) -> None:
    reply = await api.get("/user", version=version)
    assert reply.status == status
    if status == 404:
        error = reply.json()["messages"][0]["error"]
        assert "does not support the requested HTTP API version" in error


@pytest.mark.parametrize(("version", "status"), [(1, 200), (5, 200), (6, 404)])
async def test_old_generation_versions(old_api: Api, version: int, status: int) -> None:
    reply = await old_api.get("/user", version=version)
    assert reply.status == status
    assert reply.content_type == "application/json"


async def test_prefixes_share_handlers(api: Api) -> None:
    plain = await api.get("/user")
    pinned = await api.get("/user", version=5)
    assert plain.json() == pinned.json()


async def test_unknown_route_is_html_404(api: Api) -> None:
    # an unknown path, and a method the path lacks (only POST /tasks/list exists)
    for reply in (await api.get("/no/such/route"), await api.call("PATCH", "/tasks/list")):
        assert reply.status == 404
        assert reply.content_type == "text/html"
        assert "Action Not Found" in reply.text


async def test_generation_specific_project_routes(api: Api, old_api: Api) -> None:
    assert (await api.get("/projects/withStatus")).status == 200
    # The other generation's path falls through to GET /projects/:id, which refuses the id.
    gone = await api.get("/projects/assignments")
    assert gone.status == 400
    assert gone.json()["messages"][0]["error"] == "The passed resource id 'assignments' is invalid"
    assert (await old_api.get("/projects/assignments")).status == 200
    gone = await old_api.get("/projects/withStatus")
    assert gone.status == 400
    assert gone.json()["messages"][0]["error"] == "The passed resource id 'withStatus' is invalid"


async def test_malformed_id(api: Api) -> None:
    reply = await api.get("/tasks/not-an-id")
    assert reply.status == 400
    assert reply.json()["messages"][0]["error"] == "The passed resource id 'not-an-id' is invalid"


async def test_crash_is_html_500(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("wkapi.testing._routes.meta.buildinfo_json", broken)
    reply = await api.get("/buildinfo")
    assert reply.status == 500
    assert reply.content_type == "text/html"
