"""limit / pageNumber / includeTotalCount / isFinished, newest id first."""

from __future__ import annotations

import pytest

from tests.testing.helpers import Api


def _mine(api: Api, states: set[str]) -> list[str]:
    user_id = api.server.user_ids["user"]
    found = [
        a.id
        for a in api.server.state.annotations.values()
        if a.owner_id == user_id and a.typ == "Explorational" and a.state in states
    ]
    return sorted(found, reverse=True)


async def test_newest_first_and_no_cancelled_by_default(
    api: Api, explorationals: list[str]
) -> None:
    ids = [a["id"] for a in (await api.get("/user/annotations", role="user")).json()]
    assert ids == _mine(api, {"Active", "Finished"})
    assert "X-Total-Count" not in (await api.get("/user/annotations", role="user")).headers


@pytest.mark.parametrize(("flag", "state"), [("true", "Finished"), ("false", "Active")])
async def test_is_finished(api: Api, explorationals: list[str], flag: str, state: str) -> None:
    listed = (await api.get("/user/annotations", role="user", params={"isFinished": flag})).json()
    assert {a["state"] for a in listed} == {state}
    assert [a["id"] for a in listed] == _mine(api, {state})


async def test_pages_and_total(api: Api, explorationals: list[str]) -> None:
    expected = _mine(api, {"Active", "Finished"})
    seen: list[str] = []
    for page in range(10):
        params = {"limit": "4", "pageNumber": str(page), "includeTotalCount": "true"}
        reply = await api.get("/user/annotations", role="user", params=params)
        assert reply.headers["X-Total-Count"] == str(len(expected))
        batch = [a["id"] for a in reply.json()]
        if not batch:
            break
        assert len(batch) <= 4
        seen.extend(batch)
    assert seen == expected


async def test_other_users_lists(api: Api) -> None:
    user_id = api.server.user_ids["user"]
    reply = await api.get(f"/users/{user_id}/tasks", params={"includeTotalCount": "true"})
    tasks = reply.json()
    assert tasks
    assert all(a["typ"] == "Task" for a in tasks)
    assert reply.headers["X-Total-Count"] == str(len(tasks))
    explorationals = (await api.get(f"/users/{user_id}/annotations")).json()
    assert explorationals
    assert all(a["typ"] == "Explorational" for a in explorationals)


async def test_default_annotation_limit_is_1000(api: Api) -> None:
    for _ in range(1005):
        api.server.add_annotation(dataset="l4_sample")
    reply = await api.get("/user/annotations", role="user", params={"includeTotalCount": "1"})
    assert len(reply.json()) == 1000
    assert int(reply.headers["X-Total-Count"]) > 1000


async def test_project_tasks_unbounded_by_default(api: Api) -> None:
    server = api.server
    project = server.add_project("big_project")
    task_type = next(iter(server.state.task_types))
    created = [server.add_task(project, task_type, "l4_sample") for _ in range(1100)]
    everything = (await api.get(f"/projects/{project}/tasks")).json()
    assert [t["id"] for t in everything] == created[::-1]
    params = {"limit": "500", "pageNumber": "2", "includeTotalCount": "true"}
    reply = await api.get(f"/projects/{project}/tasks", params=params)
    assert [t["id"] for t in reply.json()] == created[::-1][1000:]
    assert reply.headers["X-Total-Count"] == "1100"


@pytest.mark.parametrize("value", ["True", "yes"])
async def test_bad_boolean_is_html_400(api: Api, value: str) -> None:
    reply = await api.get("/user/annotations", params={"isFinished": value})
    assert reply.status == 400
    assert reply.content_type == "text/html"
    assert "isFinished" in reply.text


@pytest.mark.parametrize(
    "value",
    ["ten", "1_0", " 2", "2 ", "", "1.0", "0x10", "2147483648", "𝟨", "1" * 5000, "-" + "9" * 4400],
)
async def test_bad_int_is_html_400(api: Api, value: str) -> None:
    """Play parses Int parameters as Java does: an optional sign and digits, 32 bits; a digit
    outside the BMP (``𝟨``) is no digit to Java. Thousands of digits are a 400, not a crash."""
    reply = await api.get("/user/annotations", params={"limit": value})
    assert (reply.status, reply.content_type) == (400, "text/html")
    assert "Cannot parse parameter limit as Int" in reply.text


@pytest.mark.parametrize(
    ("value", "count"),
    [("2", 2), ("+2", 2), ("002", 2), ("-0", 0), ("0" * 5000 + "2", 2), ("٣", 3), ("２", 2)],
)
async def test_java_style_ints_are_accepted(api: Api, value: str, count: int) -> None:
    """Java reads any number of leading zeros, and decimal digits of any script (``٣`` is 3)."""
    reply = await api.get("/user/annotations", params={"limit": value}, role="user")
    assert reply.status == 200
    assert len(reply.json()) == count


async def test_timestamp_is_a_long(api: Api) -> None:
    annotation_id = api.server.add_annotation(dataset="l4_sample")
    path = f"/annotations/Explorational/{annotation_id}/info"
    assert (await api.get(path, params={"timestamp": "1700000000000"})).status == 200
    reply = await api.get(path, params={"timestamp": "17_000"})
    assert (reply.status, reply.content_type) == (400, "text/html")
    assert "Cannot parse parameter timestamp as Long" in reply.text
    reply = await api.get(path, params={"timestamp": str(2**63)})
    assert reply.status == 400


@pytest.mark.parametrize(("value", "state"), [(" true", "Finished"), ("0 ", "Active")])
async def test_booleans_are_trimmed_as_play_does(api: Api, value: str, state: str) -> None:
    reply = await api.get("/user/annotations", params={"isFinished": value}, role="user")
    assert reply.status == 200
    assert {a["state"] for a in reply.json()} == {state}
