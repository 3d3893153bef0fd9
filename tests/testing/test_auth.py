"""Authentication and roles."""

from __future__ import annotations

import aiohttp
import pytest

from tests.testing.helpers import Api
from wkapi.testing import FakeWebknossos
from wkapi.testing.pytest_plugin import FakeWebknossosFactory


def _explorational(server: FakeWebknossos, *, visibility: str) -> str:
    return next(
        a.id
        for a in server.state.annotations.values()
        if a.typ == "Explorational" and a.visibility == visibility and a.state == "Active"
    )


async def test_missing_token_is_401_html(api: Api) -> None:
    reply = await api.get("/user", role=None)
    assert reply.status == 401
    assert reply.content_type == "text/html"


async def test_bad_token_is_401_json_when_asked(api: Api) -> None:
    reply = await api.get("/user", token="wrong", headers={"Accept": "application/json"})
    assert reply.status == 401
    assert reply.json() == {"success": False, "message": "silhouette.not.authenticated"}


async def test_token_query_parameter_is_not_accepted(api: Api) -> None:
    reply = await api.get("/user", role=None, params={"token": api.server.tokens["admin"]})
    assert reply.status == 401
    record = api.server.requests[-1]
    assert record.query == {"token": "***"}
    assert not record.authenticated


async def test_request_log_records_role_without_token(api: Api) -> None:
    await api.get("/user", role="team_manager")
    record = api.server.requests[-1]
    assert (record.method, record.path, record.status) == ("GET", "/api/user", 200)
    assert record.authenticated
    assert record.role == "team_manager"
    assert api.server.tokens["team_manager"] not in repr(record)


async def test_request_log_keeps_the_newest_up_to_its_limit(
    session: aiohttp.ClientSession, fake_wk_factory: FakeWebknossosFactory
) -> None:
    """A long run against one server must not grow its log without bound."""
    server = await fake_wk_factory(request_log_limit=3)
    api = Api(session, server)
    for version in range(5, 10):
        await api.get("/buildinfo", version=version)
    assert [r.api_version for r in server.requests] == [7, 8, 9]
    server.clear_requests()
    assert server.requests == []
    unbounded = Api(session, await fake_wk_factory(request_log_limit=None))
    for _ in range(5):
        await unbounded.get("/buildinfo")
    assert len(unbounded.server.requests) == 5
    with pytest.raises(ValueError, match="request_log_limit"):
        FakeWebknossos(request_log_limit=-1)


async def test_generated_tokens_differ_however_full_or_cleared_the_log(
    session: aiohttp.ClientSession, fake_wk_factory: FakeWebknossosFactory
) -> None:
    api = Api(session, await fake_wk_factory(request_log_limit=2))
    tokens = []
    for _ in range(3):
        tokens.append((await api.post("/userToken/generate", role="user")).json()["token"])
        tokens.append((await api.post("/userToken/generate", role="user")).json()["token"])
        api.server.clear_requests()
    assert len(set(tokens)) == 6


async def test_public_routes_continue_anonymously_with_a_bad_token(api: Api) -> None:
    for path in ("/buildinfo", "/datastores", "/datasets"):
        assert (await api.get(path, token="bad")).status == 200
    assert (await api.post("/userToken/generate", token="bad")).status == 200
    datasets = (await api.get("/datasets", token="bad")).json()
    assert [d["name"] for d in datasets] == ["l4_sample"]  # only the public one


async def test_private_annotation_hidden_from_anonymous(api: Api) -> None:
    annotation_id = _explorational(api.server, visibility="Private")
    for action in ("info?timestamp=1", "download"):
        reply = await api.get(f"/annotations/Explorational/{annotation_id}/{action}", token="bad")
        assert reply.status == 404
        assert "If the annotation is not public, you need to log in" in reply.text


async def test_public_annotation_readable_anonymously(api: Api) -> None:
    annotation_id = _explorational(api.server, visibility="Public")
    reply = await api.get(f"/annotations/Explorational/{annotation_id}/download", role=None)
    assert reply.status == 200


async def test_private_annotation_forbidden_for_other_users(api: Api) -> None:
    annotation_id = _explorational(api.server, visibility="Private")
    path = f"/annotations/Explorational/{annotation_id}/info?timestamp=1"
    reply = await api.get(path, role="dataset_manager")
    assert reply.status == 403
    assert reply.json()["messages"][0]["error"] == (
        "You are not authorized to view or edit this resource"
    )
    assert (await api.get(path, role="user")).status == 200
    assert (await api.get(path, role="admin")).status == 200


async def test_private_dataset_hidden_from_anonymous(api: Api) -> None:
    org = api.server.organization
    reply = await api.get(f"/datasets/{org}/2012-06-28_Cortex", role=None)
    assert reply.status == 404
    assert reply.json()["messages"][0]["error"] == (
        "Dataset 2012-06-28_Cortex does not exist or could not be accessed"
    )
    assert (await api.get(f"/datasets/{org}/2012-06-28_Cortex", role="user")).status == 200


async def test_auth_token_and_user_token(api: Api) -> None:
    assert (await api.get("/auth/token", role="user")).json() == {
        "token": api.server.tokens["user"]
    }
    generated = (await api.post("/userToken/generate", role="user")).json()
    assert set(generated) == {"token"}
    assert generated["token"]


@pytest.mark.parametrize(("role", "status"), [("admin", 403), ("user", 403), ("super_user", 200)])
async def test_datastore_delete_needs_super_user(api: Api, role: str, status: int) -> None:
    assert (await api.call("DELETE", "/datastores/localhost", role=role)).status == status


async def test_user_cannot_read_other_users(api: Api) -> None:
    admin_id = api.server.user_ids["admin"]
    assert (await api.get(f"/users/{admin_id}", role="user")).status == 403
    own = await api.get(f"/users/{api.server.user_ids['user']}", role="user")
    assert own.status == 200
    visible = (await api.get("/users", role="user")).json()
    assert [u["id"] for u in visible] == [api.server.user_ids["user"]]
    managed = (await api.get("/users", role="team_manager")).json()
    assert api.server.user_ids["user"] in {u["id"] for u in managed}


async def test_team_manager_cannot_touch_other_teams_project(api: Api) -> None:
    beta = api.server.state.project_by_name("seed_project_beta")
    assert beta is not None
    reply = await api.get(f"/projects/{beta.id}", role="team_manager")
    assert reply.status == 404
    assert reply.json()["messages"][0]["error"] == "Couldn't find the requested resource."
    reply = await api.call("DELETE", f"/projects/{beta.id}", role="team_manager")
    assert reply.status == 404
    alpha = api.server.state.project_by_name("seed_project_alpha")
    assert alpha is not None
    assert (await api.call("PATCH", f"/projects/{alpha.id}/pause", role="user")).status == 403
    assert (
        await api.call("PATCH", f"/projects/{alpha.id}/pause", role="team_manager")
    ).status == 200


async def test_compound_download_needs_team_manager(api: Api) -> None:
    alpha = api.server.state.project_by_name("seed_project_alpha")
    assert alpha is not None
    path = f"/annotations/CompoundProject/{alpha.id}/download"
    assert (await api.get(path, role="user")).status == 403
    assert (await api.get(path, role=None)).status == 403
    assert (await api.get(path, role="team_manager")).status == 200
