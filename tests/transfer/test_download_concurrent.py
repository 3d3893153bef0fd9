"""Downloads that share a final name, stale part files, and cancellation during the commit."""

from __future__ import annotations

import asyncio
import hashlib
import re
import threading
from pathlib import Path

import pytest

from tests.transfer.helpers import DOWNLOAD_PATH, Cut, Origin, pattern_bytes
from wkapi import Client, RetryPolicy
from wkapi._transfer import DestinationExistsError, download_to
from wkapi.testing import FakeWebknossos, FaultKind

BODY = pattern_bytes(2 * (1 << 20) + 777)
PART_NAME = re.compile(r"annotation\.nml\.[0-9a-f]{16}\.part")


def listing(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def fetch(session, tmp_path: Path, **kwargs):
    kwargs.setdefault("to", tmp_path)
    return await download_to(
        session, DOWNLOAD_PATH, params=None, fallback_name="Explorational_x", **kwargs
    )


# -- two downloads, one final name ------------------------------------------------------------


async def download_twins(
    server: FakeWebknossos, tmp_path: Path, *, overwrite: bool, break_second: bool
) -> tuple[list[object], dict[str, str]]:
    """Two annotations both named "same", downloaded at once into ``tmp_path``: the second
    starts later and takes longer, so the first finishes while the second is still writing.
    ``break_second`` cuts the second's first answer short (it is fetched again). Returns each
    download's result (or its DestinationExistsError) and the server's hashes."""
    first = server.add_synthetic_annotation(1_500_000)
    second = server.add_synthetic_annotation(1_500_000)
    for annotation in (first, second):
        server.state.annotations[annotation].name = "same"
    route = "/annotations/Explorational/{}/download".format
    server.faults.add(FaultKind.SLOW_BODY, path=route(first), piece_size=128 * 1024, delay=0.02)
    if break_second:
        server.faults.add(FaultKind.TRUNCATE, path=route(second), after_bytes=300_000, times=1)
    server.faults.add(FaultKind.SLOW_BODY, path=route(second), piece_size=64 * 1024, delay=0.02)
    async with Client(server.url, server.tokens["admin"], retry=RetryPolicy.for_tests()) as wk:

        async def one(annotation: str, delay: float) -> object:
            await asyncio.sleep(delay)
            try:
                return await wk.annotations.download(
                    "Explorational", annotation, tmp_path, overwrite=overwrite
                )
            except DestinationExistsError as exc:
                return exc

        outcomes = await asyncio.gather(one(first, 0), one(second, 0.08))
    expected = {first: server.expected_sha256(first), second: server.expected_sha256(second)}
    return list(outcomes), expected


@pytest.mark.parametrize("break_second", [False, True], ids=["both-slow", "second-restarts"])
async def test_two_downloads_to_one_name_never_mix_their_bytes(
    fake_wk, tmp_path, break_second
) -> None:
    outcomes, expected = await download_twins(
        fake_wk, tmp_path, overwrite=False, break_second=break_second
    )
    succeeded = [o for o in outcomes if not isinstance(o, Exception)]
    refused = [o for o in outcomes if isinstance(o, DestinationExistsError)]
    assert (len(succeeded), len(refused)) == (1, 1)
    result = succeeded[0]
    assert listing(tmp_path) == ["same.nml"]  # no part file left by either
    # What the winner reports is what is on disk, and it is that annotation's content.
    assert file_sha256(result.path) == result.sha256
    assert result.sha256 in expected.values()
    assert result.size == result.path.stat().st_size


async def test_two_overwriting_downloads_to_one_name_both_publish_whole_files(
    fake_wk, tmp_path
) -> None:
    outcomes, expected = await download_twins(fake_wk, tmp_path, overwrite=True, break_second=False)
    assert not [o for o in outcomes if isinstance(o, Exception)]
    assert sorted(o.sha256 for o in outcomes) == sorted(expected.values())
    assert listing(tmp_path) == ["same.nml"]
    assert file_sha256(tmp_path / "same.nml") in expected.values()  # one of them, whole


async def test_each_download_writes_its_own_part_file(serve_origin, make_session, tmp_path):
    origins = [
        await serve_origin(Origin(body, faults=[Cut(1 << 20, how="stall")]))
        for body in (BODY, BODY[::-1])
    ]
    written = [asyncio.Event(), asyncio.Event()]
    tasks = [
        asyncio.create_task(
            fetch(make_session(o.url), tmp_path, progress=lambda d, _, e=e: d and e.set())
        )
        for o, e in zip(origins, written, strict=True)
    ]
    for event in written:
        await asyncio.wait_for(event.wait(), 5)
    parts = listing(tmp_path)
    assert len(parts) == 2
    assert all(PART_NAME.fullmatch(name) for name in parts)
    for task in tasks:
        task.cancel()
    for task in tasks:
        with pytest.raises(asyncio.CancelledError):
            await task
    assert listing(tmp_path) == []


# -- part files the download did not create ---------------------------------------------------


async def test_stale_part_files_are_left_alone(serve_origin, make_session, tmp_path):
    stale = {
        "annotation.nml.part": b"junk from an old version's crash",
        "annotation.nml.0123456789abcdef.part": b"junk from a crash",
    }
    for name, content in stale.items():
        (tmp_path / name).write_bytes(content)
    origin = await serve_origin(Origin(BODY))
    result = await fetch(make_session(origin.url), tmp_path)
    assert result.path.read_bytes() == BODY
    assert listing(tmp_path) == sorted(["annotation.nml", *stale])
    for name, content in stale.items():
        assert (tmp_path / name).read_bytes() == content


async def test_a_taken_part_name_is_never_opened(serve_origin, make_session, tmp_path, monkeypatch):
    from wkapi import _partfile

    tokens = iter(["0" * 16, "1" * 16])
    monkeypatch.setattr(_partfile, "_part_token", lambda: next(tokens))
    taken = tmp_path / f"annotation.nml.{'0' * 16}.part"
    taken.symlink_to(tmp_path / "elsewhere")  # O_EXCL: neither followed nor replaced
    origin = await serve_origin(Origin(BODY))
    result = await fetch(make_session(origin.url), tmp_path)
    assert result.path.read_bytes() == BODY
    assert listing(tmp_path) == ["annotation.nml", taken.name]
    assert taken.is_symlink()
    assert not (tmp_path / "elsewhere").exists()


async def test_a_part_file_replaced_meanwhile_is_neither_published_nor_removed(
    serve_origin, make_session, tmp_path
):
    origin = await serve_origin(Origin(BODY, faults=[Cut(1 << 20, how="stall")]))
    written = asyncio.Event()
    task = asyncio.create_task(
        fetch(make_session(origin.url), tmp_path, progress=lambda d, _: d and written.set())
    )
    await asyncio.wait_for(written.wait(), 5)
    (part,) = tmp_path.iterdir()
    part.unlink()
    part.write_bytes(b"someone else's")  # same name, another file
    origin.release.set()  # the stalled answer is cut; the retry completes the body
    with pytest.raises(OSError, match="replaced"):
        await task
    assert listing(tmp_path) == [part.name]
    assert part.read_bytes() == b"someone else's"


# -- cancellation while the file is being published -------------------------------------------


async def test_cancellation_during_commit_waits_for_it_then_propagates(
    serve_origin, make_session, tmp_path, held_commit
):
    entered, release, finished = held_commit
    origin = await serve_origin(Origin(BODY))
    task = asyncio.create_task(fetch(make_session(origin.url), tmp_path))
    assert await asyncio.to_thread(entered.wait, 5)
    task.cancel()
    await asyncio.sleep(0.05)
    task.cancel()  # cancelled again (an outer timeout, a task group): still waits
    await asyncio.sleep(0.05)
    assert not task.done()
    release.set()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert finished.is_set()  # nothing changes on disk after the download has ended
    assert listing(tmp_path) == ["annotation.nml"]  # the whole file, no part file
    assert (tmp_path / "annotation.nml").read_bytes() == BODY


async def test_cancellation_before_commit_publishes_nothing(
    serve_origin, make_session, tmp_path, held_commit
):
    entered, _, _ = held_commit
    origin = await serve_origin(Origin(BODY, faults=[Cut(len(BODY) - 10, how="stall")]))
    task = asyncio.create_task(fetch(make_session(origin.url), tmp_path))
    await asyncio.wait_for(origin.stalled.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not entered.is_set()
    assert listing(tmp_path) == []


async def test_anyio_cancellation_during_commit_leaves_the_whole_file(
    serve_origin, make_session, tmp_path, held_commit
):
    import anyio

    entered, release, finished = held_commit
    origin = await serve_origin(Origin(BODY))
    session = make_session(origin.url)
    with anyio.CancelScope() as scope:

        async def cancel_while_publishing() -> None:
            await asyncio.to_thread(entered.wait, 5)
            scope.cancel()
            await asyncio.sleep(0.1)  # the scope keeps trying to cancel meanwhile
            release.set()

        helper = asyncio.create_task(cancel_while_publishing())
        await fetch(session, tmp_path)
    await helper
    assert finished.is_set()
    assert listing(tmp_path) == ["annotation.nml"]
    assert (tmp_path / "annotation.nml").read_bytes() == BODY


async def test_a_final_name_at_the_length_limit_still_gets_a_part_file(
    serve_origin, make_session, tmp_path
):
    origin = await serve_origin(Origin(BODY))
    target = tmp_path / ("ä" * 125 + ".nml")  # 254 bytes: no room for a suffix
    result = await fetch(make_session(origin.url), tmp_path, to=target)
    assert result.path == target
    assert target.read_bytes() == BODY
    assert listing(tmp_path) == [target.name]


async def test_a_download_cancelled_again_while_cleaning_up_hands_its_worker_back(
    serve_origin, make_session, tmp_path, monkeypatch
):
    # Each download borrows a worker thread for its disk work and hands it back for the next
    # one; a second cancellation while the part file was being removed kept it for good.
    from wkapi import _partfile

    entered, release = threading.Event(), threading.Event()
    workers: list[int] = []
    real_discard, real_commit = _partfile.PartFile._discard_sync, _partfile.PartFile._commit_sync

    def held_discard(self):
        workers.append(threading.get_ident())
        entered.set()
        release.wait(10)
        return real_discard(self)

    def noted_commit(self, overwrite):
        workers.append(threading.get_ident())
        return real_commit(self, overwrite)

    monkeypatch.setattr(_partfile.PartFile, "_discard_sync", held_discard)
    monkeypatch.setattr(_partfile.PartFile, "_commit_sync", noted_commit)
    stalling = await serve_origin(Origin(BODY, faults=[Cut(1 << 20, how="stall")]))
    written = asyncio.Event()
    task = asyncio.create_task(
        fetch(make_session(stalling.url), tmp_path, progress=lambda d, _: d and written.set())
    )
    await asyncio.wait_for(written.wait(), 5)
    task.cancel()
    assert await asyncio.to_thread(entered.wait, 5)  # removing the part file
    task.cancel()  # cancelled again meanwhile
    await asyncio.sleep(0.05)
    release.set()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert listing(tmp_path) == []

    plain = await serve_origin(Origin(BODY))
    result = await fetch(make_session(plain.url), tmp_path)
    assert result.path.read_bytes() == BODY
    assert workers[0] == workers[1]  # the next download ran on the worker handed back
