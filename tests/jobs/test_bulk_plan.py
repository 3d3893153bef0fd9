"""Unit tests of the bulk job's pure parts: batching, markers and the report."""

from __future__ import annotations

import orjson
import pytest

from wkapi.jobs import BulkTaskItem, BulkTaskReport
from wkapi.jobs._bulk_markers import (
    MARKER_PATTERN,
    MarkerMatcher,
    make_marker,
    marked_creation_info,
    marker_prefix,
    new_run_id,
)
from wkapi.jobs._bulk_plan import BatchKey, plan_batches
from wkapi.jobs._bulk_run import _body, _Item
from wkapi.models import TaskSpec

SKELETON_A = BatchKey("a", volume=False)
SKELETON_B = BatchKey("b", volume=False)
VOLUME_A = BatchKey("a", volume=True)


def sizes(batches: list[list[tuple[int, BatchKey]]]) -> list[int]:
    return [len(batch) for batch in batches]


def plan(keys: list[BatchKey], batch_size: int | None = None) -> list[list[tuple[int, BatchKey]]]:
    return plan_batches(list(enumerate(keys)), lambda item: item[1], batch_size)


def test_2500_skeleton_items_make_3_batches_and_250_volume_items_3() -> None:
    assert sizes(plan([SKELETON_A] * 2500)) == [1000, 1000, 500]
    assert sizes(plan([VOLUME_A] * 250)) == [100, 100, 50]


def test_batch_size_is_capped_by_the_servers_limit() -> None:
    assert sizes(plan([SKELETON_A] * 700, batch_size=300)) == [300, 300, 100]
    assert sizes(plan([VOLUME_A] * 150, batch_size=500)) == [100, 50]


def test_batches_hold_one_dataset_and_one_limit_class_in_input_order() -> None:
    keys = [SKELETON_A, SKELETON_B, VOLUME_A, SKELETON_A, SKELETON_B, VOLUME_A, SKELETON_A]

    batches = plan(keys, batch_size=2)

    for batch in batches:
        assert len({key for _, key in batch}) == 1
        indexes = [index for index, _ in batch]
        assert indexes == sorted(indexes)
    assert [[i for i, _ in batch] for batch in batches] == [[0, 3], [1, 4], [2, 5], [6]]


def test_task_type_ids_separate_batches_when_they_are_part_of_the_key() -> None:
    one = BatchKey("a", volume=False, task_type_id="1" * 24)
    two = BatchKey("a", volume=False, task_type_id="2" * 24)

    assert sizes(plan([one, two, one, two])) == [2, 2]


def test_markers_are_unique_per_run_and_index_and_parse_back() -> None:
    run = new_run_id()
    marker = make_marker(run, 41)

    assert marker == f"[wkapi:{run}:41]"
    assert new_run_id() != run
    match = MARKER_PATTERN.fullmatch(marker)
    assert match is not None
    assert match.groups() == (run, "41")


def test_every_marker_of_a_run_starts_with_its_prefix() -> None:
    run = new_run_id()

    assert make_marker(run, 7) == f"{marker_prefix(run)}7]"
    assert MARKER_PATTERN.fullmatch(f"{marker_prefix(run)}123]") is not None


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"creation_info": "batch 7", "description": ""},
        {
            "edit_rotation": (0.5, -90, 1e-7),
            "open_instances": 3,
            "needed_experience": ("nuclei", 2),
            "bounding_box": (1, 2, 3, 40, 50, 60),
            "script_id": "5b1e45faa000009d00abc007",
            "description": "a ü description",
        },
    ],
)
def test_the_body_sent_is_the_specs_own_with_its_marker(options: dict[str, object]) -> None:
    spec = TaskSpec("5b1e45faa000009d00abc003", "l4_sample", "project", (1, -2, 3), **options)  # type: ignore[arg-type]
    marker = make_marker("0123456789ab", 41)
    expected = spec.to_json() | {"creationInfo": marked_creation_info(spec.creation_info, marker)}

    sent = orjson.dumps(_body(_Item(41, spec, marker)))

    assert orjson.loads(sent) == orjson.loads(orjson.dumps(expected))


def test_the_users_creation_info_stays_a_readable_prefix() -> None:
    assert marked_creation_info("batch 7", "[wkapi:0123456789ab:3]") == (
        "batch 7 [wkapi:0123456789ab:3]"
    )
    assert marked_creation_info(None, "[wkapi:0123456789ab:3]") == "[wkapi:0123456789ab:3]"


@pytest.mark.parametrize(
    ("creation_info", "index"),
    [
        ("[wkapi:0123456789ab:17]", 17),
        ("from sheet [wkapi:0123456789ab:5]", 5),
        ("copied [wkapi:ffffffffffff:9] [wkapi:0123456789ab:2]", 2),  # another run's marker
        ("quoting [wkapi:0123456789ab:1] then [wkapi:0123456789ab:8]", 8),  # the last one wins
        ("[wkapi:ffffffffffff:9]", None),
        ("wkapi:0123456789ab:9", None),
        ("", None),
        (None, None),
    ],
)
def test_a_matcher_finds_only_its_own_runs_markers(
    creation_info: str | None, index: int | None
) -> None:
    assert MarkerMatcher("0123456789ab").index(creation_info) == index


def spec(x: int) -> TaskSpec:
    return TaskSpec("0" * 24, "l4_sample", "project", (x, 0, 0))


def test_the_report_counts_and_lists_failures_in_input_order() -> None:
    items = (
        BulkTaskItem(0, spec(0), "[wkapi:0123456789ab:0]", status=404, error="unknown project"),
        BulkTaskItem(1, spec(1), "[wkapi:0123456789ab:1]", status=400, error="bad script", sends=1),
    )
    report = BulkTaskReport("0123456789ab", items, requests=1)

    assert report.created == 0
    assert report.failed == 2
    assert not report.ok
    assert [f.index for f in report.failures] == [0, 1]
    assert report.tasks == ()
    assert report.summary() == ("0 created, 2 failed of 2 (1 requests, 0 resent, 0 reconciled)")


def test_a_report_with_duplicates_is_not_ok_even_if_every_item_was_created() -> None:
    report = BulkTaskReport("0123456789ab", (), duplicate_task_ids=("a" * 24,))

    assert report.failed == 0
    assert report.duplicates == 1
    assert not report.ok
