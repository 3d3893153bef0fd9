"""JSON request bodies: Play's JSON body parser refuses other content types with an HTML 415."""

from __future__ import annotations

import orjson
import pytest

from tests.testing.helpers import Api, project_body


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/jsonx", None]
)
async def test_a_json_route_refuses_other_content_types(api: Api, content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type is not None else {}
    data = orjson.dumps(project_body(api))
    reply = await api.post("/projects", data=data, headers=headers)
    assert (reply.status, reply.content_type) == (415, "text/html")
    assert "Expecting text/json or application/json body" in reply.text
    assert api.server.state.project_by_name("new_project") is None


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON",
        "text/json",
        "application/vnd.api+json",
    ],
)
async def test_json_content_types_are_accepted(api: Api, content_type: str) -> None:
    data = orjson.dumps(project_body(api))
    reply = await api.post("/projects", data=data, headers={"Content-Type": content_type})
    assert reply.status == 200
    assert api.server.state.project_by_name("new_project") is not None


async def test_every_json_route_checks_the_content_type(api: Api) -> None:
    server = api.server
    annotation_id = server.add_annotation(dataset="l4_sample")
    project_id = next(iter(server.state.projects))
    task_id = next(iter(server.state.tasks))
    org = server.organization
    routes = [
        ("PATCH", f"/annotations/Explorational/{annotation_id}/edit"),
        ("PATCH", "/annotations/Explorational/finish?timestamp=1"),
        ("POST", f"/datasets/{org}/l4_sample/createExplorational"),
        ("POST", "/tasks"),
        ("PUT", f"/tasks/{task_id}"),
        ("POST", "/tasks/list"),
        ("POST", "/projects"),
        ("PUT", f"/projects/{project_id}"),
        ("POST", "/datastores"),
        ("PUT", "/datastores/localhost"),
        ("PUT", "/tracingstores/localhost"),
    ]
    for method, path in routes:
        reply = await api.call(method, path, data=b"{}", headers={"Content-Type": "text/plain"})
        assert (reply.status, reply.content_type) == (415, "text/html"), (method, path)
