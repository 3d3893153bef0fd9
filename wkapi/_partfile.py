"""The ``.part`` file of a download: written off the event loop, hashed, fsynced, renamed."""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from pathlib import Path
from typing import BinaryIO

import anyio

from ._errors import InputError
from ._session import logger

__all__ = [
    "CHUNK_SIZE",
    "WRITEBACK_STEP",
    "WRITES_IN_FLIGHT",
    "DestinationExistsError",
    "PartFile",
]

#: Bytes gathered from the socket before they go to the disk as one write.
CHUNK_SIZE = 1 << 20
#: Chunks queued for the disk at most; a slower disk then slows the download down.
WRITES_IN_FLIGHT = 4
#: Every this many bytes the kernel is asked to start writing the file out (see PartFile).
WRITEBACK_STEP = 32 << 20


class DestinationExistsError(InputError, FileExistsError):
    """The download's target file exists and ``overwrite`` was not given.

    Both an :class:`~wkapi.InputError` and a :class:`FileExistsError`; ``path`` is the file.
    """

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path} exists; pass overwrite=True to replace it")
        self.path = path


class _WorkerLanes:
    """Reusable single-thread executors: one per download at a time, so its writes stay in
    order, without starting a new thread for every file (an export downloads thousands)."""

    def __init__(self, keep: int) -> None:
        self._idle: list[ThreadPoolExecutor] = []
        self._keep = keep

    def take(self) -> ThreadPoolExecutor:
        if self._idle:
            return self._idle.pop()
        return ThreadPoolExecutor(max_workers=1, thread_name_prefix="wkapi-download")

    def give_back(self, executor: ThreadPoolExecutor) -> None:
        if len(self._idle) < self._keep:
            self._idle.append(executor)
        else:
            executor.shutdown(wait=False)


_LANES = _WorkerLanes(keep=32)


class PartFile:
    """The ``.part`` file of one download, written and hashed by one worker thread, in order.

    Pieces from the socket are gathered into batches of :data:`CHUNK_SIZE` bytes (a list, not
    copied) and each batch is one job for the worker. At most :data:`WRITES_IN_FLIGHT` batches
    wait for the disk; :meth:`add` waits for room, so a slow disk slows the download down.

    Every :data:`WRITEBACK_STEP` bytes the worker asks the kernel to start writing the new
    bytes out and to drop the previous step's (by then clean) pages from the cache
    (``POSIX_FADV_DONTNEED``, which on Linux starts write-back without waiting for it). The
    disk then works while the network does, the final ``fsync`` has little left to do, and a
    multi-gigabyte download does not push everything else out of the page cache.
    """

    def __init__(self, path: Path, report: Callable[[int], object] | None) -> None:
        self.path = path
        self._report = report
        self._executor = _LANES.take()
        self._pending: deque[asyncio.Future[int]] = deque()
        self._batch: list[bytes] = []
        self._batch_size = 0
        self._file: BinaryIO | None = None
        self._hash = hashlib.sha256()
        self._written = 0
        self._writeback_at = 0  # where the last write-back step ended
        self._dropped_to = 0  # pages before this offset were dropped from the cache
        self._report_error: Exception | None = None

    async def _run(self, func: Callable[[], object]) -> None:
        await asyncio.get_running_loop().run_in_executor(self._executor, func)

    # The *_sync methods run in the worker thread.

    def _open_sync(self) -> None:
        # A stale .part (an earlier crash) is ours to replace; O_EXCL never follows a symlink.
        with suppress(FileNotFoundError):
            os.unlink(self.path)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        self._file = os.fdopen(os.open(self.path, flags, 0o666), "wb")

    def _write_sync(self, batch: list[bytes]) -> int:
        assert self._file is not None
        for piece in batch:
            self._hash.update(piece)
        self._file.writelines(batch)
        self._written += sum(map(len, batch))
        if self._written - self._writeback_at >= WRITEBACK_STEP:
            self._start_writeback()
        return self._written

    def _start_writeback(self) -> None:
        if not hasattr(os, "posix_fadvise"):
            return
        assert self._file is not None
        self._file.flush()
        with suppress(OSError):  # only advice: a file system may not support it
            os.posix_fadvise(
                self._file.fileno(),
                self._dropped_to,
                self._written - self._dropped_to,
                os.POSIX_FADV_DONTNEED,
            )
        self._dropped_to, self._writeback_at = self._writeback_at, self._written

    def _truncate_sync(self) -> None:
        assert self._file is not None
        self._file.seek(0)
        self._file.truncate()
        self._hash = hashlib.sha256()
        self._written = self._writeback_at = self._dropped_to = 0

    def _commit_sync(self, final: Path, overwrite: bool) -> tuple[int, str]:
        assert self._file is not None
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        _place(self.path, final, overwrite)
        _fsync_directory(final.parent)
        return self._written, self._hash.hexdigest()

    def _discard_sync(self) -> None:
        # Never raise here: the error that led to the discard is the one to report.
        try:
            if self._file is not None:
                self._file.close()
            os.unlink(self.path)
        except FileNotFoundError:
            pass
        except OSError as exc:
            logger.warning("could not remove %s: %s", self.path, exc)

    # The event-loop side.

    async def open(self) -> None:
        await self._run(self._open_sync)

    async def add(self, piece: bytes) -> None:
        """Queue ``piece`` for the disk."""
        self._batch.append(piece)
        self._batch_size += len(piece)
        if self._batch_size >= CHUNK_SIZE:
            await self._submit()

    async def _submit(self) -> None:
        batch, self._batch, self._batch_size = self._batch, [], 0
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._executor, self._write_sync, batch)
        future.add_done_callback(self._on_written)
        self._pending.append(future)
        while self._pending and (self._pending[0].done() or len(self._pending) >= WRITES_IN_FLIGHT):
            await self._wait_oldest()

    def _on_written(self, future: asyncio.Future[int]) -> None:
        """Report a finished write right away (writes finish in order)."""
        if self._report is None or future.cancelled() or future.exception() is not None:
            return
        try:
            self._report(future.result())
        except Exception as exc:  # raised to the downloader at its next write
            self._report_error = exc
            self._report = None

    async def _wait_oldest(self) -> None:
        await self._pending.popleft()
        if self._report_error is not None:
            raise self._report_error

    async def drain(self) -> None:
        if self._batch:
            await self._submit()
        while self._pending:
            await self._wait_oldest()

    async def restart(self) -> None:
        self._batch, self._batch_size = [], 0
        await self.drain()
        await self._run(self._truncate_sync)
        if self._report is not None:
            self._report(0)

    async def commit(self, final: Path, *, overwrite: bool) -> tuple[int, str]:
        """Flush, fsync and rename to ``final``; the size and SHA-256 written."""
        await self.drain()
        loop = asyncio.get_running_loop()
        result = await loop.run_in_executor(self._executor, self._commit_sync, final, overwrite)
        _LANES.give_back(self._executor)
        return result

    async def discard(self) -> None:
        """Remove the ``.part`` file, even while being cancelled."""
        for future in self._pending:
            future.cancel()
        self._pending.clear()
        loop = asyncio.get_running_loop()
        # Queued behind a write that may still be running, so the file is closed after it.
        cleanup = loop.run_in_executor(self._executor, self._discard_sync)
        with anyio.CancelScope(shield=True):
            await cleanup
        _LANES.give_back(self._executor)


def _place(part: Path, final: Path, overwrite: bool) -> None:
    """Rename ``part`` to ``final``; without ``overwrite``, never replace an existing file."""
    if overwrite:
        os.replace(part, final)
        return
    try:
        # A hard link fails if ``final`` exists, atomically, unlike a check before a rename.
        os.link(part, final)
    except FileExistsError:
        raise DestinationExistsError(final) from None
    except OSError:  # no hard links on this file system
        if os.path.lexists(final):
            raise DestinationExistsError(final) from None
        os.replace(part, final)
        return
    os.unlink(part)


def _fsync_directory(directory: Path) -> None:
    """Make the rename durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
