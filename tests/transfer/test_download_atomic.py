"""download_to: atomic files, length checks, body-level retries, cancellation, overwrite."""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path

import pytest

from tests.transfer.helpers import (
    DOWNLOAD_PATH,
    Cut,
    Origin,
    pattern_bytes,
    sha256,
)
from wkapi._errors import APIConnectionError, IncompleteDownloadError, InputError
from wkapi._transfer import DestinationExistsError, download_to

BODY = pattern_bytes(3 * (1 << 20) + 12345)


def listing(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


async def fetch(session, tmp_path: Path, **kwargs):
    kwargs.setdefault("to", tmp_path)
    return await download_to(
        session, DOWNLOAD_PATH, params=None, fallback_name="Explorational_x", **kwargs
    )


async def test_download_writes_named_file_with_size_and_hash(serve_origin, make_session, tmp_path):
    origin = await serve_origin(Origin(BODY))
    result = await fetch(make_session(origin.url), tmp_path)
    assert result.path == tmp_path / "annotation.nml"
    assert result.path.read_bytes() == BODY
    assert (result.size, result.sha256) == (len(BODY), sha256(BODY))
    assert result.content_type == "application/xml"
    assert listing(tmp_path) == ["annotation.nml"]


async def test_truncated_body_raises_incomplete_and_leaves_no_file(
    serve_origin, make_session, tmp_path
):
    origin = await serve_origin(Origin(BODY, faults=[Cut(1000)] * 3))
    with pytest.raises(IncompleteDownloadError) as caught:
        await fetch(make_session(origin.url), tmp_path)
    assert caught.value.expected == len(BODY)
    assert caught.value.received < len(BODY)
    assert len(origin.seen) == 3  # the policy's three attempts, then the error
    assert listing(tmp_path) == []


async def test_reset_mid_body_is_retried_and_the_result_is_exact(
    serve_origin, make_session, tmp_path
):
    origin = await serve_origin(Origin(BODY, faults=[Cut(1 << 20, how="reset")]))
    seen: list[tuple[int, int | None]] = []
    result = await fetch(
        make_session(origin.url), tmp_path, progress=lambda d, t: seen.append((d, t))
    )
    assert result.sha256 == sha256(BODY)
    assert result.path.read_bytes() == BODY
    assert len(origin.seen) == 2  # this origin ignores Range: the body restarted from byte 0
    assert seen[-1] == (len(BODY), len(BODY))
    assert listing(tmp_path) == ["annotation.nml"]


async def test_broken_body_is_continued_with_range_where_the_server_allows(
    serve_origin, make_session, tmp_path
):
    origin = await serve_origin(
        Origin(BODY, ranges=True, faults=[Cut(1 << 20), Cut(1 << 20, how="reset")])
    )
    result = await fetch(make_session(origin.url), tmp_path)
    assert result.sha256 == sha256(BODY)
    ranges = [h.get("Range") for h in origin.seen]
    assert ranges[0] is None
    assert all(r is not None and r.startswith("bytes=") for r in ranges[1:])
    assert len(origin.seen) == 3


async def test_range_answer_of_another_size_is_not_stitched(serve_origin, make_session, tmp_path):
    newer = BODY + b"an edit"
    origin = await serve_origin(
        Origin(BODY, ranges=True, faults=[Cut(1 << 20)], later_bodies=[newer])
    )
    result = await fetch(make_session(origin.url), tmp_path)
    assert origin.seen[1]["Range"].startswith("bytes=")  # asked to continue...
    assert "Range" not in origin.seen[2]  # ...saw another total size, so started over
    assert result.path.read_bytes() == newer
    assert result.sha256 == sha256(newer)


async def test_chunked_body_without_length(serve_origin, make_session, tmp_path):
    origin = await serve_origin(Origin(BODY, chunked=True, content_type="application/zip"))
    result = await fetch(make_session(origin.url), tmp_path)
    assert origin.seen
    assert "Content-Length" not in origin.seen[0]
    assert result.size == len(BODY)
    assert result.sha256 == sha256(BODY)


async def test_chunked_body_cut_short_fails_without_file(serve_origin, make_session, tmp_path):
    origin = await serve_origin(Origin(BODY, chunked=True, faults=[Cut(5000)] * 3))
    with pytest.raises(APIConnectionError) as caught:
        await fetch(make_session(origin.url), tmp_path)
    assert not isinstance(caught.value, IncompleteDownloadError)  # the size was never known
    assert listing(tmp_path) == []


async def test_cancellation_mid_download_leaves_no_part_file(serve_origin, make_session, tmp_path):
    origin = await serve_origin(Origin(BODY, faults=[Cut(2 << 20, how="stall")]))
    written = asyncio.Event()

    def progress(done: int, total: int | None) -> None:
        if done:
            written.set()

    task = asyncio.create_task(fetch(make_session(origin.url), tmp_path, progress=progress))
    await asyncio.wait_for(written.wait(), 5)
    (part,) = listing(tmp_path)
    assert re.fullmatch(r"annotation\.nml\.[0-9a-f]{16}\.part", part)  # this download's own
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert listing(tmp_path) == []


async def test_timeout_mid_body_is_retried(serve_origin, make_session, tmp_path):
    from wkapi._config import Timeouts

    origin = await serve_origin(Origin(BODY, faults=[Cut(1 << 20, how="stall")]))
    session = make_session(origin.url, timeouts=Timeouts(transfer_read=0.5))
    result = await fetch(session, tmp_path)
    assert result.sha256 == sha256(BODY)
    assert len(origin.seen) >= 2  # the stalled answer, then one that completed


async def test_existing_file_is_kept_unless_overwrite(serve_origin, make_session, tmp_path):
    origin = await serve_origin(Origin(BODY))
    session = make_session(origin.url)
    existing = tmp_path / "annotation.nml"
    existing.write_bytes(b"mine")
    with pytest.raises(DestinationExistsError) as caught:
        await fetch(session, tmp_path)
    assert isinstance(caught.value, FileExistsError)
    assert caught.value.path == existing
    assert existing.read_bytes() == b"mine"
    assert listing(tmp_path) == ["annotation.nml"]

    result = await fetch(session, tmp_path, overwrite=True)
    assert result.path == existing
    assert existing.read_bytes() == BODY


async def test_existing_target_file_is_refused_before_sending(serve_origin, make_session, tmp_path):
    origin = await serve_origin(Origin(BODY))
    target = tmp_path / "mine.nml"
    target.write_bytes(b"mine")
    with pytest.raises(DestinationExistsError):
        await fetch(make_session(origin.url), tmp_path, to=target)
    assert origin.seen == []
    assert target.read_bytes() == b"mine"


async def test_to_a_file_path_uses_that_name(serve_origin, make_session, tmp_path):
    origin = await serve_origin(Origin(BODY))
    result = await fetch(make_session(origin.url), tmp_path, to=str(tmp_path / "chosen.bin"))
    assert result.path == tmp_path / "chosen.bin"
    assert listing(tmp_path) == ["chosen.bin"]


@pytest.mark.parametrize(
    ("target", "saved"),
    [("missing/x.nml", "missing/x.nml"), ("missing/", "missing/annotation.nml")],
)
async def test_to_in_a_missing_directory_creates_it(
    serve_origin, make_session, tmp_path, target, saved
):
    origin = await serve_origin(Origin(BODY))
    result = await fetch(make_session(origin.url), tmp_path, to=f"{tmp_path}/{target}")
    assert result.path == tmp_path / saved
    assert result.path.read_bytes() == BODY
    assert listing(tmp_path / "missing") == [Path(saved).name]


@pytest.mark.parametrize("target", ["a_file/x.nml", "a_file/", "a_file/deeper/"])
async def test_to_below_a_file_is_an_input_error_before_sending(
    serve_origin, make_session, tmp_path, target
):
    (tmp_path / "a_file").write_bytes(b"mine")
    origin = await serve_origin(Origin(BODY))
    with pytest.raises(InputError, match="a_file is not a directory"):
        await fetch(make_session(origin.url), tmp_path, to=f"{tmp_path}/{target}")
    assert origin.seen == []
    assert (tmp_path / "a_file").read_bytes() == b"mine"


async def test_failed_disk_write_removes_part(serve_origin, make_session, tmp_path, monkeypatch):
    from wkapi import _partfile

    def broken(self, batch):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_partfile.PartFile, "_write_sync", broken)
    origin = await serve_origin(Origin(BODY))
    with pytest.raises(OSError, match="No space"):
        await fetch(make_session(origin.url), tmp_path)
    assert listing(tmp_path) == []


async def test_slow_disk_bounds_the_buffer(serve_origin, make_session, tmp_path, monkeypatch):
    import time

    from wkapi import _partfile

    real_write = _partfile.PartFile._write_sync
    most_pending = 0
    real_submit = _partfile.PartFile._submit

    def slow(self, batch):
        time.sleep(0.01)
        return real_write(self, batch)

    async def counting(self):
        nonlocal most_pending
        await real_submit(self)
        most_pending = max(most_pending, len(self._pending))

    monkeypatch.setattr(_partfile.PartFile, "_write_sync", slow)
    monkeypatch.setattr(_partfile.PartFile, "_submit", counting)
    body = pattern_bytes(12 << 20)
    origin = await serve_origin(Origin(body))
    result = await fetch(make_session(origin.url), tmp_path)
    assert result.sha256 == sha256(body)
    assert 0 < most_pending < _partfile.WRITES_IN_FLIGHT


async def test_anyio_timeout_mid_download_leaves_no_part_file(serve_origin, make_session, tmp_path):
    import anyio

    origin = await serve_origin(Origin(BODY, faults=[Cut(2 << 20, how="stall")]))
    session = make_session(origin.url)
    with anyio.move_on_after(0.5) as scope:
        await fetch(session, tmp_path)
    assert scope.cancelled_caught
    assert listing(tmp_path) == []


async def test_progress_object_and_its_errors(serve_origin, make_session, tmp_path):
    class Bar:
        def __init__(self) -> None:
            self.calls: list[tuple[int, int | None]] = []

        def update(self, done: int, total: int | None) -> None:
            self.calls.append((done, total))

    origin = await serve_origin(Origin(BODY))
    session = make_session(origin.url)
    bar = Bar()
    await fetch(session, tmp_path, progress=bar)
    dones = [done for done, _ in bar.calls]
    assert dones == sorted(dones)
    assert dones[-1] == len(BODY)
    assert {total for _, total in bar.calls} == {len(BODY)}

    def stop(done: int, total: int | None) -> None:
        raise RuntimeError("user stopped")

    with pytest.raises(RuntimeError, match="user stopped"):
        await fetch(session, tmp_path, to=tmp_path / "again.nml", progress=stop)
    assert listing(tmp_path) == ["annotation.nml"]


@pytest.mark.skipif(not hasattr(os, "posix_fadvise"), reason="no posix_fadvise here")
async def test_early_writeback_keeps_the_file_exact(
    serve_origin, make_session, tmp_path, monkeypatch
):
    from wkapi import _partfile

    advice: list[tuple[int, int]] = []
    real_fadvise = os.posix_fadvise

    def recording(fd, offset, length, what):
        advice.append((offset, length))
        return real_fadvise(fd, offset, length, what)

    monkeypatch.setattr(_partfile, "WRITEBACK_STEP", 100_000)
    monkeypatch.setattr(os, "posix_fadvise", recording)
    origin = await serve_origin(Origin(BODY, faults=[Cut(1 << 20, how="reset")]))
    result = await fetch(make_session(origin.url), tmp_path)
    assert result.sha256 == sha256(BODY)
    assert advice  # write-back was started along the way...
    assert advice[-1][0] + advice[-1][1] <= len(BODY)  # ...only for bytes of this attempt
