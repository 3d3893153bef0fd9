"""A new user's first day with ``wkapi``, through the real entry point: ``WK_API_VERSION``, no
token, task files from spreadsheets, a ZIP asked for under an ``.nml`` name, ``--json`` when a
command fails, and help texts that say what the commands take."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path
from typing import Any

import pytest

from tests.cli.helpers import ThreadedServer, cli_env, run_cli, server_args


def _one_document(stdout: str) -> dict[str, Any]:
    """stdout is exactly one JSON object (what ``| jq`` reads)."""
    document = json.loads(stdout)
    assert isinstance(document, dict)
    return document


# -- WK_API_VERSION ---------------------------------------------------------------------------


@pytest.mark.parametrize(("setting", "expected"), [("7", 7), ("latest", None)])
def test_wk_api_version_is_honoured(
    threaded_server: ThreadedServer, setting: str, expected: int | None
) -> None:
    before = len(threaded_server.server.requests)
    env = cli_env(WK_API_VERSION=setting)

    result = run_cli("info", "--json", *server_args(threaded_server), env=env)

    assert result.returncode == 0, result.stderr
    assert _one_document(result.stdout)["api"]["client"] == expected
    received = threaded_server.server.requests[before:]
    assert [r.api_version for r in received if r.route == "/user"] == [expected]


def test_a_bad_wk_api_version_is_one_error_line(threaded_server: ThreadedServer) -> None:
    result = run_cli("info", *server_args(threaded_server), env=cli_env(WK_API_VERSION="five"))

    assert result.returncode == 1
    assert result.stderr.startswith("error: WK_API_VERSION must be an integer"), result.stderr
    assert "Traceback" not in result.stderr


# -- tokens -----------------------------------------------------------------------------------


def test_no_token_at_all_says_so(threaded_server: ThreadedServer) -> None:
    result = run_cli("projects", "list", "--url", threaded_server.url)

    assert result.returncode == 1
    assert result.stderr.startswith("error: no token given"), result.stderr
    assert "refused the token" not in result.stderr


def test_a_wrong_token_is_still_called_refused(threaded_server: ThreadedServer) -> None:
    env = cli_env(WK_TOKEN="wrong-token")
    result = run_cli("projects", "list", "--url", threaded_server.url, env=env)

    assert result.returncode == 1
    assert result.stderr.startswith("error: the server refused the token (401)"), result.stderr


# -- --json on failure ------------------------------------------------------------------------


def test_json_failures_print_one_document_on_stdout(threaded_server: ThreadedServer) -> None:
    refused = run_cli("projects", "list", "--json", "--url", threaded_server.url, "--token", "x")
    assert refused.returncode == 1
    document = _one_document(refused.stdout)
    assert document == {
        "ok": False,
        "error": {
            "type": "AuthenticationError",
            "message": document["error"]["message"],
            "status": 401,
        },
    }
    assert document["error"]["message"].startswith("the server refused the token (401)")
    assert refused.stderr.startswith("error: the server refused the token")  # still on stderr

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    unreachable = run_cli("info", "--json", "--url", f"http://127.0.0.1:{port}", "--token", "t")
    assert unreachable.returncode == 1
    error = _one_document(unreachable.stdout)["error"]
    assert error["type"] == "APIConnectionError"
    assert error["message"].startswith(f"cannot reach http://127.0.0.1:{port}")
    assert error["status"] is None


def test_json_usage_errors_print_a_document_too() -> None:
    # --json after the bad argument: parsing stopped before reaching it.
    result = run_cli("download", "Sketch", "a" * 24, "--json", "--url", "http://127.0.0.1:1")

    assert result.returncode == 2
    error = _one_document(result.stdout)["error"]
    assert error["type"] == "UsageError"
    assert "Sketch" in error["message"]


def test_json_lists_every_bad_row_of_a_task_file(
    threaded_server: ThreadedServer, task_targets: dict[str, str], tmp_path: Path
) -> None:
    csv = tmp_path / "bad.csv"
    csv.write_text(
        "task_type_id,dataset,project_name,x,y,z\n"
        f"nope,{task_targets['dataset']},edges_project,1,2,3\n"
        f"{task_targets['task_type']},{task_targets['dataset']},edges_project,1,two,3\n"
    )

    result = run_cli("tasks", "create", str(csv), "--json", *server_args(threaded_server))

    assert result.returncode == 1
    error = _one_document(result.stdout)["error"]
    assert error["type"] == "TaskFileError"
    assert [problem["line"] for problem in error["problems"]] == [2, 3]
    assert error["message"].startswith(f"{csv}: 2 bad row(s)")


def test_success_documents_say_ok_too(threaded_server: ThreadedServer, tmp_path: Path) -> None:
    annotation = threaded_server.call(threaded_server.server.add_annotation, state="Finished")

    info = run_cli("info", "--json", *server_args(threaded_server))
    download = run_cli(
        "download",
        "Explorational",
        annotation,
        "-o",
        str(tmp_path),
        "--json",
        *server_args(threaded_server),
    )

    assert _one_document(info.stdout)["ok"] is True
    assert _one_document(download.stdout)["ok"] is True


# -- task files -------------------------------------------------------------------------------


def test_a_column_named_twice_is_refused_with_its_line(
    threaded_server: ThreadedServer, task_targets: dict[str, str], tmp_path: Path
) -> None:
    csv = tmp_path / "twice.csv"
    csv.write_text(
        "task_type_id,dataset,project_name,x,y,z,dataset\n"
        f"{task_targets['task_type']},{task_targets['dataset']},edges_project,1,2,3,other\n"
    )
    before = len(threaded_server.server.requests)

    result = run_cli("tasks", "create", str(csv), *server_args(threaded_server))

    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"error: {csv}:1: column 'dataset' is named twice (columns 2 and 7)"
    ]
    assert threaded_server.server.requests[before:] == []


def test_a_spreadsheets_csv_creates_its_tasks(
    threaded_server: ThreadedServer, task_targets: dict[str, str], tmp_path: Path
) -> None:
    # Semicolons (a comma is the decimal separator there), a trailing delimiter, spaces after
    # the delimiters, positions and bounding boxes with spaces, and a row of empty cells.
    csv = tmp_path / "sheet.csv"
    rows = ["task_type_id; dataset; project_name; edit_position; bounding_box;"]
    rows += [
        f"{task_targets['task_type']}; {task_targets['dataset']}; edges_project; "
        f'"{i}, 2, 3"; "0, 0, 0, 9, 9, 9";'
        for i in range(3)
    ]
    csv.write_text("\n".join([*rows, ";;;;;"]) + "\n")

    result = run_cli("tasks", "create", str(csv), "--json", *server_args(threaded_server))

    assert result.returncode == 0, result.stderr
    data = _one_document(result.stdout)
    assert (data["ok"], data["created"]) == (True, 3)
    tasks = [threaded_server.server.state.tasks[item["task_id"]] for item in data["items"]]
    assert [task.edit_position for task in tasks] == [(0, 2, 3), (1, 2, 3), (2, 2, 3)]


def test_a_bad_bounding_box_is_explained_with_six_numbers(
    threaded_server: ThreadedServer, task_targets: dict[str, str], tmp_path: Path
) -> None:
    csv = tmp_path / "box.csv"
    csv.write_text(
        "task_type_id,dataset,project_name,edit_position,bounding_box\n"
        f'{task_targets["task_type"]},{task_targets["dataset"]},edges_project,"1,2,3","0,0,0"\n'
    )

    result = run_cli("tasks", "create", str(csv), *server_args(threaded_server))

    assert result.returncode == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: {csv}:2: bounding_box must be 6 numbers like ")
    example = re.search(r"like '([^']*)'", line)
    assert example
    assert len(example.group(1).split(",")) == 6


# -- a ZIP asked for under an .nml name ----------------------------------------------------------


def test_a_zip_is_saved_as_zip_even_if_named_nml(
    threaded_server: ThreadedServer, tmp_path: Path
) -> None:
    server = threaded_server.server
    annotation = threaded_server.call(server.add_synthetic_annotation, 64 << 10, "zip")
    asked = tmp_path / "volume.nml"

    args = ["download", "Explorational", annotation, "-o", str(asked), "--json"]
    result = run_cli(*args, *server_args(threaded_server))

    assert result.returncode == 0, result.stderr
    saved = tmp_path / "volume.zip"
    assert _one_document(result.stdout)["path"] == str(saved)
    assert "note: the server sent a ZIP: saved as volume.zip, not volume.nml" in result.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["volume.zip"]
    assert saved.read_bytes().startswith(b"PK")
    uploaded = run_cli("upload", str(saved), "--json", *server_args(threaded_server))
    assert uploaded.returncode == 0, uploaded.stderr


def test_a_zip_named_nml_never_replaces_an_existing_zip_unasked(
    threaded_server: ThreadedServer, tmp_path: Path
) -> None:
    server = threaded_server.server
    annotation = threaded_server.call(server.add_synthetic_annotation, 64 << 10, "zip")
    (tmp_path / "volume.zip").write_bytes(b"mine")
    args = ["download", "Explorational", annotation, "-o", str(tmp_path / "volume.nml")]

    refused = run_cli(*args, *server_args(threaded_server))

    assert refused.returncode == 1
    errors = [line for line in refused.stderr.splitlines() if line.startswith("error")]
    assert errors == [
        f"error: {tmp_path / 'volume.zip'} exists (the download holds a .zip file, so it was "
        "not kept as volume.nml); pass --overwrite to replace it"
    ]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["volume.zip"]  # no .nml left
    assert (tmp_path / "volume.zip").read_bytes() == b"mine"

    replaced = run_cli(*args, "--overwrite", *server_args(threaded_server))
    assert replaced.returncode == 0, replaced.stderr
    assert (tmp_path / "volume.zip").read_bytes().startswith(b"PK")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["volume.zip"]


def test_an_nml_keeps_its_nml_name(threaded_server: ThreadedServer, tmp_path: Path) -> None:
    annotation = threaded_server.call(threaded_server.server.add_annotation, state="Finished")

    result = run_cli(
        "download",
        "Explorational",
        annotation,
        "-o",
        str(tmp_path / "mine.nml"),
        *server_args(threaded_server),
    )

    assert result.returncode == 0, result.stderr
    assert [path.name for path in tmp_path.iterdir()] == ["mine.nml"]
    assert "note:" not in result.stderr


# -- help texts -------------------------------------------------------------------------------

COMMANDS = [
    [],
    ["info"],
    ["projects"],
    ["projects", "list"],
    ["download"],
    ["upload"],
    ["export"],
    ["tasks"],
    ["tasks", "create"],
    ["fake-server"],
    ["demo"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda words: " ".join(words) or "wkapi")
def test_help_texts_have_no_raw_markup_and_every_option_is_explained(command: list[str]) -> None:
    result = run_cli(*command, "--help")

    assert result.returncode == 0, result.stderr
    assert "``" not in result.stdout
    options = re.findall(r"^  (-\S+.*)$", result.stdout, flags=re.MULTILINE)
    for option in options:
        # An option line with only its type and default ("--port INTEGER RANGE  [default: 9000]")
        # says nothing about what it does.
        assert not re.match(r"-[\w-]+(?:, -[\w-]+)*(?: [A-Z_ ]+)?\s{2,}\[", option), option


def test_tasks_create_help_names_every_file_type_and_a_whole_bounding_box() -> None:
    text = " ".join(run_cli("tasks", "create", "--help").stdout.split())

    for suffix in (".csv", ".tsv", ".jsonl", ".ndjson"):
        assert suffix in text
    assert "--run-id" in text
    examples = re.findall(r'bounding_box \("[^"]*", e\.g\. "([^"]*)"\)', text)
    assert examples, text
    assert len(examples[0].split(",")) == 6
