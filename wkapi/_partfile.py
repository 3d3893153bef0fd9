"""The part file of a download: written off the event loop, hashed, fsynced, published.

Each download writes its own part file, ``<final name>.<16 hex digits>.part`` next to the final
file, created exclusively (``O_CREAT | O_EXCL``): a name that exists (another download's part
file, a stale one, a symlink) is never opened, followed or replaced; another random name is
tried. A download only ever truncates, publishes or removes the file it created, so downloads
to the same final name, in one process or several, cannot touch each other's bytes: the first
to finish publishes its own file, and the others get :class:`DestinationExistsError` (or, with
``overwrite``, replace it whole, one after the other).

A process killed outright (``SIGKILL``, a power cut) cannot remove its part file. Such leftovers
are never reused or removed by later downloads (nothing can tell one from a part file that a
running download is writing): delete ``*.part`` files yourself when no download is running. An
export does it for its own destination (:func:`is_part_name`): it holds the destination's lock,
so no other export is writing there.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import re
import secrets
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from pathlib import Path
from typing import BinaryIO, TypeVar

import anyio

from ._errors import DestinationExistsError

__all__ = [
    "CHUNK_SIZE",
    "WRITEBACK_STEP",
    "WRITES_IN_FLIGHT",
    "DestinationExistsError",
    "PartFile",
    "is_part_name",
    "part_path",
]

logger = logging.getLogger(__name__)
_T = TypeVar("_T")

#: Bytes gathered from the socket before they go to the disk as one write.
CHUNK_SIZE = 1 << 20
#: Chunks queued for the disk at most; a slower disk then slows the download down.
WRITES_IN_FLIGHT = 4
#: Every this many bytes the kernel is asked to start writing the file out (see PartFile).
WRITEBACK_STEP = 32 << 20
#: Bytes of the final name kept in a part file's name; with the suffix it stays under 255.
PART_STEM_BYTES = 200
#: Random part file names tried before giving up (a clash is already most unlikely).
_NAME_ATTEMPTS = 8


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
    """The part file of one download, written and hashed by one worker thread, in order.

    :meth:`open` creates it next to ``final`` under a name of its own (see the module
    docstring); :meth:`commit` publishes it at ``final``; :meth:`discard` removes it.

    Pieces from the socket are gathered into batches of :data:`CHUNK_SIZE` bytes (a list, not
    copied) and each batch is one job for the worker. At most :data:`WRITES_IN_FLIGHT` batches
    wait for the disk; :meth:`add` waits for room, so a slow disk slows the download down.

    Every :data:`WRITEBACK_STEP` bytes the worker asks the kernel to start writing the new
    bytes out and to drop the previous step's (by then clean) pages from the cache
    (``POSIX_FADV_DONTNEED``, which on Linux starts write-back without waiting for it). The
    disk then works while the network does, the final ``fsync`` has little left to do, and a
    multi-gigabyte download does not push everything else out of the page cache.
    """

    def __init__(self, final: Path, report: Callable[[int], object] | None) -> None:
        self.final = final
        #: The part file, once :meth:`open` has created it.
        self.path: Path | None = None
        self._report = report
        self._executor = _LANES.take()
        self._executor_returned = False
        self._pending: deque[asyncio.Future[int]] = deque()
        self._batch: list[bytes] = []
        self._batch_size = 0
        self._file: BinaryIO | None = None
        self._identity: tuple[int, int] | None = None  # (device, inode) of the file we created
        self._published = False
        self._hash = hashlib.sha256()
        self._written = 0
        self._writeback_at = 0  # where the last write-back step ended
        self._dropped_to = 0  # pages before this offset were dropped from the cache
        self._report_error: Exception | None = None

    async def _run(self, func: Callable[[], object]) -> None:
        await asyncio.get_running_loop().run_in_executor(self._executor, func)

    def _give_back_executor(self) -> None:
        if not self._executor_returned:
            self._executor_returned = True
            _LANES.give_back(self._executor)

    # The *_sync methods run in the worker thread.

    def _open_sync(self) -> None:
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        for _ in range(_NAME_ATTEMPTS):
            path = part_path(self.final, _part_token())
            try:
                fd = os.open(path, flags, 0o666)
            except FileExistsError:
                continue
            self.path, self._file = path, os.fdopen(fd, "wb")
            self._identity = _identity(os.fstat(fd))
            return
        raise FileExistsError(f"found no free part file name next to {self.final}")

    def _still_ours(self) -> bool:
        """Whether the part file's name still leads to the file this download created."""
        assert self.path is not None
        try:
            return _identity(os.lstat(self.path)) == self._identity
        except FileNotFoundError:
            return False

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

    def _commit_sync(self, overwrite: bool) -> tuple[int, str]:
        assert self._file is not None
        assert self.path is not None
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        if not self._still_ours():  # publish exactly the bytes that were hashed, or nothing
            raise OSError(
                f"{self.path} was removed or replaced while downloading; nothing was published"
            )
        _place(self.path, self.final, overwrite)
        self._published = True
        _fsync_directory(self.final.parent)
        return self._written, self._hash.hexdigest()

    def _discard_sync(self) -> None:
        # Never raise here: the error that led to the discard is the one to report.
        try:
            if self._file is not None:
                self._file.close()
            if self.path is None or self._published:
                return
            if not self._still_ours():
                logger.warning("left %s: it is no longer the file this download wrote", self.path)
                return
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

    async def commit(self, *, overwrite: bool) -> tuple[int, str]:
        """Flush, fsync and publish at :attr:`final`; the size and SHA-256 written.

        Without ``overwrite`` an existing final file is never replaced
        (:class:`DestinationExistsError`); with it, it is replaced atomically. Once publishing
        has started it runs to its end, however often the task is cancelled meanwhile; a
        cancellation is raised after it, with the complete file then at :attr:`final`.
        """
        await self.drain()
        loop = asyncio.get_running_loop()
        publish = loop.run_in_executor(self._executor, self._commit_sync, overwrite)
        result = await _to_the_end(publish)
        self._give_back_executor()
        return result

    async def discard(self) -> None:
        """Remove the part file (unless published), even while being cancelled."""
        for future in self._pending:
            future.cancel()
        self._pending.clear()
        try:
            if not self._executor_returned:
                loop = asyncio.get_running_loop()
                # Queued behind a write that may still be running, so the file is closed after it.
                await _to_the_end(loop.run_in_executor(self._executor, self._discard_sync))
        finally:
            # Idle even when cancelled again meanwhile: _to_the_end waited for the job.
            self._give_back_executor()


#: A part file's name: ``<final name>.<16 lowercase hex digits>.part`` (see :func:`part_path`).
_PART_NAME = re.compile(r".+\.[0-9a-f]{16}\.part", re.DOTALL)


def _part_token() -> str:
    return secrets.token_hex(8)


def is_part_name(name: str) -> bool:
    """Whether ``name`` is named like a download's part file (``<name>.<token>.part``)."""
    return _PART_NAME.fullmatch(name) is not None


def part_path(final: Path, token: str) -> Path:
    """The part file name for ``final`` with ``token``: ``<final name>.<token>.part``, the final
    name cut to :data:`PART_STEM_BYTES` bytes when it is longer."""
    name = final.name
    if len(os.fsencode(name)) > PART_STEM_BYTES:
        name = name.encode("utf-8", "ignore")[:PART_STEM_BYTES].decode("utf-8", "ignore")
    return final.with_name(f"{name}.{token}.part")


def _identity(stat: os.stat_result) -> tuple[int, int]:
    return stat.st_dev, stat.st_ino


async def _to_the_end(future: asyncio.Future[_T]) -> _T:
    """The result of ``future`` (a job in a worker thread), awaited until it is done even when
    the task is cancelled meanwhile, once or many times; the cancellation is raised then,
    instead of the result or the job's error."""
    cancelled: asyncio.CancelledError | None = None
    while not future.done():
        try:
            # The shield keeps an anyio scope from cancelling the wait again and again; a
            # plain task.cancel() still interrupts it and is caught below.
            with anyio.CancelScope(shield=True):
                await asyncio.wait([future])
        except asyncio.CancelledError as exc:
            cancelled = exc
    if cancelled is not None:
        if not future.cancelled():
            future.exception()  # seen: the cancellation wins over the job's error
        raise cancelled
    return future.result()


def _place(part: Path, final: Path, overwrite: bool) -> None:
    """Rename ``part`` to ``final``; without ``overwrite``, never replace an existing file.

    Where the file system has no hard links, the check for an existing file and the rename are
    two steps: another writer could create ``final`` between them.
    """
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
