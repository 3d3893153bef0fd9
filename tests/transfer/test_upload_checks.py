"""Upload inputs are checked before anything is sent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.transfer.helpers import UPLOAD_PATH, Origin
from wkapi._errors import InputError, UploadInputError
from wkapi._transfer import check_upload_files, post_files

LIMIT = 1 << 20


def make(tmp_path: Path, name: str, data: bytes = b"x") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_good_files_pass_and_come_back_absolute(tmp_path, good_nml, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    zipped = make(tmp_path, "b.ZIP", b"PK")
    assert check_upload_files(["good.nml", zipped], max_bytes=LIMIT) == [good_nml, zipped]
    assert check_upload_files("good.nml", max_bytes=LIMIT) == [good_nml]  # a single path


@pytest.mark.parametrize(
    ("name", "setup", "reason"),
    [
        ("missing.nml", None, "no such file"),
        ("folder.zip", "dir", "directory"),
        ("notes.txt", b"text", "only .nml and .zip"),
        ("annotation", b"<things/>", "only .nml and .zip"),
        ("empty.nml", b"", "empty"),
        ("huge.zip", b"x" * (LIMIT + 1), "limit"),
    ],
)
def test_bad_input_names_the_file(tmp_path, good_nml, name, setup, reason) -> None:
    path = tmp_path / name
    if setup == "dir":
        path.mkdir()
    elif setup is not None:
        path.write_bytes(setup)
    with pytest.raises(UploadInputError, match=reason) as caught:
        check_upload_files([good_nml, path], max_bytes=LIMIT)
    assert caught.value.path == str(path)
    assert str(path) in str(caught.value)
    assert isinstance(caught.value, InputError)


def test_fifo_is_not_a_regular_file(tmp_path) -> None:
    fifo = tmp_path / "pipe.nml"
    os.mkfifo(fifo)
    with pytest.raises(UploadInputError, match="regular"):
        check_upload_files([fifo], max_bytes=LIMIT)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_unreadable_file(tmp_path) -> None:
    path = make(tmp_path, "secret.nml", b"<things/>")
    path.chmod(0)
    with pytest.raises(UploadInputError, match="ermission") as caught:
        check_upload_files([path], max_bytes=LIMIT)
    assert caught.value.path == str(path)


def test_total_over_the_limit(tmp_path) -> None:
    files = [make(tmp_path, f"{i}.nml", b"x" * (LIMIT // 2)) for i in range(3)]
    with pytest.raises(UploadInputError, match="together") as caught:
        check_upload_files(files, max_bytes=LIMIT)
    assert caught.value.path is None


def test_nothing_to_upload() -> None:
    with pytest.raises(UploadInputError, match="no files"):
        check_upload_files([], max_bytes=LIMIT)


@pytest.mark.parametrize("bad", ["missing.nml", "dir.zip", "notes.txt", "empty.nml"])
async def test_post_files_sends_nothing_for_bad_input(
    serve_origin, make_session, tmp_path, good_nml, bad
) -> None:
    (tmp_path / "dir.zip").mkdir()
    make(tmp_path, "notes.txt", b"hello")
    make(tmp_path, "empty.nml", b"")
    origin = await serve_origin(Origin(b""))
    session = make_session(origin.url)
    with pytest.raises(UploadInputError):
        await post_files(
            session,
            UPLOAD_PATH,
            files=[good_nml, tmp_path / bad],
            fields={"createGroupForEachFile": "false"},
        )
    assert origin.uploads == []


async def test_body_over_the_clients_limit_is_refused(serve_origin, make_session, tmp_path) -> None:
    data = make(tmp_path, "a.nml", b"x" * 1000)
    origin = await serve_origin(Origin(b""))
    session = make_session(origin.url, max_upload_bytes=1000)  # the file fits, the body does not
    with pytest.raises(UploadInputError, match="request body"):
        await post_files(session, UPLOAD_PATH, files=[data], fields={"formJSON": "{}"})
    assert origin.uploads == []
