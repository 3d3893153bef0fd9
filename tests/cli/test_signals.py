"""SIGTERM (``timeout``, ``scancel``, ``docker stop``) sent to a real ``wkapi`` process mid-job:
handled as Ctrl-C, so nothing half-written is left, and the exit status is 143."""

from __future__ import annotations

import json
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path

from tests.cli.helpers import ThreadedServer, run_cli, server_args, start_cli, wait_while_running
from wkapi.testing import FaultKind

EXIT_TERMINATED = 143
DOWNLOADS = "/annotations/*/download"


def _start(server: ThreadedServer, *args: str) -> subprocess.Popen[str]:
    return start_cli(*args, *server_args(server))


def _terminate_when(
    process: subprocess.Popen[str], ready: Callable[[], bool], timeout: float = 60
) -> tuple[str, str]:
    """Send SIGTERM once ``ready()`` holds; the process's stdout and stderr after it ended."""
    try:
        wait_while_running(process, ready, timeout=timeout, interval=0.01)
        process.send_signal(signal.SIGTERM)
        return process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def _part_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.name.endswith(".part")]


def _assert_terminated(process: subprocess.Popen[str], stderr: str) -> None:
    assert process.returncode == EXIT_TERMINATED, stderr
    assert stderr.rstrip().endswith("terminated (SIGTERM)"), stderr
    assert "Traceback" not in stderr


def test_sigterm_mid_download_removes_the_part_file_and_exits_143(
    server: ThreadedServer, tmp_path: Path
) -> None:
    annotation = server.call(server.server.add_synthetic_annotation, 8 << 20, "zip")
    server.call(
        server.server.faults.add,
        FaultKind.SLOW_BODY,
        path=DOWNLOADS,
        delay=0.05,
        piece_size=64 << 10,
    )
    process = _start(server, "download", "Explorational", annotation, "-o", str(tmp_path), "--json")

    stdout, stderr = _terminate_when(process, lambda: bool(_part_files(tmp_path)))

    _assert_terminated(process, stderr)
    assert list(tmp_path.iterdir()) == []  # no part file, no partial file under the final name
    document = json.loads(stdout)  # --json: one document even so
    assert document["ok"] is False
    assert document["error"]["type"] == "Terminated"


def test_sigterm_mid_download_removes_the_directories_it_created(
    server: ThreadedServer, tmp_path: Path
) -> None:
    annotation = server.call(server.server.add_synthetic_annotation, 8 << 20, "zip")
    server.call(
        server.server.faults.add,
        FaultKind.SLOW_BODY,
        path=DOWNLOADS,
        delay=0.05,
        piece_size=64 << 10,
    )
    (tmp_path / "sig3").mkdir()
    folder = tmp_path / "sig3" / "new" / "dir"
    process = _start(server, "download", "Explorational", annotation, "-o", f"{folder}/")

    _, stderr = _terminate_when(process, lambda: bool(_part_files(tmp_path)))

    _assert_terminated(process, stderr)
    # No part file, and of the folders only the one that was there before.
    assert list(tmp_path.rglob("*")) == [tmp_path / "sig3"]


def test_sigterm_before_an_export_recorded_anything_leaves_nothing(
    server: ThreadedServer, tmp_path: Path
) -> None:
    owner = server.call(server.server.add_user)
    for _ in range(4):
        server.call(server.server.add_synthetic_annotation, 2 << 20, "nml", owner_id=owner)
    server.call(
        server.server.faults.add,
        FaultKind.SLOW_BODY,
        path=DOWNLOADS,
        delay=0.1,  # a file takes 3 s: none is complete when the signal lands
        piece_size=64 << 10,
    )
    destination = tmp_path / "new" / "exports"
    process = _start(server, "export", "--user", owner, "-o", str(destination))

    _, stderr = _terminate_when(process, lambda: bool(_part_files(tmp_path)))

    _assert_terminated(process, stderr)
    # No part file, no empty manifest, and the directories the run made are gone.
    assert list(tmp_path.iterdir()) == []


def test_sigterm_mid_export_keeps_whole_manifest_lines_and_the_next_run_resumes(
    server: ThreadedServer, tmp_path: Path
) -> None:
    owner = server.call(server.server.add_user)
    annotations = [
        server.call(server.server.add_annotation, owner_id=owner, state="Finished")
        for _ in range(300)
    ]
    server.call(server.server.faults.add, FaultKind.LATENCY, path=DOWNLOADS, delay=0.03)
    manifest = tmp_path / "manifest.jsonl"
    args = ["export", "--user", owner, "-o", str(tmp_path), "--concurrency", "4"]

    def recorded_some() -> bool:
        return manifest.exists() and manifest.read_bytes().count(b"\n") >= 20

    _, stderr = _terminate_when(_start(server, *args), recorded_some)

    assert "terminated (SIGTERM)" in stderr
    assert not _part_files(tmp_path)
    raw = manifest.read_bytes()
    assert raw.endswith(b"\n")
    done = {json.loads(line)["id"] for line in raw.splitlines()}
    assert 20 <= len(done) < 300
    again = run_cli(*args, "--json", *server_args(server))
    assert again.returncode == 0, again.stderr
    data = json.loads(again.stdout)
    assert (data["skipped"], data["succeeded"]) == (len(done), 300 - len(done))
    assert sorted(item["id"] for item in data["items"]) == sorted(annotations)


def test_sigterm_mid_task_creation_then_resume_creates_each_task_once(
    server: ThreadedServer, tmp_path: Path
) -> None:
    fake = server.server

    def setup() -> tuple[str, str, str]:
        task_type = fake.add_task_type("sigterm skeleton")
        project = fake.add_project("sigterm_project")
        return task_type, project, next(iter(fake.state.datasets))

    task_type, project, dataset = server.call(setup)
    server.call(fake.faults.add, FaultKind.LATENCY, method="POST", path="/tasks", delay=0.1)
    rows = ["task_type_id,dataset,project_name,x,y,z"]
    rows += [f"{task_type},{dataset},sigterm_project,{i},0,0" for i in range(3000)]
    csv = tmp_path / "tasks.csv"
    csv.write_text("\n".join(rows) + "\n")

    def in_project() -> list[int]:
        tasks = fake.state.tasks.values()
        return [task.edit_position[0] for task in tasks if task.project_id == project]

    args = ["tasks", "create", str(csv), "--batch-size", "100", "--concurrency", "2"]
    process = _start(server, *args, "--json")
    stdout, stderr = _terminate_when(process, lambda: len(server.call(in_project)) >= 300)

    _assert_terminated(process, stderr)
    assert 300 <= len(server.call(in_project)) < 3000
    document = json.loads(stdout)  # what a pipeline reads to resume
    assert document["error"]["type"] == "Terminated"
    run_id = document["run_id"]
    assert f"resume with --run-id {run_id}" in stderr
    resumed = run_cli(
        *args,
        "--run-id",
        run_id,
        "--json",
        *server_args(server),
        timeout=120,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout)["created"] == 3000
    assert sorted(server.call(in_project)) == list(range(3000))
