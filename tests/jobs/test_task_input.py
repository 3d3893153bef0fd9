"""Task files: CSV, TSV and JSON Lines read into checked specs; every bad row is reported with its
line number, and nothing is returned unless all rows are good."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from wkapi.jobs import TaskFileError, TaskInputError, load_task_specs, specs_from_rows
from wkapi.jobs.task_input import load_task_rows
from wkapi.models import BoundingBox, NeededExperience, TaskSpec

TYPE_ID = "5d6e8f0a1b2c3d4e5f607182"
SCRIPT_ID = "a1b2c3d4e5f60718293a4b5c"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_csv_file_with_snake_and_camel_case_columns_becomes_specs(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "tasks.csv",
        "taskTypeId,dataSet,project_name,edit_position,openInstances,needed_experience,"
        "creationInfo,script_id\n"
        f'{TYPE_ID},l4_sample,lab_project,"1,2,3",2,axons:3,row one,{SCRIPT_ID}\n'
        f'{TYPE_ID},l4_sample,lab_project,"[4, 5, 6]",,,,\n',
    )

    specs = load_task_specs(path)

    assert specs == [
        TaskSpec(
            TYPE_ID,
            "l4_sample",
            "lab_project",
            (1, 2, 3),
            open_instances=2,
            needed_experience=NeededExperience("axons", 3),
            creation_info="row one",
            script_id=SCRIPT_ID,
        ),
        TaskSpec(TYPE_ID, "l4_sample", "lab_project", (4, 5, 6)),
    ]


def test_per_axis_columns_tsv_and_a_byte_order_mark_are_understood(tmp_path: Path) -> None:
    path = tmp_path / "tasks.tsv"
    path.write_bytes(
        b"\xef\xbb\xbftask_type_id\tdataset\tproject_name\tx\ty\tz\n"
        + f"{TYPE_ID}\tl4_sample\tlab_project\t7\t8\t9\n".encode()
    )

    assert load_task_specs(path) == [TaskSpec(TYPE_ID, "l4_sample", "lab_project", (7, 8, 9))]


def test_a_json_lines_file_becomes_specs_and_blank_lines_are_skipped(tmp_path: Path) -> None:
    rows = [
        {
            "taskTypeId": TYPE_ID,
            "dataSet": "l4_sample",
            "projectName": "p_one",
            "editPosition": [1, 2, 3],
        },
        {
            "task_type_id": TYPE_ID,
            "dataset": "l4_sample",
            "project_name": "p_two",
            "edit_position": [4, 5, 6],
            "bounding_box": {"topLeft": [0, 0, 0], "width": 10, "height": 10, "depth": 10},
        },
    ]
    text = orjson.dumps(rows[0]).decode() + "\n\n" + orjson.dumps(rows[1]).decode() + "\n"
    path = write(tmp_path, "tasks.ndjson", text)

    specs = load_task_specs(path)

    assert [s.project_name for s in specs] == ["p_one", "p_two"]
    assert specs[1].bounding_box is not None
    assert specs[1].bounding_box.width == 10


def test_every_bad_csv_row_is_reported_with_its_line_number(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "tasks.csv",
        "task_type_id,dataset,project_name,edit_position\n"
        f'{TYPE_ID},l4_sample,p,"1,2,3"\n'
        f'not-an-id,l4_sample,p,"1,2,3"\n'
        f'{TYPE_ID},l4_sample,p,"1,2"\n'
        f'{TYPE_ID},l4_sample,p,"1,2,3",surplus\n'
        f"{TYPE_ID},,p,\n",
    )

    with pytest.raises(TaskFileError) as caught:
        load_task_specs(path)

    error = caught.value
    assert error.path == str(path)
    assert [line for line, _ in error.problems] == [3, 4, 5, 6]
    reasons = dict(error.problems)
    assert reasons[3].startswith("task_type_id must be an id")
    assert reasons[4].startswith("edit_position must be 3 numbers")
    assert reasons[5] == "1 more cell(s) than header columns"
    assert "is missing" in reasons[6]
    assert str(error).startswith(f"{path}: 4 bad row(s): line 3: task_type_id")
    assert isinstance(error, TaskInputError)


def test_bad_json_lines_are_reported_with_their_line_numbers(tmp_path: Path) -> None:
    good = orjson.dumps(
        {"taskTypeId": TYPE_ID, "dataSet": "d", "projectName": "p", "editPosition": [1, 2, 3]}
    ).decode()
    path = write(tmp_path, "tasks.jsonl", f"{good}\n{{oops\n[1, 2]\n\n{good}\n")

    with pytest.raises(TaskFileError) as caught:
        load_task_specs(path)

    lines = [line for line, _ in caught.value.problems]
    assert lines == [2, 3]
    assert caught.value.problems[0][1].startswith("not valid JSON")
    assert caught.value.problems[1][1] == "expected a JSON object, got list"


def test_unknown_columns_are_named(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "tasks.csv",
        f'task_type_id,dataset,project_name,edit_position,colour,prio\n{TYPE_ID},d,p,"1,2,3",r,1\n',
    )

    with pytest.raises(TaskFileError, match=r"line 1: unknown column\(s\): 'colour', 'prio'$"):
        load_task_specs(path)


def test_a_missing_header_row_is_explained(tmp_path: Path) -> None:
    path = write(tmp_path, "tasks.csv", f'{TYPE_ID},l4_sample,p,"1,2,3"\n')

    with pytest.raises(TaskFileError, match="the first line must be a header row"):
        load_task_specs(path)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("empty.csv", ""),
        ("header_only.csv", "task_type_id,dataset,project_name,edit_position\n"),
        ("empty.jsonl", "\n\n"),
    ],
)
def test_a_file_without_tasks_is_refused(tmp_path: Path, name: str, text: str) -> None:
    with pytest.raises(TaskFileError, match="holds no task"):
        load_task_specs(write(tmp_path, name, text))


def test_unknown_suffixes_and_unreadable_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(TaskFileError, match="unknown task file type"):
        load_task_specs(write(tmp_path, "tasks.xlsx", "x"))
    with pytest.raises(TaskFileError, match="cannot read the file"):
        load_task_specs(tmp_path / "missing.csv")
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes(
        "task_type_id,dataset,project_name,edit_position\nx,d\xe9,p,1\n".encode("latin-1")
    )
    with pytest.raises(TaskFileError, match="cannot read the file"):
        load_task_specs(latin1)


def test_the_format_can_be_named_for_other_suffixes(tmp_path: Path) -> None:
    row = {"taskTypeId": TYPE_ID, "dataSet": "d", "projectName": "p", "editPosition": [1, 2, 3]}
    path = write(tmp_path, "tasks.txt", orjson.dumps(row).decode())

    assert len(load_task_specs(path, file_format="jsonl")) == 1


def test_in_memory_rows_are_checked_all_at_once() -> None:
    good = {"taskTypeId": TYPE_ID, "dataSet": "d", "projectName": "p", "editPosition": [1, 2, 3]}
    spec = TaskSpec(TYPE_ID, "d", "p", (0, 0, 0))

    assert specs_from_rows([good, spec]) == [TaskSpec(TYPE_ID, "d", "p", (1, 2, 3)), spec]
    with pytest.raises(TaskInputError) as caught:
        specs_from_rows([good, {"dataSet": "d"}, 42, spec])
    assert [index for index, _ in caught.value.problems] == [1, 2]
    assert caught.value.problems[1][1] == "expected a TaskSpec or a mapping, got int"
    with pytest.raises(TaskInputError, match="single value"):
        specs_from_rows(spec)  # type: ignore[arg-type]


def test_task_rows_keep_the_physical_line_of_each_csv_row(tmp_path: Path) -> None:
    # A blank line, a quoted cell spanning two lines and CRLF endings: each row keeps the line
    # it starts on, which is what a user opens the file at.
    path = tmp_path / "tasks.csv"
    path.write_bytes(
        b"task_type_id,dataset,project_name,edit_position,creation_info\r\n"
        + f'{TYPE_ID},l4_sample,p,"1,2,3",first\r\n'.encode()
        + b"\r\n"
        + f'{TYPE_ID},l4_sample,p,"4,5,6","two\r\nlines"\r\n'.encode()
        + f'{TYPE_ID},l4_sample,p,"7,8,9",last\r\n'.encode()
    )

    rows = load_task_rows(path)

    assert [row.line for row in rows] == [2, 4, 6]
    assert [row.spec.edit_position for row in rows] == [(1, 2, 3), (4, 5, 6), (7, 8, 9)]
    assert rows[1].spec.creation_info == "two\r\nlines"
    assert [row.spec for row in rows] == load_task_specs(path)


def test_task_rows_keep_the_line_of_each_json_line(tmp_path: Path) -> None:
    good = orjson.dumps(
        {"taskTypeId": TYPE_ID, "dataSet": "d", "projectName": "p", "editPosition": [1, 2, 3]}
    ).decode()
    path = write(tmp_path, "tasks.jsonl", f"\n{good}\n\n\n{good}\n")

    assert [row.line for row in load_task_rows(path)] == [2, 5]


def test_a_bad_row_with_a_multi_line_cell_is_reported_at_its_first_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "tasks.csv",
        "task_type_id,dataset,project_name,edit_position,creation_info\n"
        "\n"
        f'not-an-id,l4_sample,p,"1,2,3","a\nb\nc"\n'
        f'{TYPE_ID},l4_sample,p,"1,2",x\n',
    )

    with pytest.raises(TaskFileError) as caught:
        load_task_specs(path)

    assert [line for line, _ in caught.value.problems] == [3, 6]


@pytest.mark.parametrize("delimiter", [";", "\t"], ids=["semicolon", "tab"])
def test_a_csv_file_separated_by_semicolons_or_tabs_is_recognised(
    tmp_path: Path, delimiter: str
) -> None:
    # As spreadsheets save it where the comma is the decimal separator: "1,2,3" needs no quotes.
    header = delimiter.join(["task_type_id", "dataset", "project_name", "edit_position"])
    path = write(
        tmp_path,
        "tasks.csv",
        f"{header}\n{delimiter.join([TYPE_ID, 'l4_sample', 'p', '1,2,3'])}\n",
    )

    assert load_task_specs(path) == [TaskSpec(TYPE_ID, "l4_sample", "p", (1, 2, 3))]


def test_a_trailing_delimiter_and_rows_of_empty_cells_are_ignored(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "tasks.csv",
        "task_type_id,dataset,project_name,x,y,z,\n"
        f"{TYPE_ID},l4_sample,p,1,2,3,\n"
        f"{TYPE_ID},l4_sample,p,4,5,6\n"
        ",,,,,,\n",
    )

    rows = load_task_rows(path)

    assert [(row.line, row.spec.edit_position) for row in rows] == [(2, (1, 2, 3)), (3, (4, 5, 6))]


def test_a_value_under_a_trailing_unnamed_column_is_still_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "tasks.csv",
        f"task_type_id,dataset,project_name,x,y,z,\n{TYPE_ID},l4_sample,p,1,2,3,oops\n",
    )

    with pytest.raises(TaskFileError) as caught:
        load_task_specs(path)

    assert caught.value.problems == [(2, "1 more cell(s) than header columns")]


def test_positions_and_bounding_boxes_take_spaces_after_commas(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "tasks.csv",
        "task_type_id, dataset, project_name, edit_position, bounding_box\n"
        f'{TYPE_ID}, l4_sample, p, "1, 2, 3", "0, 0, 0, 10, 20, 30"\n'
        f'{TYPE_ID},l4_sample,p,"4, 5, 6","1, 1, 1, 5, 5, 5"\n',
    )

    specs = load_task_specs(path)

    assert [spec.edit_position for spec in specs] == [(1, 2, 3), (4, 5, 6)]
    assert [spec.bounding_box for spec in specs] == [
        BoundingBox((0, 0, 0), 10, 20, 30),
        BoundingBox((1, 1, 1), 5, 5, 5),
    ]


def test_a_column_named_twice_is_refused_on_the_header_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "tasks.csv",
        "task_type_id,dataset,project_name,edit_position,dataset\n"
        f'{TYPE_ID},l4_sample,p,"1,2,3",other\n',
    )

    with pytest.raises(TaskFileError) as caught:
        load_task_specs(path)

    assert caught.value.problems == [(1, "column 'dataset' is named twice (columns 2 and 5)")]


def test_a_header_of_empty_cells_is_explained(tmp_path: Path) -> None:
    path = write(tmp_path, "tasks.csv", f',,,\n{TYPE_ID},l4_sample,p,"1,2,3"\n')

    with pytest.raises(TaskFileError, match="line 1: the first line must be a header row"):
        load_task_specs(path)


def test_a_quote_never_closed_is_a_row_error_not_the_rest_of_the_file_in_one_cell(
    tmp_path: Path,
) -> None:
    header = "task_type_id,dataset,project_name,x,y,z,description\n"
    rows = [f"{TYPE_ID},d,p,1,2,3,a\n", f'{TYPE_ID},d,p,1,2,3,"never closed\n']
    rows += [f"{TYPE_ID},d,p,1,2,3,c\n", f"{TYPE_ID},d,p,1,2,3,d\n"]
    path = write(tmp_path, "tasks.csv", header + "".join(rows))

    with pytest.raises(TaskFileError, match=r"line 3: a quote .* is never closed") as caught:
        load_task_specs(path)
    assert [line for line, _ in caught.value.problems] == [3]


def test_text_after_a_closing_quote_is_a_row_error(tmp_path: Path) -> None:
    header = "task_type_id,dataset,project_name,edit_position\n"
    path = write(tmp_path, "tasks.csv", header + f'{TYPE_ID},d,p,"1,2,3"4\n')

    with pytest.raises(TaskFileError, match="line 2: not valid CSV"):
        load_task_specs(path)
    bad_header = write(tmp_path, "header.csv", '"task_type_id"x,dataset\n')
    with pytest.raises(TaskFileError, match="line 1: not valid CSV"):
        load_task_specs(bad_header)


def test_a_file_not_in_utf8_names_its_line_and_how_to_save_it(tmp_path: Path) -> None:
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes(
        "task_type_id,dataset,project_name,edit_position\nx,K\xf6ln,p,1\n".encode("latin-1")
    )
    utf16 = tmp_path / "utf16.csv"
    utf16.write_bytes("task_type_id,dataset\n".encode("utf-16"))

    with pytest.raises(TaskFileError, match=r"line 2: cannot read the file: not UTF-8 .*CSV UTF-8"):
        load_task_specs(latin1)
    with pytest.raises(TaskFileError, match=r"it is UTF-16 .*CSV UTF-8"):
        load_task_specs(utf16)
