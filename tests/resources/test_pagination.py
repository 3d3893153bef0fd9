"""Multi-page iteration with totals for every paged user list, in both server generations, and
the pager's ``page(n)`` keeping its page size when a ``limit`` is set."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from tests.resources.helpers import ClientFactory
from wkapi import Client
from wkapi._pagination import Pager
from wkapi.models import Annotation, AnnotationType
from wkapi.testing import FakeWebknossos

PAGE = 4
ADDED = 11


def add_task_annotations(server: FakeWebknossos, user_id: str, count: int) -> list[str]:
    """``count`` new Task annotations of the user (one per new task), oldest first."""
    task_type = next(t.id for t in server.state.task_types.values() if t.summary == "Trace axons")
    project = server.add_project("paging_project")
    return [
        server.assign_task(server.add_task(project, task_type, "l4_sample"), user_id)
        for _ in range(count)
    ]


def add_explorationals(server: FakeWebknossos, user_id: str, count: int) -> list[str]:
    """``count`` new explorational annotations of the user, oldest first."""
    return [server.add_annotation(owner_id=user_id, dataset="l4_sample") for _ in range(count)]


@dataclass(frozen=True)
class PagedList:
    """One paged route: who lists it, how, and how to add items to it."""

    role: str
    route: str
    typ: AnnotationType
    open: Callable[[Client, str, int, int | None], Pager[Annotation]]
    add: Callable[[FakeWebknossos, str, int], list[str]]


PAGED_LISTS = {
    "users.my_tasks": PagedList(
        "user",
        "/user/tasks",
        AnnotationType.TASK,
        lambda wk, _, size, limit: wk.users.my_tasks(limit=limit, page_size=size),
        add_task_annotations,
    ),
    "users.my_annotations": PagedList(
        "user",
        "/user/annotations",
        AnnotationType.EXPLORATIONAL,
        lambda wk, _, size, limit: wk.users.my_annotations(limit=limit, page_size=size),
        add_explorationals,
    ),
    "users.tasks": PagedList(
        "admin",
        "/users/{user}/tasks",
        AnnotationType.TASK,
        lambda wk, user_id, size, limit: wk.users.tasks(user_id, limit=limit, page_size=size),
        add_task_annotations,
    ),
}


@pytest.mark.parametrize("name", list(PAGED_LISTS))
async def test_pages_are_walked_newest_first_with_the_total(
    name: str, server: FakeWebknossos, connect: ClientFactory
) -> None:
    listing = PAGED_LISTS[name]
    user_id = server.user_ids["user"]
    wk = connect(server, listing.role)
    seeded = [a.id for a in await listing.open(wk, user_id, 1000, None).to_list()]
    added = listing.add(server, user_id, ADDED)
    pager = listing.open(wk, user_id, PAGE, None)

    total = await pager.total()
    assert total == ADDED + len(seeded)
    server.clear_requests()
    found = await pager.to_list()
    assert [a.id for a in found] == added[::-1] + seeded  # newest id first
    assert all(a.typ == listing.typ for a in found)
    route = listing.route.format(user=user_id)
    pages = [(r.query["limit"], r.query["pageNumber"]) for r in server.requests if r.route == route]
    # Pages until one comes back short (an empty one when the total is a multiple of PAGE).
    assert pages == [(str(PAGE), str(n)) for n in range(total // PAGE + 1)]

    assert [a.id for a in await pager.page(1)] == [a.id for a in found[PAGE : 2 * PAGE]]


@pytest.mark.parametrize("name", list(PAGED_LISTS))
async def test_limit_stops_after_the_newest_items(
    name: str, server: FakeWebknossos, connect: ClientFactory
) -> None:
    listing = PAGED_LISTS[name]
    user_id = server.user_ids["user"]
    added = listing.add(server, user_id, ADDED)
    wk = connect(server, listing.role)
    server.clear_requests()
    found = [a.id async for a in listing.open(wk, user_id, PAGE, 6)]
    assert found == added[::-1][:6]
    route = listing.route.format(user=user_id)
    pages = [r.query["pageNumber"] for r in server.requests if r.route == route]
    assert pages == ["0", "1"]  # page 2 is never asked for


async def test_page_uses_the_page_size_even_with_a_smaller_limit(
    server: FakeWebknossos, wk: Client
) -> None:
    user_id = server.user_ids["user"]
    added = add_explorationals(server, user_id, 12)
    newest_first = added[::-1]
    await wk.check_version()
    pager = wk.users.annotations(user_id, limit=2, page_size=5)

    server.clear_requests()
    assert [a.id for a in await pager.page(1)] == newest_first[5:10]
    assert [a.id for a in await pager.page(0)] == newest_first[0:5]
    assert [r.query["limit"] for r in server.requests] == ["5", "5"]
    assert pager.page_size == 5

    server.clear_requests()
    assert [a.id async for a in pager] == newest_first[:2]
    # Iteration asks for no more than the limit: one page of two.
    assert [(r.query["limit"], r.query["pageNumber"]) for r in server.requests] == [("2", "0")]


async def test_page_with_a_large_page_size_and_a_small_limit(
    server: FakeWebknossos, wk: Client
) -> None:
    user_id = server.user_ids["user"]
    add_explorationals(server, user_id, 12)
    everything = [a.id for a in await wk.users.annotations(user_id).to_list()]
    pager = wk.users.annotations(user_id, limit=5)  # page_size: the default 1000
    assert [a.id for a in await pager.page(0)] == everything
    assert await pager.page(1) == []
