"""open_download: the streamed body's name, type, size, chunks and mid-body recovery."""

from __future__ import annotations

import hashlib

import pytest

from tests.transfer.helpers import DOWNLOAD_PATH, Cut, Origin, pattern_bytes, sha256
from wkapi._download import CHUNK_SIZE
from wkapi._errors import IncompleteDownloadError, NotFoundError
from wkapi._transfer import open_download

BODY = pattern_bytes(2 * (1 << 20) + 777)


async def read_all(session, fallback="Explorational_x"):
    async with open_download(session, DOWNLOAD_PATH, params=None, fallback_name=fallback) as body:
        chunks = [chunk async for chunk in body]
        return body, chunks


async def test_stream_exposes_name_type_size_and_chunks(serve_origin, make_session):
    origin = await serve_origin(
        Origin(
            BODY, content_type="application/zip", disposition='attachment; filename="p_nmls.zip"'
        )
    )
    body, chunks = await read_all(make_session(origin.url))
    assert (body.filename, body.content_type, body.size) == (
        "p_nmls.zip",
        "application/zip",
        len(BODY),
    )
    assert b"".join(chunks) == BODY
    assert all(0 < len(c) <= CHUNK_SIZE for c in chunks)


async def test_stream_sends_query_and_no_compression(serve_origin, make_session):
    origin = await serve_origin(Origin(BODY))
    session = make_session(origin.url)
    params = {"skipVolumeData": True, "volumeDataZipFormat": "zarr3", "skeletonVersion": None}
    async with open_download(session, DOWNLOAD_PATH, params=params, fallback_name="x") as body:
        assert body.size == len(BODY)
    assert origin.queries[0] == {"skipVolumeData": "true", "volumeDataZipFormat": "zarr3"}
    assert origin.seen[0]["Accept-Encoding"] == "identity"


async def test_chunked_stream_has_no_size(serve_origin, make_session):
    origin = await serve_origin(Origin(BODY, chunked=True, disposition=None))
    body, chunks = await read_all(make_session(origin.url), fallback="Task_abc")
    assert body.size is None
    assert body.filename == "Task_abc.nml"
    assert sha256(b"".join(chunks)) == sha256(BODY)


async def test_stream_continues_with_range(serve_origin, make_session):
    origin = await serve_origin(Origin(BODY, ranges=True, faults=[Cut(300_000, how="reset")]))
    _body, chunks = await read_all(make_session(origin.url))
    assert b"".join(chunks) == BODY
    assert len(origin.seen) == 2


async def test_stream_cannot_restart_after_handing_out_bytes(serve_origin, make_session):
    origin = await serve_origin(Origin(BODY, faults=[Cut(300_000)]))
    session = make_session(origin.url)
    digest = hashlib.sha256()

    async def consume(body) -> None:
        async for chunk in body:
            digest.update(chunk)

    async with open_download(session, DOWNLOAD_PATH, params=None, fallback_name="x") as body:
        with pytest.raises(IncompleteDownloadError) as caught:
            await consume(body)
    assert caught.value.expected == len(BODY)
    assert 0 < caught.value.received < len(BODY)
    assert caught.value.received == body.received


async def test_stream_is_iterated_once(serve_origin, make_session):
    origin = await serve_origin(Origin(BODY))
    async with open_download(
        make_session(origin.url), DOWNLOAD_PATH, params=None, fallback_name="x"
    ) as body:
        async for _ in body:
            break
        with pytest.raises(RuntimeError, match="once"):
            body.__aiter__()


async def test_error_status_raises_before_the_body(serve_origin, make_session):
    origin = await serve_origin(Origin(BODY, statuses=[404]))
    with pytest.raises(NotFoundError):
        async with open_download(
            make_session(origin.url), DOWNLOAD_PATH, params=None, fallback_name="x"
        ):
            pass


async def test_compressed_answer_is_not_length_checked(serve_origin, make_session):
    # A server that compresses anyway: the decoded body is longer than Content-Length.
    import gzip

    packed = gzip.compress(BODY)
    origin = await serve_origin(Origin(packed, extra_headers={"Content-Encoding": "gzip"}))
    body, chunks = await read_all(make_session(origin.url))
    assert body.size is None
    assert b"".join(chunks) == BODY
