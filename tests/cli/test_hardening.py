"""Issue 15's command-line items through the real ``wkapi`` entry point: an integer past the
server's range is a row error, a dead server is given up on with one error line, the export shows
progress while listing off a terminal, and part files of a killed export are removed by the next."""

from __future__ import annotations

import csv
import json
import signal
import time
from pathlib import Path

from tests.cli.helpers import (
    ThreadedServer,
    run_cli,
    server_args,
    start_cli,
    wait_while_running,
)
from wkapi.testing import FaultKind

DOWNLOADS = "/annotations/*/download"


def _task_file(path: Path, task_type: str, rows: list[tuple[object, object, object]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["task_type_id", "dataset", "project_name", "x", "y", "z"])
        for x, y, z in rows:
            writer.writerow([task_type, "l4_sample", "cli_hardening", x, y, z])
    return path


def test_an_integer_past_the_servers_range_is_a_row_error_with_its_line(
    server: ThreadedServer, tmp_path: Path
) -> None:
    task_type = server.call(server.server.add_task_type, "cli bounds")
    server.call(server.server.add_project, "cli_hardening")
    rows = [(1, 2, 3), (1, 2, 10**20), (4, 5, 6), (2**31, 0, 0)]
    path = _task_file(tmp_path / "tasks.csv", task_type, rows)
    server.call(server.server.clear_requests)

    result = run_cli("tasks", "create", str(path), *server_args(server))

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert lines[0].startswith(f"error: {path}:3: edit_position must be three ints"), lines
    assert lines[1].startswith(f"error: {path}:5: edit_position must be three ints"), lines
    assert "2147483647" in lines[0]
    assert server.call(lambda: list(server.server.requests)) == []


def test_tasks_create_gives_up_on_a_dead_server_with_one_error_line(
    tmp_path: Path,
) -> None:
    server = ThreadedServer(latency=0.2)
    task_type = server.call(server.server.add_task_type, "cli dead server")
    server.call(server.server.add_project, "cli_hardening")
    path = _task_file(tmp_path / "tasks.csv", task_type, [(i, 0, 0) for i in range(4000)])
    process = start_cli(
        "tasks",
        "create",
        str(path),
        "--batch-size",
        "50",
        "--concurrency",
        "1",
        "--give-up-after",
        "2",
        "--json",
        *server_args(server),
    )

    def sent_a_batch() -> bool:
        return any(r.route == "/tasks" for r in server.server.requests)

    try:
        # the first batch went out: the server dies now
        wait_while_running(process, lambda: server.call(sent_a_batch), interval=0.05)
        server.close()
        killed = time.monotonic()
        stdout, stderr = process.communicate(timeout=120)
        took = time.monotonic() - killed
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
        server.close()

    assert process.returncode == 1, stderr
    assert took < 15, took  # about the 2 s asked for, not the rest of 80 batches' retries
    assert "Traceback" not in stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, stderr
    assert "is unreachable" in errors[0]
    assert "--run-id" in errors[0]
    document = json.loads(stdout)  # one document on stdout all the same
    assert document["unreachable"] is True
    assert document["ok"] is False
    assert document["resent"] == 0
    assert document["not_sent"] > 0
    assert document["not_sent"] == sum(1 for item in document["items"] if not item["sent"])
    assert document["run_id"] in errors[0]
    # The progress ends "stopped", not "done": the run gave up.
    settled = [line for line in stderr.splitlines() if line.startswith("tasks settled:")]
    assert settled[-1].startswith("tasks settled: stopped, "), stderr
    assert not any(line.startswith("tasks settled: done") for line in settled)


def test_export_gives_up_on_a_dead_server_and_lists_every_annotation_found(
    tmp_path: Path,
) -> None:
    server = ThreadedServer()
    owner = server.call(server.server.add_user)
    annotations = [
        server.call(server.server.add_annotation, owner_id=owner, state="Finished")
        for _ in range(11)
    ]
    server.call(server.server.faults.add, FaultKind.LATENCY, path=DOWNLOADS, delay=0.5)
    destination = tmp_path / "dexp"
    process = start_cli(
        "export",
        "--user",
        owner,
        "-o",
        str(destination),
        "--concurrency",
        "8",
        "--give-up-after",
        "2",
        "--json",
        *server_args(server),
    )

    def downloading() -> bool:
        return any(r.route.endswith("/download") for r in server.server.requests)

    try:
        # the listing is done, downloads go out: it dies
        wait_while_running(process, lambda: server.call(downloading), interval=0.05)
        time.sleep(0.1)
        server.close()
        stdout, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
        server.close()

    assert process.returncode == 1, stderr
    assert "Traceback" not in stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, stderr
    assert "is unreachable" in errors[0]
    document = json.loads(stdout)
    assert document["ok"] is False
    assert document["unreachable"] is True
    # Every annotation found is an item, those not fetched with that status and "sent".
    items = document["items"]
    assert sorted(item["id"] for item in items) == sorted(annotations)
    unfetched = [item for item in items if item["status"] == "not fetched"]
    assert document["not_fetched"] == len(unfetched) >= 3  # 8 downloads at once: 3 waited
    assert f"{len(unfetched)} annotations not fetched" in errors[0]
    assert all(isinstance(item["sent"], bool) for item in items)
    assert all(item["sent"] for item in items if item["status"] == "ok")
    not_sent = [item for item in items if item["status"] not in ("ok", "skipped")]
    # The 3 that waited: a freed worker may start one over a connection the closing server
    # still held (so it may have reached it), the others found no server.
    assert document["not_sent"] == sum(1 for item in not_sent if not item["sent"]) >= 1
    # The listing was done: the give-up is a warning, not a listing error.
    assert document["listing_errors"] == []
    assert any("unreachable" in warning for warning in document["warnings"])
    # The progress ends "stopped", not "done".
    finals = [line for line in stderr.splitlines() if line.startswith(("export:", "downloaded:"))]
    assert finals[-2].startswith("export: stopped, "), stderr
    assert finals[-1].startswith("downloaded: stopped, "), stderr
    assert not any(": done" in line for line in finals), stderr


def test_export_prints_listing_progress_off_a_terminal(
    server: ThreadedServer, tmp_path: Path
) -> None:
    def build() -> str:
        fake = server.server
        task_type = fake.add_task_type("cli listing")
        project = fake.add_project("cli_listing")
        for index in range(60):
            fake.add_task(project, task_type, "l4_sample", edit_position=(index, 0, 0))
        fake.simulate_annotators(project, finish_fraction=1.0, seed=2)
        # Each task's annotation list takes a while: listing the project takes seconds.
        fake.faults.add(FaultKind.LATENCY, path="/tasks/*/annotations", delay=0.15)
        return project

    project = server.call(build)

    result = run_cli(
        "export",
        "--project",
        project,
        "-o",
        str(tmp_path),
        "--concurrency",
        "2",
        *server_args(server),
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    listing = [line for line in result.stderr.splitlines() if line.startswith("listing:")]
    so_far = [line for line in listing if "so far" in line]
    done = [line for line in listing if line.startswith("listing: done")]
    assert len(so_far) >= 2, result.stderr  # while listing, not only at the start
    assert done == [listing[-1]]
    assert f"project {project}: 60" in done[0]
    assert "60 tasks listed" in done[0]
    assert len(so_far) <= 12  # not a line per annotation: about one every 2 s
    counts = [int(line.split()[1]) for line in so_far]
    assert counts == sorted(counts)
    assert counts[-1] < 60


def test_part_files_of_a_killed_export_are_removed_by_the_next(
    server: ThreadedServer, tmp_path: Path
) -> None:
    owner = server.call(server.server.add_user)
    for _ in range(3):
        server.call(server.server.add_synthetic_annotation, 2 << 20, "nml", owner_id=owner)
    rule = server.call(
        server.server.faults.add,
        FaultKind.SLOW_BODY,
        path=DOWNLOADS,
        delay=0.1,
        piece_size=64 << 10,
    )
    destination = tmp_path / "exports"
    process = start_cli("export", "--user", owner, "-o", str(destination), *server_args(server))
    try:
        wait_while_running(process, lambda: bool(list(destination.rglob("*.part"))))
        process.send_signal(signal.SIGKILL)  # no cleanup at all: the part files stay
        process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    left = list(destination.rglob("*.part"))
    assert left, "the killed run left no part file to clean up"
    server.call(server.server.faults.remove, rule)

    result = run_cli("export", "--user", owner, "-o", str(destination), *server_args(server))

    assert result.returncode == 0, result.stderr
    assert list(destination.rglob("*.part")) == []
    assert len(list(destination.rglob("*.nml"))) == 3
