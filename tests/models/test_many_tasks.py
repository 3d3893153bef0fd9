"""20,000 tasks of both generations structure the same one by one and as a list, in both modes
(how fast is for ``benchmarks/bench_listing.py``, not for a test)."""

from __future__ import annotations

from tests.models import samples
from wkapi._convert import structure, structure_list
from wkapi.models import Task

COUNT = 20_000


def test_20000_tasks_of_both_generations_structure_alike_in_every_mode() -> None:
    tasks = [samples.task("old" if i % 2 else "new", v5_adapter=i % 4 == 0) for i in range(COUNT)]
    for index, data in enumerate(tasks):
        data["id"] = f"{index:024x}"
    ids = [f"{i:024x}" for i in range(COUNT)]

    tolerant = [structure(data, Task, strict=False) for data in tasks]
    strict = [structure(data, Task, strict=True) for data in tasks]
    listed = structure_list(tasks, Task)

    assert [t.id for t in tolerant] == ids
    assert strict == tolerant
    assert listed == tolerant
    assert {t.status.pending for t in tolerant} == {2}
