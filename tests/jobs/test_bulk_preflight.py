"""The bulk preflight: one verdict per item, in input order, from one lookup per distinct task
type and project name."""

from __future__ import annotations

from tests.jobs.helpers import OTHER_DATASET, OTHER_PROJECT, PROJECT, Lab
from wkapi.jobs._bulk_plan import BatchKey
from wkapi.jobs._bulk_preflight import Clearance, Preflight, Refusal

UNKNOWN_TYPE = "0123456789abcdef01234567"


def _preflight(lab: Lab, volume_task_types: set[str] | None = None) -> Preflight:
    client = lab.client
    return Preflight(client.task_types, client.projects, volume_task_types=volume_task_types)


async def test_each_item_gets_its_verdict_in_input_order(lab: Lab) -> None:
    specs = [
        *lab.specs(2),
        *lab.specs(1, start=2, task_type=lab.volume, dataset=OTHER_DATASET),
        *lab.specs(1, start=3, project="no_such_project"),
        *lab.specs(1, start=4, task_type=UNKNOWN_TYPE),
        *lab.specs(1, start=5, task_type=lab.hybrid, project=OTHER_PROJECT),
    ]
    lab.server.clear_requests()

    verdicts = await _preflight(lab).check(specs, concurrency=4)

    assert len(verdicts) == len(specs)
    first, second, volume, no_project, no_type, hybrid = verdicts
    assert first == second
    assert isinstance(first, Clearance)
    assert first.project.id == lab.project_id
    assert first.key == BatchKey(specs[0].dataset, False, None)
    assert isinstance(volume, Clearance)
    assert volume.key == BatchKey(OTHER_DATASET, True, None)
    assert isinstance(no_project, Refusal)
    assert no_project.status == 404
    assert "unknown project 'no_such_project'" in no_project.message
    assert isinstance(no_type, Refusal)
    assert f"unknown task type {UNKNOWN_TYPE}" in no_type.message
    assert isinstance(hybrid, Clearance)
    assert hybrid.project.id == lab.other_project_id
    assert hybrid.key.volume is True
    # One lookup per distinct name or id: 4 task types, 3 project names (each with its newest
    # task), however many items share them.
    routes = [request.route for request in lab.server.requests]
    assert sum(route.startswith("/taskTypes/") for route in routes) == 4
    assert sum(route.startswith("/projects/byName/") for route in routes) == 3


async def test_task_types_taken_on_word_are_not_looked_up_and_key_their_batches(lab: Lab) -> None:
    specs = [*lab.specs(1), *lab.specs(1, start=1, task_type=UNKNOWN_TYPE, project=PROJECT)]
    lab.server.clear_requests()

    verdicts = await _preflight(lab, volume_task_types={UNKNOWN_TYPE}).check(specs, concurrency=2)

    assert [type(verdict) for verdict in verdicts] == [Clearance, Clearance]
    keys = [verdict.key for verdict in verdicts if isinstance(verdict, Clearance)]
    assert keys == [
        BatchKey(specs[0].dataset, False, lab.skeleton),
        BatchKey(specs[1].dataset, True, UNKNOWN_TYPE),
    ]
    assert not [r for r in lab.server.requests if r.route.startswith("/taskTypes")]
