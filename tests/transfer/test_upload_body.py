"""post_files: a streamed, exact-length, replayable multipart body."""

from __future__ import annotations

import json

import pytest

from tests.transfer.helpers import UPLOAD_PATH, Origin
from wkapi import _upload
from wkapi._errors import ServerError, UploadInputError
from wkapi._transfer import post_files


def parse_multipart(content_type: str, body: bytes) -> list[tuple[dict[str, str], bytes]]:
    """Split a multipart body strictly by its boundary."""
    boundary = content_type.split("boundary=", 1)[1].encode()
    assert body.startswith(b"--" + boundary + b"\r\n")
    assert body.endswith(b"--" + boundary + b"--\r\n")
    parts = []
    for piece in body.split(b"--" + boundary)[1:-1]:
        assert piece.startswith(b"\r\n")
        assert piece.endswith(b"\r\n")
        head, _, data = piece[2:-2].partition(b"\r\n\r\n")
        headers = dict(line.split(": ", 1) for line in head.decode().split("\r\n"))
        parts.append((headers, data))
    return parts


async def test_multipart_layout_and_length(serve_origin, make_session, multipart_files) -> None:
    origin = await serve_origin(Origin(b""))
    form = json.dumps({"taskTypeId": "t", "projectName": "Prüfung"})
    sent: list[tuple[int, int | None]] = []
    response = await post_files(
        make_session(origin.url),
        UPLOAD_PATH,
        files=multipart_files,
        fields={"formJSON": form, "createGroupForEachFile": "true"},
        progress=lambda done, total: sent.append((done, total)),
    )
    assert response.json()["annotation"]["typ"] == "Explorational"
    headers, body = origin.uploads[0]
    assert int(headers["Content-Length"]) == len(body)
    assert "Transfer-Encoding" not in headers
    parts = parse_multipart(headers["Content-Type"], body)
    assert [p[0]["Content-Disposition"] for p in parts] == [
        'form-data; name="formJSON"',
        'form-data; name="createGroupForEachFile"',
        'form-data; name="first %22one%22.nml"; filename="first %22one%22.nml"',
        'form-data; name="zweite-Datei.zip"; filename="zweite-Datei.zip"',
    ]
    assert parts[0][1].decode() == form
    assert parts[1][1] == b"true"
    assert parts[2][1] == multipart_files[0].read_bytes()
    assert parts[3][1] == multipart_files[1].read_bytes()
    assert parts[3][0]["Content-Type"] == "application/zip"
    assert sent[-1] == (len(body), len(body))


async def test_files_are_read_in_bounded_chunks(
    serve_origin, make_session, multipart_files, monkeypatch
):
    sizes: list[int] = []
    real = _upload._read_exactly

    def recording(handle, size, upload):
        sizes.append(size)
        return real(handle, size, upload)

    monkeypatch.setattr(_upload, "_read_exactly", recording)
    origin = await serve_origin(Origin(b""))
    await post_files(make_session(origin.url), UPLOAD_PATH, files=multipart_files, fields={})
    assert max(sizes) == _upload.READ_SIZE
    assert sum(sizes) == sum(f.stat().st_size for f in multipart_files)


async def test_retry_after_503_sends_the_same_bytes(
    serve_origin, make_session, multipart_files
) -> None:
    origin = await serve_origin(Origin(b"", statuses=[503]))
    await post_files(
        make_session(origin.url),
        UPLOAD_PATH,
        files=multipart_files,
        fields={"createGroupForEachFile": "false"},
    )
    assert len(origin.uploads) == 2
    (first_headers, first), (second_headers, second) = origin.uploads
    assert first == second
    assert len(first) > 2 << 20
    assert first_headers["Content-Type"] == second_headers["Content-Type"]


async def test_500_is_not_retried_for_a_post(serve_origin, make_session, multipart_files) -> None:
    origin = await serve_origin(Origin(b"", statuses=[500]))
    with pytest.raises(ServerError):
        await post_files(make_session(origin.url), UPLOAD_PATH, files=multipart_files, fields={})
    assert len(origin.uploads) == 1


async def test_file_changed_after_the_check_fails_clearly(
    serve_origin, make_session, multipart_files, monkeypatch
) -> None:
    real = _upload._check_all

    def then_grow(*args):
        checked = real(*args)
        with open(multipart_files[1], "ab") as handle:
            handle.write(b"appended later")
        return checked

    monkeypatch.setattr(_upload, "_check_all", then_grow)
    origin = await serve_origin(Origin(b""))
    with pytest.raises(UploadInputError, match="changed") as caught:
        await post_files(make_session(origin.url), UPLOAD_PATH, files=multipart_files, fields={})
    assert caught.value.path == str(multipart_files[1])
