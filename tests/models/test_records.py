"""Records built through their slots (``wkapi._records``) are the objects their class builds;
classes whose ``__init__`` does more than store its arguments are built by the class."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from tests.models import samples
from wkapi import models
from wkapi._convert import _detailed
from wkapi._records import record_builder, record_initializer, slot_setters
from wkapi.jobs import BulkTaskItem, BulkTaskReport
from wkapi.models import TaskSpec

BUILT: list[tuple[type, Any]] = [
    (models.Task, samples.task("new")),
    (models.Task, samples.task("old")),
    (models.TaskType, samples.task_type("new")),
    (models.TaskCreationReport, samples.task_creation_report("new")),
    (models.Annotation, samples.annotation("new")),
    (models.Dataset, samples.dataset("new")),
    (models.User, samples.user("new")),
    (models.ProjectWithStatus, samples.project_with_status("new")),
]


def _values(record: Any) -> list[Any]:
    return [getattr(record, f.name) for f in attrs.fields(type(record))]


def _records(record: Any) -> list[Any]:
    """``record`` and the records among its values, depth first."""
    found = [record]
    for value in _values(record):
        values = value if isinstance(value, tuple) else (value,)
        found += [r for v in values if attrs.has(type(v)) for r in _records(v)]
    return found


@pytest.mark.parametrize(("cls", "data"), BUILT, ids=lambda v: getattr(v, "__name__", ""))
def test_a_record_built_through_its_slots_is_the_one_its_class_builds(cls: type, data: Any) -> None:
    for record in _records(_detailed[False].structure(data, cls)):  # built by the classes
        kind = type(record)
        assert slot_setters(kind) is not None, kind
        built = record_builder(kind)(*_values(record))

        assert type(built) is kind
        assert built == record
        assert repr(built) == repr(record)
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            built.id = "x"


def test_the_bulk_reports_items_are_built_through_their_slots() -> None:
    spec = TaskSpec("5b1e45faa000009d00abc003", "ds", "project", (1, 2, 3))
    values = (3, spec, "[wkapi:0123456789ab:3]", None, 404, "unknown project", 1)

    built = record_builder(BulkTaskItem)(*values)

    assert slot_setters(BulkTaskItem) is not None
    assert built == BulkTaskItem(*values)
    assert repr(built) == repr(BulkTaskItem(*values))
    assert slot_setters(BulkTaskReport) is not None


def _positive(instance: Any, attribute: Any, value: int) -> None:
    if value < 0:
        raise ValueError("negative")


@attrs.frozen
class _Validated:
    value: int = attrs.field(validator=_positive)


@attrs.frozen
class _Converted:
    value: int = attrs.field(converter=int)


@attrs.frozen
class _PostInit:
    value: int

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "value", self.value + 1)


@attrs.frozen(cache_hash=True)
class _CachedHash:
    value: int


@attrs.define
class _Mutable:
    value: int


@attrs.frozen(slots=False)
class _WithDict:
    value: int


@attrs.frozen(init=False)
class _OwnInit:
    value: int

    def __init__(self, value: int) -> None:
        self.__attrs_init__(value * 2)


@attrs.frozen
class _NotInit:
    value: int
    derived: int = attrs.field(init=False, default=0)


@pytest.mark.parametrize(
    "cls",
    [_Validated, _Converted, _PostInit, _CachedHash, _Mutable, _WithDict, _OwnInit, _NotInit],
    ids=lambda c: c.__name__,
)
def test_a_class_whose_init_does_more_than_store_builds_its_records(cls: type) -> None:
    assert slot_setters(cls) is None
    assert record_builder(cls) is cls


def test_an_own_init_stores_through_the_slots_what_attrs_init_would() -> None:
    initialize = record_initializer(_OwnInit)
    record = object.__new__(_OwnInit)

    initialize(record, 5)

    expected = object.__new__(_OwnInit)
    expected.__attrs_init__(5)
    assert slot_setters(_OwnInit, own_init=True) is not None
    assert record.value == 5
    assert record == expected
    assert repr(record) == repr(expected)
    assert _OwnInit(5).value == 10  # the class's own __init__ is untouched


def test_an_own_init_of_a_class_that_does_more_falls_back_to_attrs_init() -> None:
    @attrs.frozen(init=False)
    class Checked:
        value: int = attrs.field(validator=_positive)

        def __init__(self, value: int) -> None:
            self.__attrs_init__(value)

    record = object.__new__(Checked)
    with pytest.raises(ValueError, match="negative"):
        record_initializer(Checked)(record, -1)
    assert slot_setters(Checked, own_init=True) is None
