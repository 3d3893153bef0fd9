"""The fake server's shortcuts give exactly what the plain ways give: fast random draws, the
validation fast path, newest-first pages, the render caches, paused collection, fault globs,
and per-response renderers that never serve stale state."""

from __future__ import annotations

import gc
import math
import random

import pytest

from tests.testing.helpers import Api, task_item
from wkapi.testing import FakeWebknossos, FaultKind
from wkapi.testing._cache import ByteBudgetCache
from wkapi.testing._content.nml import below_function
from wkapi.testing._gc import gc_paused
from wkapi.testing._routes._task_creation import task_fields
from wkapi.testing._routes._validation import Field, collect_errors, field_errors, is_valid
from wkapi.testing._state import IdIndex, NewestFirst


@pytest.mark.parametrize("seed", [0, 1, 42, 2**40 + 7])
def test_below_draws_what_randrange_and_randint_draw(seed: int) -> None:
    fast, plain = random.Random(seed), random.Random(seed)
    below = below_function(fast)
    for n in [1, 2, 3, 4, 5, 7, 8, 13, 17, 61, 81, 1000, 1024, 2901, 4801, 65537]:
        for _ in range(50):
            assert below(n) == plain.randrange(n)
            assert -40 + below(n) == plain.randint(-40, n - 41)
    assert fast.random() == plain.random()  # and the generators are still in step


_FIELDS = (
    Field("s", "string"),
    Field("b", "bool", required=False),
    Field("i", "int", required=False),
    Field("n", "number", required=False),
    Field("v", "vec3", required=False),
    Field("l", "strings", required=False),
    Field("o", "object", required=False, children=(Field("x", "int"), Field("y", "vec3"))),
)
_VALUES: list[object] = [
    None,
    True,
    False,
    0,
    7,
    -3,
    1.0,
    1.5,
    math.nan,
    math.inf,
    "x",
    "",
    [],
    [1, 2, 3],
    [1, 2.5, 3],
    [1, True, 3],
    [1, 2],
    ["a", "b"],
    ["a", 1],
    {},
    {"x": 1, "y": [0, 0, 0]},
    {"x": 1.5, "y": [0, 0, 0]},
    {"x": 1, "y": [0, 0]},
    {"x": None, "y": [0, 0, 0]},
]


@pytest.mark.parametrize("key", [f.name for f in _FIELDS])
def test_the_validation_fast_path_agrees_with_the_full_check(key: str) -> None:
    for value in _VALUES:
        body = {"s": "ok", key: value} if key != "s" else {"s": value}
        full = collect_errors(body, _FIELDS)
        assert is_valid(body, _FIELDS) == (full == {}), (key, value, full)
        assert field_errors(body, _FIELDS) == full
    assert not is_valid([], _FIELDS)
    assert field_errors([], _FIELDS) == {"obj": ["error.expected.jsobject"]}


def test_task_fields_are_shared_per_generation(server: FakeWebknossos) -> None:
    fields = task_fields(server._ctx)
    assert fields is task_fields(server._ctx)
    item = task_item(server)
    assert is_valid(item, fields)
    del item["editPosition"]
    assert field_errors(item, fields) == {"obj.editPosition": ["error.path.missing"]}


def test_newest_first_pages_like_a_reversed_list() -> None:
    index = IdIndex()
    for n in range(10):
        index.add(f"{n:024x}")
    index.discard(f"{3:024x}")
    view = NewestFirst(index)
    expected = list(reversed(list(index)))
    assert len(view) == len(expected)
    assert list(view) == expected
    for start in range(-2, 12):
        for stop in range(-2, 12):
            assert view[start:stop] == expected[start:stop], (start, stop)
    assert view[::2] == expected[::2]
    assert [view[i] for i in range(len(view))] == expected
    assert view[-1] == expected[-1]


def test_byte_budget_cache_drops_the_least_recently_used() -> None:
    made: list[str] = []

    def make(key: str) -> bytes:
        made.append(key)
        return key.encode() * 10

    cache: ByteBudgetCache[str, bytes] = ByteBudgetCache(25, len)
    assert cache.get("a", lambda: make("a")) == b"a" * 10
    cache.get("b", lambda: make("b"))
    cache.get("a", lambda: make("a"))  # a is now the most recent
    cache.get("c", lambda: make("c"))  # 30 bytes: b goes
    assert made == ["a", "b", "c"]
    cache.get("a", lambda: make("a"))
    cache.get("b", lambda: make("b"))
    assert made == ["a", "b", "c", "b"]
    assert cache.held_bytes <= 25
    assert cache.get("big", lambda: b"x" * 100) == b"x" * 100  # too big to keep
    assert len(cache) == 2


def test_gc_paused_restores_the_collector_and_respects_a_disabled_one() -> None:
    was_enabled = gc.isenabled()
    try:
        gc.enable()
        with gc_paused():
            assert not gc.isenabled()
        assert gc.isenabled()
        with pytest.raises(RuntimeError), gc_paused():
            raise RuntimeError
        assert gc.isenabled()
        gc.disable()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        if was_enabled:
            gc.enable()


def test_an_edited_fault_rule_matches_its_new_path(server: FakeWebknossos) -> None:
    rule = server.faults.add(FaultKind.DROP, method="get", path="/tasks/*")
    assert rule.matches("GET", "/tasks/abc")
    assert not rule.matches("POST", "/tasks/abc")
    rule.path = "/projects/[ab]*"
    assert not rule.matches("GET", "/tasks/abc")
    assert rule.matches("GET", "/projects/a1")
    assert not rule.matches("GET", "/projects/c1")


async def test_lists_show_state_changed_between_requests(api: Api) -> None:
    server = api.server
    project_id = next(p.id for p in server.state.projects.values())
    first = (await api.get(f"/projects/{project_id}/tasks")).json()
    server.state.projects[project_id].name = "renamed_project"
    server.state.teams[server.state.projects[project_id].team_id].name = "renamed_team"
    task = server.state.tasks[first[0]["id"]]
    task.instances += 5
    again = (await api.get(f"/projects/{project_id}/tasks", version=5)).json()
    assert {t["projectName"] for t in again} == {"renamed_project"}
    assert {t["team"] for t in again} == {"renamed_team"}
    assert again[0]["status"]["pending"] == first[0]["status"]["pending"] + 5
    owner = server.user_ids["user"]
    server.state.users[owner].last_name = "Renamed"
    listed = (await api.get("/user/annotations", role="user")).json()
    assert {a["owner"]["lastName"] for a in listed} == {"Renamed"}
