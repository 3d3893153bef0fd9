"""``wkapi download``, ``upload`` and ``export`` paths and options as a user types them: a
trailing slash means a directory, the download options reach the server, upload shows progress,
and a failed export leaves no empty destination behind."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from tests.cli.helpers import ThreadedServer, run_cli, server_args


def _finished_annotation(server: ThreadedServer, **options: object) -> str:
    return server.call(server.server.add_annotation, state="Finished", **options)


def test_download_to_a_new_directory_with_a_trailing_slash_saves_inside_it(
    threaded_server: ThreadedServer, tmp_path: Path
) -> None:
    annotation = _finished_annotation(threaded_server)
    target = tmp_path / "exports" / "nested"

    result = run_cli(
        "download",
        "Explorational",
        annotation,
        "-o",
        f"{target}{os.sep}",
        "--json",
        *server_args(threaded_server),
    )

    assert result.returncode == 0, result.stderr
    saved = Path(json.loads(result.stdout)["path"])
    assert target.is_dir()
    assert saved.parent == target
    expected = threaded_server.server.expected_sha256(annotation)
    assert hashlib.sha256(saved.read_bytes()).hexdigest() == expected


def test_a_refused_download_to_a_new_directory_creates_none(
    threaded_server: ThreadedServer, tmp_path: Path
) -> None:
    target = tmp_path / "exports" / "nested"

    result = run_cli(
        "download",
        "Explorational",
        "0" * 24,
        "-o",
        f"{target}{os.sep}",
        *server_args(threaded_server),
    )

    assert result.returncode == 1, result.stderr
    assert "404" in result.stderr or "not found" in result.stderr.lower(), result.stderr
    assert list(tmp_path.iterdir()) == []


def test_download_with_a_trailing_slash_onto_a_file_is_one_error_line(
    threaded_server: ThreadedServer, tmp_path: Path
) -> None:
    annotation = _finished_annotation(threaded_server)
    occupied = tmp_path / "taken"
    occupied.write_text("mine")

    result = run_cli(
        "download",
        "Explorational",
        annotation,
        "-o",
        f"{occupied}/",
        *server_args(threaded_server),
    )

    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error")]
    assert len(errors) == 1, result.stderr
    assert str(occupied) in errors[0]
    assert occupied.read_text() == "mine"


def test_download_without_a_trailing_slash_still_names_the_file(
    threaded_server: ThreadedServer, tmp_path: Path
) -> None:
    annotation = _finished_annotation(threaded_server)
    target = tmp_path / "mine.nml"

    result = run_cli(
        "download", "Explorational", annotation, "-o", str(target), *server_args(threaded_server)
    )

    assert result.returncode == 0, result.stderr
    assert target.is_file()


def test_export_into_a_new_directory_with_a_trailing_slash(
    threaded_server: ThreadedServer, tmp_path: Path
) -> None:
    annotation = _finished_annotation(threaded_server)
    target = tmp_path / "out"

    result = run_cli(
        "export", "--annotation", annotation, "-o", f"{target}/", *server_args(threaded_server)
    )

    assert result.returncode == 0, result.stderr
    assert (target / "manifest.jsonl").is_file()
    assert len(list(target.glob(f"Explorational/{annotation}/*"))) == 1


def test_download_passes_the_version_and_volume_options(
    threaded_server: ThreadedServer, tmp_path: Path
) -> None:
    server = threaded_server.server
    annotation = _finished_annotation(threaded_server, volume_layers=["segmentation"])
    before = len(server.requests)

    result = run_cli(
        "download",
        "Explorational",
        annotation,
        "-o",
        str(tmp_path),
        "--volume-data-zip-format",
        "zarr3",
        "--skeleton-version",
        "3",
        "--volume-version",
        "4",
        "--json",
        *server_args(threaded_server),
    )

    assert result.returncode == 0, result.stderr
    downloads = [r for r in server.requests[before:] if r.route.endswith("/download")]
    assert [r.query for r in downloads] == [
        {"volumeDataZipFormat": "zarr3", "skeletonVersion": "3", "volumeVersion": "4"}
    ]
    assert json.loads(result.stdout)["path"].endswith(".zip")


def test_download_refuses_a_bad_zip_format_before_sending() -> None:
    result = run_cli(
        "download",
        "Explorational",
        "a" * 24,
        "--volume-data-zip-format",
        "tar",
        "--url",
        "http://127.0.0.1:1",
    )
    assert result.returncode == 2
    assert "tar" in result.stderr


def test_upload_shows_its_bytes_on_plain_progress_lines(
    threaded_server: ThreadedServer, tmp_path: Path
) -> None:
    annotation = _finished_annotation(threaded_server)
    downloaded = run_cli(
        "download",
        "Explorational",
        annotation,
        "-o",
        str(tmp_path),
        "--json",
        *server_args(threaded_server),
    )
    path = Path(json.loads(downloaded.stdout)["path"])

    result = run_cli("upload", str(path), *server_args(threaded_server))

    assert result.returncode == 0, result.stderr
    # Not a terminal: lines instead of a bar; the last one has the whole body's size.
    progress = [line for line in result.stderr.splitlines() if line.startswith("upload:")]
    assert progress, result.stderr
    assert progress[-1].startswith("upload: done, ")
    assert "(100%)" in progress[-1]
    assert "B/s" in progress[-1]  # the rate


def test_a_failed_export_leaves_no_new_directory(tmp_path: Path) -> None:
    target = tmp_path / "new" / "out"

    result = run_cli("export", "--user", "a" * 24, "-o", str(target), "--url", "http://127.0.0.1:1")

    assert result.returncode == 1
    assert "error: cannot reach" in result.stderr
    assert not (tmp_path / "new").exists()
