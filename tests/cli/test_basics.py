"""``wkapi`` as a subprocess: help, info, projects, download, upload, and the one-line errors."""

from __future__ import annotations

import hashlib
import json
import socket
from pathlib import Path

from tests.cli.helpers import ThreadedServer, cli_env, run_cli, server_args
from wkapi.nml import assert_same_content, read_content


def _assert_one_error_line(stderr: str, start: str) -> None:
    """Exactly one ``error:`` line (progress lines may come before it), and no traceback."""
    lines = [line for line in stderr.splitlines() if line.startswith("error")]
    assert len(lines) == 1, stderr
    assert lines[0].startswith(start), stderr
    assert "Traceback" not in stderr


def test_help_lists_every_command() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    for command in (
        "info",
        "projects",
        "download",
        "upload",
        "export",
        "tasks",
        "fake-server",
        "demo",
    ):
        assert command in result.stdout


def test_info_json(threaded_server: ThreadedServer) -> None:
    result = run_cli("info", "--json", *server_args(threaded_server))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["url"] == threaded_server.url
    assert data["webknossos"]["version"] == threaded_server.server.release
    assert (data["api"]["oldest"], data["api"]["current"], data["api"]["client"]) == (5, 9, 5)
    admin = threaded_server.server.state.users[threaded_server.server.user_ids["admin"]]
    assert data["user"]["email"] == admin.email
    assert data["user"]["is_admin"] is True


def test_info_asks_once_and_verbose_on_both_sides_logs_each_request_once(
    threaded_server: ThreadedServer,
) -> None:
    before = len(threaded_server.server.requests)

    result = run_cli("-vv", "info", "-vv", "--json", *server_args(threaded_server))

    assert result.returncode == 0, result.stderr
    received = threaded_server.server.requests[before:]
    assert [r.route for r in received].count("/buildinfo") == 1  # the version check's answer
    logged = [line for line in result.stderr.splitlines() if line.startswith("DEBUG wkapi")]
    assert len(logged) == len(received), result.stderr


def test_info_human_from_the_environment(threaded_server: ThreadedServer) -> None:
    env = cli_env(WK_URL=threaded_server.url, WK_TOKEN=threaded_server.tokens["user"])
    result = run_cli("info", env=env)
    assert result.returncode == 0, result.stderr
    assert "API versions" in result.stdout
    assert "v5 to v9" in result.stdout
    user = threaded_server.server.state.users[threaded_server.server.user_ids["user"]]
    assert user.email in result.stdout


def test_a_refused_token_is_one_line(threaded_server: ThreadedServer) -> None:
    result = run_cli("info", "--url", threaded_server.url, "--token", "wrong-token")
    assert result.returncode == 1
    _assert_one_error_line(result.stderr, "error: the server refused the token (401)")
    assert "wrong-token" not in result.stderr


def test_an_unreachable_server_is_one_line() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    result = run_cli("projects", "list", "--url", url, "--token", "t")
    assert result.returncode == 1
    _assert_one_error_line(result.stderr, f"error: cannot reach {url}")


def test_usage_errors_exit_2() -> None:
    missing_url = run_cli("info")
    assert missing_url.returncode == 2
    assert "no server given" in missing_url.stderr
    missing_output = run_cli("export", "--project", "a" * 24, "--url", "http://127.0.0.1:1")
    assert missing_output.returncode == 2
    assert "--output" in missing_output.stderr
    unknown_type = run_cli("download", "Sketch", "a" * 24, "--url", "http://127.0.0.1:1")
    assert unknown_type.returncode == 2


def test_projects_list(threaded_server: ThreadedServer) -> None:
    result = run_cli("projects", "list", "--json", *server_args(threaded_server))
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    expected = {p.name for p in threaded_server.server.state.projects.values()}
    assert {row["name"] for row in rows} == expected
    assert all(isinstance(row["pending_instances"], int) for row in rows)
    human = run_cli("projects", "list", *server_args(threaded_server))
    assert human.returncode == 0
    for name in expected:
        assert name in human.stdout


def test_download_then_refuse_to_overwrite(threaded_server: ThreadedServer, tmp_path: Path) -> None:
    server = threaded_server.server
    annotation = threaded_server.call(server.add_annotation, state="Finished")
    args = ["download", "Explorational", annotation, "-o", str(tmp_path), "--json"]

    result = run_cli(*args, *server_args(threaded_server))

    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    saved = Path(data["path"])
    assert saved.parent == tmp_path
    assert hashlib.sha256(saved.read_bytes()).hexdigest() == server.expected_sha256(annotation)
    assert data["sha256"] == server.expected_sha256(annotation)
    assert "downloaded" in result.stderr or "done" in result.stderr  # plain progress lines

    again = run_cli(*args, *server_args(threaded_server))
    assert again.returncode == 1
    _assert_one_error_line(again.stderr, f"error: {saved} exists; pass --overwrite")
    assert run_cli(*args, "--overwrite", *server_args(threaded_server)).returncode == 0


def test_download_of_a_missing_annotation(threaded_server: ThreadedServer, tmp_path: Path) -> None:
    result = run_cli(
        "download", "Explorational", "0" * 24, "-o", str(tmp_path), *server_args(threaded_server)
    )
    assert result.returncode == 1
    _assert_one_error_line(result.stderr, "error: not found (404)")


def test_upload(threaded_server: ThreadedServer, tmp_path: Path) -> None:
    server = threaded_server.server
    annotation = threaded_server.call(server.add_annotation, state="Finished")
    downloaded = run_cli(
        "download",
        "Explorational",
        annotation,
        "-o",
        str(tmp_path),
        "--json",
        *server_args(threaded_server),
    )
    path = json.loads(downloaded.stdout)["path"]

    result = run_cli("upload", path, "--json", *server_args(threaded_server))

    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["id"] in server.state.annotations
    assert data["url"] == f"{threaded_server.url}/annotations/{data['id']}"
    again = run_cli(
        "download",
        "Explorational",
        data["id"],
        "-o",
        str(tmp_path / "again"),
        "--json",
        *server_args(threaded_server),
    )
    again_path = Path(json.loads(again.stdout)["path"])
    # The server wrote a new file from the upload: the content came back, not the bytes.
    assert_same_content(path, again_path)
    assert read_content(again_path).annotation_id == data["id"]


def test_upload_of_a_bad_file_sends_nothing(
    threaded_server: ThreadedServer, tmp_path: Path
) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not an annotation")
    before = len(threaded_server.server.requests)
    result = run_cli("upload", str(text), *server_args(threaded_server))
    assert result.returncode == 1
    _assert_one_error_line(result.stderr, "error: ")
    assert "notes.txt" in result.stderr
    uploads = [r for r in threaded_server.server.requests[before:] if r.route.endswith("/upload")]
    assert uploads == []
