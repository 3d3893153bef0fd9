"""``wkapi export`` and ``wkapi tasks create`` as subprocesses."""

from __future__ import annotations

import hashlib
import json
import signal
import time
from pathlib import Path

from tests.cli.helpers import ThreadedServer, run_cli, server_args, start_cli


def test_export_a_project_then_resume(
    threaded_server: ThreadedServer, annotated_project: dict[str, object], tmp_path: Path
) -> None:
    server = threaded_server.server
    args = ["export", "--project", str(annotated_project["project"]), "-o", str(tmp_path), "--json"]

    result = run_cli(*args, *server_args(threaded_server))

    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["ok"], data["succeeded"], data["skipped"], data["failed"]) == (True, 12, 0, 0)
    assert sorted(item["id"] for item in data["items"]) == sorted(annotated_project["annotations"])  # type: ignore[arg-type]
    for item in data["items"]:
        content = Path(item["path"]).read_bytes()
        assert hashlib.sha256(content).hexdigest() == server.expected_sha256(item["id"])
    assert Path(data["manifest"]) == tmp_path / "manifest.jsonl"
    # Not a terminal: plain progress lines on stderr, one per annotation.
    assert sum(" ok Task/" in line for line in result.stderr.splitlines()) == 12

    again = run_cli(*args, *server_args(threaded_server))
    assert again.returncode == 0
    assert json.loads(again.stdout)["skipped"] == 12


def test_export_by_project_name_finished_only_human_output(
    threaded_server: ThreadedServer, annotated_project: dict[str, object], tmp_path: Path
) -> None:
    result = run_cli(
        "export",
        "--project-name",
        "cli_export",
        "--finished",
        "-o",
        str(tmp_path),
        "--quiet",
        *server_args(threaded_server),
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # --quiet
    assert "downloaded" in result.stdout
    assert " 7 " in result.stdout
    assert len(list(tmp_path.glob("Task/*/*.nml"))) == 7


def test_export_with_a_failure_exits_1(
    threaded_server: ThreadedServer, annotated_project: dict[str, object], tmp_path: Path
) -> None:
    annotations = annotated_project["annotations"]
    assert isinstance(annotations, list)
    result = run_cli(
        "export",
        "--annotation",
        f"Task:{annotations[0]}",
        "--annotation",
        "0" * 24,
        "-o",
        str(tmp_path),
        *server_args(threaded_server),
    )
    assert result.returncode == 1
    assert f"failed: Explorational/{'0' * 24}" in result.stdout
    assert "404" in result.stdout
    assert "FAILED Explorational/" in result.stderr


def test_export_compound(
    threaded_server: ThreadedServer, annotated_project: dict[str, object], tmp_path: Path
) -> None:
    result = run_cli(
        "export",
        "--compound",
        "--task-type",
        str(annotated_project["task_type"]),
        "-o",
        str(tmp_path),
        "--json",
        *server_args(threaded_server),
    )
    assert result.returncode == 0, result.stderr
    items = json.loads(result.stdout)["items"]
    assert [(item["typ"], item["status"]) for item in items] == [("CompoundTaskType", "ok")]
    assert items[0]["path"].endswith("_nmls.zip")


def test_export_usage_errors() -> None:
    base = ["export", "-o", "out", "--url", "http://127.0.0.1:1"]
    assert run_cli(*base).returncode == 2
    assert run_cli(*base, "--task", "a" * 24).returncode == 2
    both = run_cli(*base, "--project", "a" * 24, "--project-name", "x")
    assert both.returncode == 2
    assert "not both" in both.stderr


def test_tasks_create_from_csv(
    threaded_server: ThreadedServer, annotated_project: dict[str, object], tmp_path: Path
) -> None:
    server = threaded_server.server
    csv = tmp_path / "tasks.csv"
    rows = ["task_type_id,dataset,project_name,x,y,z,creation_info"]
    rows += [
        f"{annotated_project['task_type']},{annotated_project['dataset']},"
        f"cli_export,{i},0,0,row {i}"
        for i in range(25)
    ]
    csv.write_text("\n".join(rows) + "\n")

    result = run_cli("tasks", "create", str(csv), "--json", *server_args(threaded_server))

    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["ok"], data["created"], data["failed"]) == (True, 25, 0)
    created = {item["task_id"] for item in data["items"]}
    assert created <= set(server.state.tasks)
    infos = sorted(server.state.tasks[t].creation_info or "" for t in created)
    assert all(info.startswith("row ") for info in infos)


def test_tasks_create_refuses_a_bad_file_before_sending(
    threaded_server: ThreadedServer, annotated_project: dict[str, object], tmp_path: Path
) -> None:
    server = threaded_server.server
    csv = tmp_path / "bad.csv"
    csv.write_text(
        "task_type_id,dataset,project_name,x,y,z\n"
        f"{annotated_project['task_type']},{annotated_project['dataset']},cli_export,1,2,3\n"
        f"not-a-type,{annotated_project['dataset']},cli_export,1,2,3\n"
        f"{annotated_project['task_type']},{annotated_project['dataset']},cli_export,1,two,3\n"
    )
    before = len(server.requests)

    result = run_cli("tasks", "create", str(csv), *server_args(threaded_server))

    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error")]
    assert len(errors) == 2, result.stderr
    assert errors[0].startswith(f"error: {csv}:3: ")
    assert errors[1].startswith(f"error: {csv}:4: ")
    assert "Traceback" not in result.stderr
    assert server.requests[before:] == []


def test_tasks_create_reports_refused_items(
    threaded_server: ThreadedServer, annotated_project: dict[str, object], tmp_path: Path
) -> None:
    jsonl = tmp_path / "tasks.jsonl"
    good = {
        "taskTypeId": annotated_project["task_type"],
        "dataSet": annotated_project["dataset"],
        "projectName": "cli_export",
        "editPosition": [1, 2, 3],
    }
    bad = {**good, "projectName": "no_such_project"}
    # Item 1 is on line 4: a blank line and a second blank line come before it.
    jsonl.write_text(json.dumps(good) + "\n\n\n" + json.dumps(bad) + "\n")

    result = run_cli("tasks", "create", str(jsonl), *server_args(threaded_server))

    assert result.returncode == 1
    failures = [line for line in result.stdout.splitlines() if line.startswith("failed:")]
    assert len(failures) == 1, result.stdout
    assert failures[0].startswith("failed: line 4 (index 1, HTTP 404): ")
    assert "no_such_project" in failures[0]

    as_json = run_cli("tasks", "create", str(jsonl), "--json", *server_args(threaded_server))
    assert as_json.returncode == 1
    items = json.loads(as_json.stdout)["items"]
    assert [(item["index"], item["line"], item["ok"]) for item in items] == [
        (0, 1, True),
        (1, 4, False),
    ]


def test_ctrl_c_during_an_export_then_resume(tmp_path: Path) -> None:
    slow = ThreadedServer(latency=0.02)
    try:
        owner = slow.call(slow.server.add_user)
        annotations = [
            slow.call(slow.server.add_annotation, owner_id=owner, state="Finished")
            for _ in range(300)
        ]
        args = ["export", "--user", owner, "-o", str(tmp_path), "--concurrency", "4"]
        args += server_args(slow)
        process = start_cli(*args, "--json")
        manifest = tmp_path / "manifest.jsonl"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if manifest.exists() and manifest.read_bytes().count(b"\n") >= 30:
                break
            time.sleep(0.02)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)

        assert process.returncode == 130, stderr
        assert "interrupted" in stderr
        assert "Traceback" not in stderr
        assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".part")]
        lines = [json.loads(line) for line in manifest.read_text().splitlines()]
        done = {line["id"] for line in lines if line["status"] == "ok"}
        assert 30 <= len(done) < 300

        result = run_cli(*args, "--json")
        assert result.returncode == 0, result.stderr
        data = json.loads(result.stdout)
        assert data["skipped"] == len(done)
        assert data["succeeded"] == 300 - len(done)
        assert sorted(item["id"] for item in data["items"]) == sorted(annotations)
    finally:
        slow.close()


def test_tasks_create_prints_its_run_id_and_resumes_with_it(
    threaded_server: ThreadedServer, annotated_project: dict[str, object], tmp_path: Path
) -> None:
    server = threaded_server.server
    project = threaded_server.call(server.add_project, "cli_resume")
    rows = ["task_type_id,dataset,project_name,x,y,z"]
    rows += [
        f"{annotated_project['task_type']},{annotated_project['dataset']},cli_resume,{i},0,0"
        for i in range(30)
    ]
    partial, full = tmp_path / "partial.csv", tmp_path / "full.csv"
    partial.write_text("\n".join(rows[:21]) + "\n")  # what an interrupted run got through
    full.write_text("\n".join(rows) + "\n")

    first = run_cli("tasks", "create", str(partial), "--json", *server_args(threaded_server))
    assert first.returncode == 0, first.stderr
    run_id = json.loads(first.stdout)["run_id"]
    assert f"run id {run_id} (if interrupted, resume with --run-id {run_id})" in first.stderr

    second = run_cli(
        "tasks", "create", str(full), "--run-id", run_id, "--json", *server_args(threaded_server)
    )

    assert second.returncode == 0, second.stderr
    assert f"resuming run {run_id}" in second.stderr
    data = json.loads(second.stdout)
    assert (data["created"], data["resumed"], data["requests"]) == (30, 20, 1)
    on_server = [t for t in server.state.tasks.values() if t.project_id == project]
    assert sorted(t.edit_position[0] for t in on_server) == list(range(30))


def test_tasks_create_refuses_a_malformed_run_id(
    threaded_server: ThreadedServer, annotated_project: dict[str, object], tmp_path: Path
) -> None:
    csv = tmp_path / "tasks.csv"
    csv.write_text(
        f"task_type_id,dataset,project_name,x,y,z\n{annotated_project['task_type']},d,p,1,2,3\n"
    )

    result = run_cli("tasks", "create", str(csv), "--run-id", "nope", *server_args(threaded_server))

    assert result.returncode == 1
    assert "run_id must be 12 lowercase hex characters" in result.stderr
    assert "Traceback" not in result.stderr
