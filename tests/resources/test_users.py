"""``wk.users`` and ``wk.teams`` against the fake server, in both generations."""

from __future__ import annotations

import pytest

from tests.resources.helpers import ClientFactory
from wkapi import Client, InputError, NotFoundError, PermissionDeniedError
from wkapi.models import AnnotationState, AnnotationType, CompactUser, UserRef
from wkapi.testing import FakeWebknossos

MISSING_ID = "0123456789abcdef01234567"


async def test_current_user_is_the_token_owner(server: FakeWebknossos, wk: Client) -> None:
    me = await wk.users.current()
    assert me.id == server.user_ids["admin"]
    assert me.is_admin
    assert me.organization == server.organization
    assert {t.name for t in me.teams} == {"team_alpha", "team_beta"}


async def test_get_reads_another_user(server: FakeWebknossos, wk: Client) -> None:
    user = await wk.users.get(server.user_ids["user"])
    assert user.id == server.user_ids["user"]
    assert not user.is_admin
    assert user.experiences == {"axons": 3}


async def test_list_filters_admins(server: FakeWebknossos, wk: Client) -> None:
    everyone = await wk.users.list()
    admins = await wk.users.list(is_admin=True)
    others = await wk.users.list(is_admin=False)
    assert admins
    assert others
    assert all(u.is_admin for u in admins)
    assert not any(u.is_admin for u in others)
    assert {u.id for u in everyone} == {u.id for u in admins} | {u.id for u in others}
    assert server.user_ids["user"] in {u.id for u in others}


async def test_unknown_user_is_not_found(wk: Client) -> None:
    with pytest.raises(NotFoundError) as caught:
        await wk.users.get(MISSING_ID)
    assert caught.value.status == 404
    assert "User could not be found" in caught.value.messages


async def test_plain_user_cannot_read_a_user_of_another_team(
    server: FakeWebknossos, connect: ClientFactory
) -> None:
    beta_user = server.add_user(teams=["team_beta"])
    with pytest.raises(PermissionDeniedError) as caught:
        await connect(server, "user").users.get(beta_user)
    assert caught.value.status == 403
    assert caught.value.messages


async def test_malformed_user_id_is_refused_before_sending(
    server: FakeWebknossos, wk: Client
) -> None:
    with pytest.raises(InputError, match="user id"):
        await wk.users.get("not-an-id")
    with pytest.raises(InputError, match="user id"):
        wk.users.annotations("ABCDEF0123456789ABCDEF01")
    assert server.requests == []


async def test_teams_lists_the_callers_teams(
    server: FakeWebknossos, connect: ClientFactory
) -> None:
    admin_teams = await connect(server).teams.list()
    assert {t.name for t in admin_teams} == {"team_alpha", "team_beta"}
    assert all(t.organization == server.organization for t in admin_teams)
    user_teams = await connect(server, "user").teams.list()
    assert [t.name for t in user_teams] == ["team_alpha"]


async def test_my_annotations_are_compact_explorationals(
    server: FakeWebknossos, connect: ClientFactory
) -> None:
    wk = connect(server, "user")
    annotations = await wk.users.my_annotations().to_list()
    # The seed gives the user 5 explorationals, one of them cancelled.
    assert len(annotations) == 4
    assert all(a.typ == AnnotationType.EXPLORATIONAL for a in annotations)
    assert all(a.state != AnnotationState.CANCELLED for a in annotations)
    assert all(a.task is None and a.restrictions is None for a in annotations)
    assert all(isinstance(a.owner, UserRef) for a in annotations)
    finished = await wk.users.my_annotations(is_finished=True).to_list()
    assert [a.state for a in finished] == [AnnotationState.FINISHED]


async def test_task_annotations_come_in_the_full_form(
    server: FakeWebknossos, connect: ClientFactory
) -> None:
    user_id = server.user_ids["user"]
    mine = await connect(server, "user").users.my_tasks().to_list()
    theirs = await connect(server).users.tasks(user_id).to_list()
    assert [a.id for a in mine] == [a.id for a in theirs]
    assert mine
    for annotation in mine:
        assert annotation.typ == AnnotationType.TASK
        assert annotation.task is not None
        assert annotation.task.status.total >= 1
        assert isinstance(annotation.owner, CompactUser)


async def test_annotation_pages_are_fetched_lazily_newest_first(
    server: FakeWebknossos, wk: Client
) -> None:
    user_id = server.user_ids["user"]
    added = [server.add_annotation(owner_id=user_id, dataset="l4_sample") for _ in range(12)]
    pager = wk.users.annotations(user_id, page_size=5)
    assert await pager.total() == 12 + 4

    server.clear_requests()
    ids = [a.id async for a in pager]
    assert len(ids) == 16
    assert len(set(ids)) == 16
    assert ids[:12] == added[::-1]  # newest id first
    pages = [r.query for r in server.requests if r.route.endswith("/annotations")]
    assert [(q["limit"], q["pageNumber"]) for q in pages] == [
        ("5", "0"),
        ("5", "1"),
        ("5", "2"),
        ("5", "3"),
    ]

    assert [a.id for a in await pager.page(1)] == ids[5:10]


async def test_limit_stops_iteration_early(server: FakeWebknossos, wk: Client) -> None:
    user_id = server.user_ids["user"]
    for _ in range(10):
        server.add_annotation(owner_id=user_id, dataset="l4_sample")
    server.clear_requests()
    found = await wk.users.annotations(user_id, limit=6, page_size=4).to_list()
    assert len(found) == 6
    assert len([r for r in server.requests if r.route.endswith("/annotations")]) == 2


async def test_finished_filter_and_totals(server: FakeWebknossos, wk: Client) -> None:
    user_id = server.user_ids["user"]
    for _ in range(3):
        server.add_annotation(owner_id=user_id, dataset="l4_sample", state="Finished")
    finished = wk.users.annotations(user_id, is_finished=True)
    active = wk.users.annotations(user_id, is_finished=False)
    assert await finished.total() == 4
    assert all(a.is_finished for a in await finished.to_list())
    assert {a.state for a in await active.to_list()} == {AnnotationState.ACTIVE}


async def test_pager_arguments_are_checked_before_sending(
    server: FakeWebknossos, wk: Client
) -> None:
    with pytest.raises(InputError, match="limit"):
        wk.users.my_annotations(limit=-1)
    with pytest.raises(InputError, match="page_size"):
        wk.users.my_tasks(page_size=0)
    with pytest.raises(InputError, match="is_finished"):
        wk.users.my_tasks(is_finished="yes")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="is_admin"):
        await wk.users.list(is_admin=1)  # type: ignore[arg-type]
    assert server.requests == []
