"""TaskSpec: checked on construction, the server's body from to_json(), rows from CSV/JSON lines."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from wkapi._convert import unstructure
from wkapi._errors import InputError
from wkapi.models import BoundingBox, NeededExperience, TaskSpec

TASK_TYPE = "5b1e45faa000009d00abc003"
SCRIPT = "5b1e45faa000009d00abc007"


def spec(**overrides: Any) -> TaskSpec:
    kwargs: dict[str, Any] = {
        "task_type_id": TASK_TYPE,
        "dataset": "2012-06-28_Cortex",
        "project_name": "axons_2024",
        "edit_position": (10, 20, 30),
    }
    kwargs.update(overrides)
    return TaskSpec(**kwargs)


def test_minimal_body_has_exactly_the_required_keys() -> None:
    body = spec().to_json()

    assert body == {
        "taskTypeId": TASK_TYPE,
        "neededExperience": {"domain": "", "value": 0},
        "openInstances": 1,
        "pendingInstances": 1,
        "projectName": "axons_2024",
        "dataSet": "2012-06-28_Cortex",
        "editPosition": [10, 20, 30],
        "editRotation": [0, 0, 0],
    }


def test_full_body() -> None:
    body = spec(
        edit_rotation=(0, 90.5, 180),
        open_instances=3,
        needed_experience=("axons", 2),
        bounding_box=(0, 10, 20, 100, 200, 50),
        script_id=SCRIPT,
        creation_info="batch-1/row-7",
        description="first pass",
    ).to_json()

    assert body == {
        "taskTypeId": TASK_TYPE,
        "neededExperience": {"domain": "axons", "value": 2},
        "openInstances": 3,
        "pendingInstances": 3,
        "projectName": "axons_2024",
        "scriptId": SCRIPT,
        "boundingBox": {"topLeft": [0, 10, 20], "width": 100, "height": 200, "depth": 50},
        "dataSet": "2012-06-28_Cortex",
        "editPosition": [10, 20, 30],
        "editRotation": [0, 90.5, 180],
        "creationInfo": "batch-1/row-7",
        "description": "first pass",
    }


def test_unstructure_gives_the_same_body() -> None:
    task = spec(creation_info="x")

    assert unstructure([task]) == [task.to_json()]


@pytest.mark.parametrize(
    "experience",
    [("nuclei", 4), ["nuclei", 4], {"domain": "nuclei", "value": 4}, NeededExperience("nuclei", 4)],
)
def test_needed_experience_forms(experience: Any) -> None:
    assert spec(needed_experience=experience).needed_experience == NeededExperience("nuclei", 4)


@pytest.mark.parametrize(
    "box",
    [
        BoundingBox((1, 2, 3), 4, 5, 6),
        {"topLeft": [1, 2, 3], "width": 4, "height": 5, "depth": 6},
        {"top_left": (1, 2, 3), "width": 4, "height": 5, "depth": 6},
        (1, 2, 3, 4, 5, 6),
        [1, 2, 3, 4, 5, 6],
    ],
)
def test_bounding_box_forms(box: Any) -> None:
    assert spec(bounding_box=box).bounding_box == BoundingBox((1, 2, 3), 4, 5, 6)


def test_zero_sized_bounding_box_and_zero_experience_are_allowed() -> None:
    task = spec(bounding_box=(0, 0, 0, 0, 0, 0), needed_experience=("x", 0))

    assert task.bounding_box == BoundingBox((0, 0, 0), 0, 0, 0)


def test_spec_is_frozen_and_evolve_revalidates() -> None:
    task = spec()

    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        task.open_instances = 2  # type: ignore[misc]
    assert attrs.evolve(task, open_instances=5).open_instances == 5
    with pytest.raises(InputError, match="open_instances"):
        attrs.evolve(task, open_instances=0)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"task_type_id": "abc"}, "task_type_id must be an id of 24 lowercase hex characters"),
        ({"task_type_id": TASK_TYPE.upper()}, "task_type_id must be an id"),
        ({"dataset": ""}, "dataset must be a non-empty string"),
        ({"dataset": None}, "dataset must be a non-empty string"),
        ({"project_name": "  "}, "project_name must be a non-empty string"),
        ({"edit_position": (1, 2)}, "edit_position must be three ints, got 2 values"),
        ({"edit_position": "123"}, "edit_position must be three ints"),
        ({"edit_position": (1, 2, 3.5)}, "edit_position must be three ints"),
        ({"edit_position": (1, 2, True)}, "edit_position must be three ints"),
        ({"edit_rotation": (0, 0, float("nan"))}, "edit_rotation must be three finite numbers"),
        ({"edit_rotation": (0, 0, "90")}, "edit_rotation must be three finite numbers"),
        ({"open_instances": 0}, "open_instances must be an int >= 1, got 0"),
        ({"open_instances": 1.0}, "open_instances must be an int >= 1"),
        ({"open_instances": True}, "open_instances must be an int >= 1"),
        ({"needed_experience": ("x", -1)}, "needed_experience.value must be an int >= 0"),
        ({"needed_experience": (3, 1)}, "needed_experience.domain must be a string"),
        ({"needed_experience": {"domain": "x"}}, "needed_experience must have the keys"),
        ({"needed_experience": "x:1"}, "needed_experience must be"),
        ({"bounding_box": (0, 0, 0, -1, 1, 1)}, "bounding_box.width must be an int >= 0"),
        ({"bounding_box": (0, 0, 0, 1, 1)}, "bounding_box must be a BoundingBox"),
        (
            {"bounding_box": {"topLeft": [0, 0], "width": 1, "height": 1, "depth": 1}},
            "bounding_box.top_left",
        ),
        ({"bounding_box": {"topLeft": [0, 0, 0], "width": 1}}, "bounding_box must have the keys"),
        ({"script_id": "script"}, "script_id must be an id"),
        ({"creation_info": ""}, "creation_info must be a non-empty string"),
        ({"description": 5}, "description must be a string"),
    ],
)
def test_invalid_values_raise_input_error_naming_the_field(
    overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(InputError) as info:
        spec(**overrides)

    assert str(info.value).startswith(message)
    assert isinstance(info.value, ValueError)


# --- rows -----------------------------------------------------------------------------------


def test_csv_row_with_text_cells() -> None:
    row = {
        "task_type_id": TASK_TYPE,
        "dataset": "2012-06-28_Cortex",
        "project_name": "axons_2024",
        "edit_position": "10,20,30",
        "edit_rotation": "[0, 90.5, 0]",
        "open_instances": "3",
        "needed_experience": "axons:2",
        "bounding_box": "0,10,20,100,200,50",
        "script_id": "",
        "creation_info": "batch-1/row-7",
        "description": "",
    }

    task = TaskSpec.from_row(row)

    assert task == spec(
        edit_rotation=(0.0, 90.5, 0.0),
        open_instances=3,
        needed_experience=("axons", 2),
        bounding_box=(0, 10, 20, 100, 200, 50),
        creation_info="batch-1/row-7",
    )


def test_camel_case_json_line() -> None:
    row = {
        "taskTypeId": TASK_TYPE,
        "dataSet": "2012-06-28_Cortex",
        "projectName": "axons_2024",
        "editPosition": [10, 20, 30],
        "editRotation": [0, 0, 0],
        "openInstances": 2,
        "neededExperience": {"domain": "axons", "value": 1},
        "boundingBox": {"topLeft": [1, 2, 3], "width": 4, "height": 5, "depth": 6},
        "scriptId": SCRIPT,
        "creationInfo": "c",
        "description": None,
    }

    task = TaskSpec.from_row(row)

    assert task.to_json() == {
        "taskTypeId": TASK_TYPE,
        "neededExperience": {"domain": "axons", "value": 1},
        "openInstances": 2,
        "pendingInstances": 2,
        "projectName": "axons_2024",
        "scriptId": SCRIPT,
        "boundingBox": {"topLeft": [1, 2, 3], "width": 4, "height": 5, "depth": 6},
        "dataSet": "2012-06-28_Cortex",
        "editPosition": [10, 20, 30],
        "editRotation": [0, 0, 0],
        "creationInfo": "c",
    }


def test_the_same_value_under_two_names_is_fine() -> None:
    task = TaskSpec.from_row(_row(openInstances="2", pending_instances="2"))

    assert task.open_instances == 2


def test_a_task_body_reads_back_as_the_same_spec() -> None:
    original = spec(needed_experience=("a", 1), bounding_box=(1, 2, 3, 4, 5, 6), creation_info="c")

    assert TaskSpec.from_row(original.to_json()) == original


def test_per_axis_columns() -> None:
    row = {
        "Task Type Id": TASK_TYPE,
        "dataset_name": "ds",
        "project-name": "p",
        "x": "1",
        "y": "2",
        "z": "3",
        "edit_rotation_x": "0",
        "edit_rotation_y": "45.5",
        "edit_rotation_z": "0",
        "needed_experience_domain": "nuclei",
        "needed_experience_value": "7",
        "instances": 4,
    }

    task = TaskSpec.from_row(row)

    assert task.edit_position == (1, 2, 3)
    assert task.edit_rotation == (0.0, 45.5, 0.0)
    assert task.needed_experience == NeededExperience("nuclei", 7)
    assert task.open_instances == 4
    assert task.dataset == "ds"


def test_edit_position_columns_with_long_names() -> None:
    row = {
        "task_type_id": TASK_TYPE,
        "dataset": "ds",
        "project_name": "p",
        "edit_position_x": 5,
        "edit_position_y": 6,
        "edit_position_z": 7,
    }

    assert TaskSpec.from_row(row).edit_position == (5, 6, 7)


def _row(**cells: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "task_type_id": TASK_TYPE,
        "dataset": "ds",
        "project_name": "p",
        "edit_position": "1,2,3",
    }
    row.update(cells)
    return {k: v for k, v in row.items() if v is not None}


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (_row(dataset=""), "dataset is missing"),
        (_row(edit_position=None), "edit_position is missing"),
        (_row(edit_position="1,2"), "edit_position must be 3 numbers like '1,2,3', got '1,2'"),
        (_row(edit_position="1,2,x"), "edit_position must hold ints, got 'x'"),
        (_row(edit_position="1,2,3.5"), "edit_position must hold ints, got '3.5'"),
        (_row(edit_rotation="0,0,inf"), "edit_rotation must hold finite numbers"),
        (_row(open_instances="two"), "open_instances must be an int, got 'two'"),
        (_row(open_instances="0"), "open_instances must be an int >= 1, got 0"),
        (_row(needed_experience="axons"), "needed_experience: expected 'domain:value'"),
        (_row(needed_experience="axons:x"), "needed_experience.value must be an int"),
        (
            _row(needed_experience_domain="axons"),
            "needed_experience: missing needed_experience_value",
        ),
        (
            _row(needed_experience="a:1", needed_experience_value="2"),
            "needed_experience is given twice",
        ),
        (_row(x="1", y="2", z="3"), "edit_position is given twice"),
        (_row(edit_position=None, x="1", y="2"), "edit_position: missing z"),
        (_row(bounding_box="1,2,3"), "bounding_box must be 6 numbers"),
        (_row(edit_postion="1,2,3"), "unknown field: 'edit_postion'"),
        (_row(notes=""), "unknown field: 'notes'"),
        (_row(dataSet="other"), "dataset is given twice (as 'dataset' and 'dataSet')"),
        (_row(openInstances="2", pendingInstances="3"), "open_instances is given twice"),
        (_row(script_id="nope"), "script_id must be an id"),
    ],
)
def test_bad_rows_raise_input_error_naming_the_field(row: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError) as info:
        TaskSpec.from_row(row)

    assert str(info.value).startswith(message)


def test_row_must_be_a_mapping() -> None:
    with pytest.raises(InputError, match="must be a mapping"):
        TaskSpec.from_row(["a", "b"])  # type: ignore[arg-type]


def test_a_short_bounding_box_is_explained_with_a_six_number_example() -> None:
    with pytest.raises(InputError) as caught:
        TaskSpec.from_row(_row(bounding_box="0,0,0"))

    assert str(caught.value) == (
        "bounding_box must be 6 numbers like '0,0,0,100,100,50', got '0,0,0'"
    )


@pytest.mark.parametrize(
    ("overrides", "position", "rotation", "experience"),
    [
        ({"edit_position": [1, 2, 3]}, (1, 2, 3), (0, 0, 0), NeededExperience("", 0)),
        ({"edit_rotation": [0.5, 90, 0]}, (10, 20, 30), (0.5, 90, 0), NeededExperience("", 0)),
        (
            {"needed_experience": ("nuclei", 3)},
            (10, 20, 30),
            (0, 0, 0),
            NeededExperience("nuclei", 3),
        ),
    ],
)
def test_plain_values_come_out_as_tuples_of_the_same_values(
    overrides: dict[str, Any], position: Any, rotation: Any, experience: Any
) -> None:
    built = spec(**overrides)

    assert built.edit_position == position
    assert type(built.edit_position) is tuple
    assert built.edit_rotation == rotation
    assert type(built.edit_rotation) is tuple
    assert [type(v) for v in built.edit_rotation] == [type(v) for v in rotation]
    assert built.needed_experience == (experience or NeededExperience("", 0))


@pytest.mark.parametrize("rotation", [(0, 0, 2**63), (0, -(2**63) - 1, 0), [10**20, 0, 0]])
def test_a_rotation_beyond_64_bits_is_refused_on_the_fast_path_too(rotation: object) -> None:
    with pytest.raises(InputError, match="edit_rotation must be three finite numbers of 64 bits"):
        TaskSpec(TASK_TYPE, "ds", "proj", (1, 2, 3), edit_rotation=rotation)  # type: ignore[arg-type]
