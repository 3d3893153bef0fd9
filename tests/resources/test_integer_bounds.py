"""Every integer that goes to the server is checked against what the server stores (Scala's
32-bit ``Int`` or 64-bit ``Long``) before anything is sent: ``InputError`` naming the field."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

import wkapi
from tests.resources.helpers import ClientFactory
from wkapi.models import TaskFromFilesParams, TaskSpec
from wkapi.testing import FakeWebknossos

INT32 = 1 << 31
INT64 = 1 << 63
ID = "0123456789abcdef01234567"

Call = Callable[[wkapi.Client, FakeWebknossos], Awaitable[Any]]


def _calls() -> list[tuple[str, Call]]:
    def project(server: FakeWebknossos) -> str:
        return next(iter(server.state.projects))

    def task(server: FakeWebknossos) -> str:
        return next(iter(server.state.tasks))

    def create_project(**changes: Any) -> Call:
        async def call(wk: wkapi.Client, server: FakeWebknossos) -> Any:
            team = server.state.team_by_name("team_alpha")
            assert team is not None
            options: dict[str, Any] = {
                "name": "bounded",
                "team": team.id,
                "priority": 1,
                "expected_time": 1000,
                "owner": server.user_ids["admin"],
            }
            return await wk.projects.create(**{**options, **changes})

        return call

    return [
        ("priority", create_project(priority=INT32)),
        ("priority", create_project(priority=-INT32 - 1)),
        ("expected_time", create_project(expected_time=INT64)),
        ("priority", lambda wk, s: wk.projects.update(project(s), priority=INT32)),
        ("expected_time", lambda wk, s: wk.projects.update(project(s), expected_time=INT64)),
        ("delta", lambda wk, s: wk.projects.increment_each_tasks_instances(project(s), INT32)),
        ("open_instances", lambda wk, s: wk.tasks.update(task(s), INT32)),
        ("page number", lambda wk, s: wk.projects.tasks(project(s)).page(INT32)),
        ("limit", lambda wk, s: wk.projects.tasks(project(s), limit=INT64).to_list()),
        ("timestamp", lambda wk, s: wk.annotations.info("Explorational", ID, timestamp=INT64)),
        (
            "skeleton_version",
            lambda wk, s: wk.annotations.download(
                "Explorational", ID, "out/", skeleton_version=INT64
            ),
        ),
    ]


@pytest.mark.parametrize(("field", "call"), _calls())
async def test_out_of_range_arguments_are_refused_before_sending(
    fake_wk: FakeWebknossos, connect: ClientFactory, field: str, call: Call
) -> None:
    wk = connect(fake_wk)
    await wk.check_version()
    fake_wk.clear_requests()

    with pytest.raises(wkapi.InputError) as caught:
        await call(wk, fake_wk)

    assert str(caught.value).startswith(field), caught.value
    assert fake_wk.requests == []


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"edit_position": (1, 2, 10**20)}, "edit_position"),
        ({"edit_position": (INT32, 0, 0)}, "edit_position"),
        ({"open_instances": INT32}, "open_instances"),
        ({"needed_experience": ("x", INT32)}, "needed_experience.value"),
        ({"bounding_box": (0, 0, 0, INT32, 1, 1)}, "bounding_box.width"),
        ({"bounding_box": (0, -INT32 - 1, 0, 1, 1, 1)}, "bounding_box.top_left"),
        ({"edit_rotation": (0, 0, INT64)}, "edit_rotation"),
    ],
)
def test_task_specs_refuse_what_the_server_cannot_store(
    options: dict[str, Any], field: str
) -> None:
    values: dict[str, Any] = {"edit_position": (1, 2, 3), **options}
    position = values.pop("edit_position")
    with pytest.raises(wkapi.InputError) as caught:
        TaskSpec(ID, "l4_sample", "project", position, **values)
    assert str(caught.value).startswith(field)
    if field != "edit_rotation":  # the others are the server's Int: the message says its bound
        assert "2147483647" in str(caught.value)


def test_the_largest_values_the_server_stores_pass() -> None:
    spec = TaskSpec(
        ID,
        "l4_sample",
        "project",
        (INT32 - 1, -INT32, 0),
        open_instances=INT32 - 1,
        needed_experience=("x", INT32 - 1),
        bounding_box=(-INT32, 0, 0, INT32 - 1, INT32 - 1, INT32 - 1),
        edit_rotation=(0, 0, INT64 - 1),
    )
    assert spec.to_json()["pendingInstances"] == INT32 - 1


def test_rows_and_task_from_files_params_are_bounded_too() -> None:
    row = {
        "task_type_id": ID,
        "dataset": "l4_sample",
        "project_name": "p",
        "edit_position": "1, 2, 99999999999999999999",
    }
    with pytest.raises(wkapi.InputError, match=r"^edit_position must be three ints"):
        TaskSpec.from_row(row)
    with pytest.raises(wkapi.InputError, match=r"^open_instances"):
        TaskSpec.from_row({**row, "edit_position": "1,2,3", "open_instances": str(INT32)})
    with pytest.raises(wkapi.InputError, match=r"^open_instances"):
        TaskFromFilesParams(ID, "p", open_instances=INT32)
    with pytest.raises(wkapi.InputError, match=r"^bounding_box.height"):
        TaskFromFilesParams(ID, "p", bounding_box=(0, 0, 0, 1, INT32, 1))
