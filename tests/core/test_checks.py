"""Argument checks: one message per kind of mistake, whichever part of the library asks."""

from __future__ import annotations

import inspect
import numbers
from typing import Any

import pytest

import wkapi
from wkapi._checks import check_bool, check_id, check_int, check_name, check_str, is_int
from wkapi.models import TaskSpec

ID = "5a0f7b0e6d00006d00c7a1f2"
HEX24 = "must be an id of 24 lowercase hex characters"


class Numpyish:
    """An integer that is not an ``int``, as NumPy's ``int64`` is."""

    def __init__(self, value: int) -> None:
        self.value = value

    def __int__(self) -> int:
        return self.value

    def __index__(self) -> int:
        return self.value

    def __lt__(self, other: int) -> bool:
        return self.value < other

    def __gt__(self, other: int) -> bool:
        return self.value > other

    def __repr__(self) -> str:
        return f"Numpyish({self.value})"


numbers.Integral.register(Numpyish)


def test_good_values_come_back() -> None:
    assert check_id("task id", ID) == ID
    assert check_int("count", 3, minimum=0, maximum=3) == 3
    assert check_bool("flag", False) is False
    assert check_str("name", "x") == "x"
    assert check_str("note", "", allow_empty=True) == ""
    assert check_name("dataset", " l4 ") == " l4 "


def test_any_integral_passes_and_comes_back_a_plain_int() -> None:
    value = check_int("limit", Numpyish(5), minimum=0)
    assert value == 5
    assert type(value) is int
    assert is_int(Numpyish(1))
    assert is_int(7)
    assert not any(is_int(value) for value in (True, 1.0, "1", None))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: check_id("task id", "abc"), f"task id {HEX24}, got 'abc'"),
        (lambda: check_id("task id", ID.upper()), f"task id {HEX24}, got {ID.upper()!r}"),
        (lambda: check_id("task id", ID + "0"), f"task id {HEX24}, got {ID + '0'!r}"),
        (lambda: check_id("task id", None), f"task id {HEX24}, got None"),
        (lambda: check_int("priority", "1"), "priority must be an int, got '1'"),
        (lambda: check_int("priority", True), "priority must be an int, got True"),
        (lambda: check_int("delta", -1, minimum=0), "delta must be an int >= 0, got -1"),
        (lambda: check_int("delta", 1.5, minimum=0), "delta must be an int >= 0, got 1.5"),
        (lambda: check_int("level", 10, maximum=9), "level must be an int <= 9, got 10"),
        (
            lambda: check_int("page_size", 10_001, minimum=1, maximum=10_000),
            "page_size must be an int >= 1 and <= 10000, got 10001",
        ),
        (
            lambda: check_int("size", Numpyish(-2), minimum=0),
            "size must be an int >= 0, got Numpyish(-2)",
        ),
        (lambda: check_bool("paused", 1), "paused must be True or False, got 1"),
        (lambda: check_bool("paused", "true"), "paused must be True or False, got 'true'"),
        (lambda: check_str("key", ""), "key must be a non-empty string, got ''"),
        (lambda: check_str("key", b"k"), "key must be a non-empty string, got b'k'"),
        (lambda: check_str("note", 5, allow_empty=True), "note must be a string, got 5"),
        (lambda: check_name("dataset", "  "), "dataset must be a non-empty string, got '  '"),
    ],
)
def test_each_kind_of_mistake_has_one_message(call: Any, message: str) -> None:
    with pytest.raises(wkapi.InputError) as caught:
        call()
    assert str(caught.value) == message


async def test_resources_models_and_pager_say_it_the_same_way() -> None:
    async def message_of(call: Any) -> str:
        async def run() -> None:
            result = call()
            if inspect.isawaitable(result):
                await result

        with pytest.raises(wkapi.InputError) as caught:
            await run()
        return str(caught.value)

    async with wkapi.Client("http://127.0.0.1:9", "t", check_version=False) as wk:
        messages = [
            await message_of(lambda: wk.tasks.get("abc")),  # a resource
            await message_of(lambda: wk.users.tasks(ID, limit=-1)),  # the pager
            await message_of(lambda: wk.projects.increment_each_tasks_instances(ID, delta=-1)),
            await message_of(lambda: TaskSpec("abc", "l4", "p", (0, 0, 0))),  # a model
            await message_of(lambda: wk.export.annotations("out", project_id=ID, concurrency=0)),
        ]

    assert messages == [
        "task id must be an id of 24 lowercase hex characters, got 'abc'",
        "limit must be an int >= 0, got -1",
        "delta must be an int >= 0, got -1",
        "task_type_id must be an id of 24 lowercase hex characters, got 'abc'",
        "concurrency must be an int >= 1, got 0",
    ]


def test_an_id_found_valid_before_is_taken_only_as_an_exact_string() -> None:
    class Lying(str):
        """Hashes and compares like a valid id, whatever it holds."""

        def __hash__(self) -> int:
            return hash(ID)

        def __eq__(self, other: object) -> bool:
            return True

        __ne__ = str.__ne__

    assert check_id("task id", ID) == ID  # now among the ids found valid
    assert check_id("task id", ID) == ID
    with pytest.raises(wkapi.InputError, match=f"task id {HEX24}"):
        check_id("task id", Lying("not an id"))
    assert check_id("task id", Lying(ID)) == ID  # a str subclass holding an id is one


def test_many_different_ids_are_each_checked() -> None:
    ids = [f"{i:024x}" for i in range(1000)]

    assert [check_id("id", value) for value in ids] == ids
    for bad in ("0" * 23, "0" * 25, "G" * 24, ids[10].upper(), None, 5):
        with pytest.raises(wkapi.InputError, match=HEX24):
            check_id("id", bad)


def test_config_objects_say_it_as_the_argument_checks_do() -> None:
    """One message per kind of mistake, whether a call's argument or a config field."""
    messages = []
    for build in (
        lambda: wkapi.Limits(concurrency=0),
        lambda: wkapi.RetryPolicy(attempts=0),
        lambda: wkapi.Timeouts(api_total=-1),
    ):
        with pytest.raises(wkapi.ConfigurationError) as caught:
            build()
        messages.append(str(caught.value))

    assert messages == [
        "Limits.concurrency must be an int >= 1, got 0",
        "RetryPolicy.attempts must be an int >= 1, got 0",
        "Timeouts.api_total must be a number > 0 or None, got -1",
    ]
