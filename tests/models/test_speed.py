"""A measurement, not a timing assertion: how fast tasks structure (run with -s to see it)."""

from __future__ import annotations

import time

from tests.models import samples
from wkapi._convert import structure, structure_list
from wkapi.models import Task

COUNT = 20_000


def test_structure_20000_tasks_rate() -> None:
    tasks = [samples.task("old" if i % 2 else "new", v5_adapter=i % 4 == 0) for i in range(COUNT)]
    for index, data in enumerate(tasks):
        data["id"] = f"{index:024x}"

    rates = {}
    for strict in (False, True):
        started = time.perf_counter()
        built = [structure(data, Task, strict=strict) for data in tasks]
        rates[strict] = COUNT / (time.perf_counter() - started)
        assert [t.id for t in built[:3]] == [f"{i:024x}" for i in range(3)]
        assert built[-1].status.pending == 2
    started = time.perf_counter()
    listed = structure_list(tasks, Task)
    list_rate = COUNT / (time.perf_counter() - started)

    assert len(listed) == COUNT
    print(
        f"\nstructured {COUNT} tasks: tolerant {rates[False]:,.0f}/s, "
        f"strict {rates[True]:,.0f}/s, structure_list {list_rate:,.0f}/s"
    )
