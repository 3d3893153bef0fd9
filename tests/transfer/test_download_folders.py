"""``annotations.download(to=...)`` removes the directories it created when it saves nothing:
cancelled or failed mid-body, exactly those it made, deepest first, while they are empty."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import anyio
import pytest

from tests.transfer.helpers import DOWNLOADS, MIB, client
from wkapi import Client, IncompleteDownloadError, NotFoundError
from wkapi.testing import FakeWebknossos, FaultKind


def tree(root: Path) -> list[str]:
    """Every path below ``root``, relative, sorted (folders end with ``/``)."""
    return sorted(
        f"{path.relative_to(root).as_posix()}{'/' if path.is_dir() else ''}"
        for path in root.rglob("*")
    )


def slow(server: FakeWebknossos) -> str:
    """A download that trickles for minutes: it is mid-body whenever the test acts."""
    annotation = server.add_synthetic_annotation(8 * MIB, "zip")
    server.faults.add(FaultKind.SLOW_BODY, path=DOWNLOADS, delay=0.02, piece_size=64 * 1024)
    return annotation


async def cancel_mid_body(wk: Client, annotation: str, to: str, part_in: Path) -> None:
    """Start the download, cancel it once its part file is in ``part_in`` and bytes are on disk."""
    on_disk = anyio.Event()
    async with anyio.create_task_group() as group:
        group.start_soon(
            lambda: wk.annotations.download(
                "Explorational", annotation, to, progress=lambda done, _: on_disk.set()
            )
        )
        with anyio.fail_after(10):
            await on_disk.wait()
        assert [path.suffix for path in part_in.iterdir()] == [".part"]
        group.cancel_scope.cancel()


@pytest.mark.parametrize("to", ["new/dir/", "new/dir/mine.zip"])
async def test_a_cancelled_download_removes_the_directories_it_created(
    fake_wk, tmp_path, to
) -> None:
    annotation = slow(fake_wk)
    async with client(fake_wk) as wk:
        await cancel_mid_body(wk, annotation, f"{tmp_path}/{to}", tmp_path / "new" / "dir")
    assert tree(tmp_path) == []


async def test_a_download_task_cancelled_removes_the_directories_it_created(
    fake_wk, tmp_path
) -> None:
    # A plain asyncio cancel (what the sync client's Ctrl-C and run_main's SIGTERM do).
    annotation = slow(fake_wk)
    folder = tmp_path / "new" / "dir"
    started = asyncio.Event()
    async with client(fake_wk) as wk:
        task = asyncio.create_task(
            wk.annotations.download(
                "Explorational", annotation, f"{folder}{os.sep}", progress=lambda *_: started.set()
            )
        )
        await asyncio.wait_for(started.wait(), 10)
        assert [path.suffix for path in folder.iterdir()] == [".part"]
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert tree(tmp_path) == []


async def test_a_body_cut_for_good_removes_the_directories_it_created(fake_wk, tmp_path) -> None:
    annotation = fake_wk.add_synthetic_annotation(2 * MIB, "nml")
    fake_wk.faults.add(FaultKind.TRUNCATE, path=DOWNLOADS, after_bytes=100_000)
    async with client(fake_wk) as wk:
        with pytest.raises(IncompleteDownloadError):
            await wk.annotations.download("Explorational", annotation, f"{tmp_path}/new/dir/")
    assert [r.fault for r in fake_wk.requests if r.path.endswith("/download")] == ["truncate"] * 3
    assert tree(tmp_path) == []


async def test_a_refused_download_creates_no_directory(fake_wk, tmp_path) -> None:
    async with client(fake_wk) as wk:
        with pytest.raises(NotFoundError):
            await wk.annotations.download("Explorational", "0" * 24, f"{tmp_path}/new/dir/")
    assert tree(tmp_path) == []


async def test_a_directory_that_existed_before_is_kept(fake_wk, tmp_path) -> None:
    annotation = slow(fake_wk)
    (tmp_path / "old").mkdir()
    async with client(fake_wk) as wk:
        await cancel_mid_body(wk, annotation, f"{tmp_path}/old/new/", tmp_path / "old" / "new")
    assert tree(tmp_path) == ["old/"]


@pytest.mark.parametrize(
    ("dropped", "kept"),
    [
        ("new/theirs.txt", ["new/", "new/theirs.txt"]),  # new/dir/ goes, new/ stays
        ("new/dir/theirs.txt", ["new/", "new/dir/", "new/dir/theirs.txt"]),
    ],
)
async def test_a_created_directory_someone_else_put_a_file_into_is_kept(
    fake_wk, tmp_path, dropped, kept
) -> None:
    annotation = fake_wk.add_synthetic_annotation(4 * MIB, "zip")
    fake_wk.faults.add(FaultKind.TRUNCATE, path=DOWNLOADS, after_bytes=MIB)
    folder = tmp_path / "new" / "dir"

    def drop_a_file(done: int, _: int | None) -> None:
        if done and not (tmp_path / dropped).exists():  # the download's folders exist now
            (tmp_path / dropped).write_text("not the download's")

    async with client(fake_wk) as wk:
        with pytest.raises(IncompleteDownloadError):
            await wk.annotations.download(
                "Explorational", annotation, f"{folder}{os.sep}", progress=drop_a_file
            )
    assert tree(tmp_path) == kept
    assert (tmp_path / dropped).read_text() == "not the download's"


async def test_a_finished_download_keeps_the_directories_it_created(fake_wk, tmp_path) -> None:
    annotation = fake_wk.add_synthetic_annotation(MIB, "zip")
    async with client(fake_wk) as wk:
        result = await wk.annotations.download("Explorational", annotation, f"{tmp_path}/a/b/")
    assert result.path.parent == tmp_path / "a" / "b"
    assert tree(tmp_path) == ["a/", "a/b/", f"a/b/{result.path.name}"]


async def test_a_folder_removed_before_the_part_file_is_in_it_is_created_again(
    fake_wk, tmp_path, monkeypatch
) -> None:
    # Another download made the folders a moment before this one looked, then failed and
    # removed them, still empty, before this one created its part file there.
    from wkapi import _download

    make_folders = _download.make_folders
    removed: list[Path] = []

    def make_then_see_them_removed(folders, made) -> None:
        make_folders(folders, made)
        if not removed:
            removed.extend(made)
            for folder in reversed(made):
                folder.rmdir()

    monkeypatch.setattr(_download, "make_folders", make_then_see_them_removed)
    annotation = fake_wk.add_synthetic_annotation(MIB, "nml")
    async with client(fake_wk) as wk:
        result = await wk.annotations.download("Explorational", annotation, f"{tmp_path}/a/b/")

    assert removed == [tmp_path / "a", tmp_path / "a" / "b"]
    assert result.sha256 == fake_wk.expected_sha256(annotation)
    assert tree(tmp_path) == ["a/", "a/b/", f"a/b/{result.path.name}"]
