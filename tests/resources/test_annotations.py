"""``wk.annotations`` (everything but transfers) against the fake server, in both generations."""

from __future__ import annotations

import time

import pytest

from tests.resources.helpers import ClientFactory
from wkapi import BadRequestError, Client, InputError, NotFoundError, PermissionDeniedError
from wkapi.models import AnnotationState, AnnotationType, Visibility
from wkapi.testing import FakeWebknossos

MISSING_ID = "0123456789abcdef01234567"
NOT_AUTHORIZED = "You are not authorized to view or edit this resource"


def new_explorational(server: FakeWebknossos, role: str = "admin", **options: object) -> str:
    return server.add_annotation(owner_id=server.user_ids[role], dataset="l4_sample", **options)  # type: ignore[arg-type]


def task_annotation(server: FakeWebknossos) -> str:
    """An active task annotation of the seeded project."""
    return next(
        a.id for a in server.state.annotations.values() if a.typ == "Task" and a.state == "Active"
    )


async def test_info_reads_an_annotation(server: FakeWebknossos, wk: Client) -> None:
    annotation_id = new_explorational(server, name="my tracing")
    info = await wk.annotations.info("Explorational", annotation_id)
    assert info.id == annotation_id
    assert info.typ == AnnotationType.EXPLORATIONAL
    assert info.state == AnnotationState.ACTIVE
    assert info.name == "my tracing"
    assert info.dataset_name == "l4_sample"
    assert info.restrictions is not None
    assert info.restrictions.allow_update
    # The type's name matches case-insensitively; the enum member works too.
    again = await wk.annotations.info("explorational", annotation_id)
    assert again.id == annotation_id
    assert (await wk.annotations.info(AnnotationType.EXPLORATIONAL, annotation_id)).id == info.id


async def test_info_sends_the_current_time_or_the_given_one(
    server: FakeWebknossos, wk: Client
) -> None:
    annotation_id = new_explorational(server)
    before = int(time.time() * 1000)
    await wk.annotations.info("Explorational", annotation_id)
    after = int(time.time() * 1000)
    await wk.annotations.info("Explorational", annotation_id, timestamp=1234)
    stamps = [int(r.query["timestamp"]) for r in server.requests if r.route.endswith("/info")]
    assert before <= stamps[0] <= after
    assert stamps[1] == 1234


async def test_info_of_a_compound_annotation(server: FakeWebknossos, wk: Client) -> None:
    project = server.state.project_by_name("seed_project_alpha")
    assert project is not None
    info = await wk.annotations.info("CompoundProject", project.id)
    assert info.typ == AnnotationType.COMPOUND_PROJECT
    with pytest.raises(InputError, match="project id"):
        await wk.annotations.info("CompoundProject", "seed_project_alpha")


async def test_missing_annotation_is_not_found(wk: Client) -> None:
    with pytest.raises(NotFoundError) as caught:
        await wk.annotations.info("Explorational", MISSING_ID)
    assert caught.value.messages == ["Annotation could not be found"]


async def test_edit_returns_the_annotation_read_back(server: FakeWebknossos, wk: Client) -> None:
    annotation_id = new_explorational(server)
    edited = await wk.annotations.edit(
        "Explorational",
        annotation_id,
        name="renamed",
        description="about axons",
        visibility="public",
        tags=("a", "b"),
    )
    assert edited.id == annotation_id
    assert edited.name == "renamed"
    assert edited.description == "about axons"
    assert edited.visibility == Visibility.PUBLIC
    assert edited.tags == ("a", "b")
    assert [(m.kind, m.text) for m in edited.messages] == [
        ("success", "Successfully updated annotation")
    ]
    assert server.state.annotations[annotation_id].name == "renamed"


async def test_edit_changes_only_what_is_given(server: FakeWebknossos, wk: Client) -> None:
    annotation_id = new_explorational(server, name="keep me")
    edited = await wk.annotations.edit("Explorational", annotation_id, tags=[])
    assert edited.name == "keep me"
    assert edited.tags == ()


async def test_edit_of_someone_elses_annotation_is_forbidden(
    server: FakeWebknossos, connect: ClientFactory
) -> None:
    annotation_id = new_explorational(server, "admin", visibility="Public")
    with pytest.raises(PermissionDeniedError) as caught:
        await connect(server, "user").annotations.edit("Explorational", annotation_id, name="x")
    assert caught.value.messages == [NOT_AUTHORIZED]


async def test_edit_arguments_are_checked_before_sending(
    server: FakeWebknossos, wk: Client
) -> None:
    annotation_id = new_explorational(server)
    for kwargs, text in [
        ({}, "at least one"),
        ({"visibility": "Secret"}, "visibility must be one of"),
        ({"tags": "axons"}, "list of strings"),
        ({"tags": ["ok", 3]}, "tag must be"),
        ({"name": 5}, "name must be"),
    ]:
        with pytest.raises(InputError, match=text):
            await wk.annotations.edit("Explorational", annotation_id, **kwargs)  # type: ignore[arg-type]
    assert server.requests == []


async def test_finish_and_reopen(server: FakeWebknossos, wk: Client) -> None:
    annotation_id = new_explorational(server)
    finished = await wk.annotations.finish("Explorational", annotation_id)
    assert finished.state == AnnotationState.FINISHED
    assert finished.is_finished
    assert [m.text for m in finished.messages] == ["Annotation is archived"]
    (request,) = [r for r in server.requests if r.route.endswith("/finish")]
    assert abs(int(request.query["timestamp"]) - time.time() * 1000) < 60_000

    with pytest.raises(BadRequestError) as caught:
        await wk.annotations.finish("Explorational", annotation_id)
    assert caught.value.messages == ["Annotation is not active and cannot be finished"]

    reopened = await wk.annotations.reopen("Explorational", annotation_id)
    assert reopened.state == AnnotationState.ACTIVE
    assert [m.kind for m in reopened.messages] == ["success"]
    with pytest.raises(BadRequestError):
        await wk.annotations.reopen("Explorational", annotation_id)


async def test_finish_a_task_annotation(server: FakeWebknossos, wk: Client) -> None:
    annotation_id = task_annotation(server)
    finished = await wk.annotations.finish("Task", annotation_id, timestamp=1_700_000_000_000)
    assert finished.state == AnnotationState.FINISHED
    assert finished.task is not None
    assert [m.text for m in finished.messages] == ["Task is finished"]


async def test_finish_many(server: FakeWebknossos, wk: Client) -> None:
    ids = [new_explorational(server) for _ in range(3)]
    messages = await wk.annotations.finish_many("Explorational", ids)
    assert [m.kind for m in messages] == ["success"]
    assert {server.state.annotations[i].state for i in ids} == {"Finished"}
    (request,) = [r for r in server.requests if r.route == "/annotations/Explorational/finish"]
    assert "timestamp" in request.query
    with pytest.raises(InputError, match="at least one"):
        await wk.annotations.finish_many("Explorational", [])
    with pytest.raises(InputError, match="not one string"):
        await wk.annotations.finish_many("Explorational", ids[0])


async def test_cancel(server: FakeWebknossos, wk: Client) -> None:
    annotation_id = new_explorational(server)
    messages = await wk.annotations.cancel("Explorational", annotation_id)
    assert [(m.kind, m.text) for m in messages] == [("success", "Annotation was cancelled")]
    assert server.state.annotations[annotation_id].state == "Cancelled"
    with pytest.raises(BadRequestError):
        await wk.annotations.cancel("Explorational", annotation_id)


async def test_duplicate_copies_to_the_callers_account(
    server: FakeWebknossos, connect: ClientFactory
) -> None:
    source = new_explorational(server, "admin", visibility="Public", name="original")
    copy = await connect(server, "user").annotations.duplicate("Explorational", source)
    assert copy.id != source
    assert copy.dataset_name == "l4_sample"
    assert copy.owner is not None
    assert copy.owner.id == server.user_ids["user"]


async def test_merge_creates_a_new_explorational(server: FakeWebknossos, wk: Client) -> None:
    first, second = new_explorational(server), new_explorational(server)
    merged = await wk.annotations.merge(
        "Explorational", first, AnnotationType.EXPLORATIONAL, second
    )
    assert merged.id not in (first, second)
    assert merged.typ == AnnotationType.EXPLORATIONAL
    assert [m.text for m in merged.messages] == ["Annotations were merged"]
    with pytest.raises(InputError, match="annotation id"):
        await wk.annotations.merge("Explorational", first, "Explorational", "nope")


async def test_reset_a_task_annotation(server: FakeWebknossos, wk: Client) -> None:
    annotation_id = task_annotation(server)
    reset = await wk.annotations.reset(annotation_id)
    assert reset.id == annotation_id
    assert reset.typ == AnnotationType.TASK
    assert [m.text for m in reset.messages] == ["Annotation was reset"]
    with pytest.raises(BadRequestError) as caught:
        await wk.annotations.reset(new_explorational(server))
    assert caught.value.messages == ["Only task annotations can be reset"]


async def test_bad_type_or_id_never_reaches_the_server(server: FakeWebknossos, wk: Client) -> None:
    annotation_id = new_explorational(server)
    with pytest.raises(InputError, match="typ must be one of Task, View, Explorational"):
        await wk.annotations.info("Skeleton", annotation_id)
    with pytest.raises(InputError, match="typ must be one of"):
        await wk.annotations.finish(None, annotation_id)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="annotation id"):
        await wk.annotations.reopen("Task", annotation_id.upper())
    with pytest.raises(InputError, match="task id"):
        wk.annotations.stream("CompoundTask", "123")
    with pytest.raises(InputError, match="timestamp"):
        await wk.annotations.finish("Explorational", annotation_id, timestamp=-1)
    assert server.requests == []
