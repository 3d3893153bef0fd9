"""The fake server bounds integers as the real one's Scala types do: ``Int`` fields (instances,
experience, bounding boxes, positions, priority) are 32 bits, ``expectedTime`` a 64-bit ``Long``."""

from __future__ import annotations

import pytest

from tests.testing.helpers import Api, project_body, task_item

INT_MAX = (1 << 31) - 1


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"pendingInstances": INT_MAX + 1, "openInstances": INT_MAX + 1}, "pendingInstances"),
        ({"neededExperience": {"domain": "a", "value": INT_MAX + 1}}, "neededExperience.value"),
        ({"editPosition": [0, INT_MAX + 1, 0]}, "editPosition"),
        (
            {"boundingBox": {"topLeft": [0, 0, 0], "width": INT_MAX + 1, "height": 1, "depth": 1}},
            "boundingBox.width",
        ),
        (
            {
                "boundingBox": {
                    "topLeft": [-(INT_MAX + 2), 0, 0],
                    "width": 1,
                    "height": 1,
                    "depth": 1,
                }
            },
            "boundingBox.topLeft",
        ),
    ],
)
async def test_task_items_past_the_int_range_are_refused_like_play(
    api: Api, changes: dict[str, object], path: str
) -> None:
    before = len(api.server.state.tasks)

    reply = await api.post("/tasks", json=[task_item(api.server, **changes)])

    assert reply.status == 400
    errors = reply.json()[f"obj[0].{path}"]
    assert errors[0]["msg"][0] in ("error.expected.int", "error.expected.vec3")
    assert len(api.server.state.tasks) == before


async def test_the_largest_ints_pass(api: Api) -> None:
    item = task_item(
        api.server,
        pendingInstances=INT_MAX,
        openInstances=INT_MAX,
        editPosition=[INT_MAX, -INT_MAX - 1, 0],
    )
    reply = await api.post("/tasks", json=[item])
    assert reply.status == 200, reply.text


async def test_project_priority_is_an_int_and_expected_time_a_long(api: Api) -> None:
    too_big = await api.post("/projects", json=project_body(api, priority=INT_MAX + 1))
    assert too_big.status == 400
    assert too_big.json()["errors"] == [{"field": "/priority", "error": "error.expected.int"}]
    long_time = await api.post(
        "/projects", json=project_body(api, name="long_time", expectedTime=(1 << 40))
    )
    assert long_time.status == 200, long_time.text
