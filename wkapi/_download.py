"""Streamed downloads: bytes move from the socket to the caller or to disk in bounded chunks.

:func:`open_download` gives a :class:`DownloadBody` to iterate; :func:`download_to` writes a
file atomically: ``<name>.part`` in the target directory, a length check against
``Content-Length``, ``fsync``, then a rename, so an interrupted download never leaves a file that
looks complete. A body that breaks mid-stream is fetched again within the client's
:class:`~wkapi.RetryPolicy`: continued with ``Range`` where the server answers ``206`` for the
same total size, otherwise restarted from byte 0 (a file download truncates its ``.part``; an
iterated body can only restart while nothing has been handed out yet).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import AsyncExitStack, asynccontextmanager, suppress
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

import aiohttp
import anyio
import attrs
from aiohttp import hdrs

from ._errors import (
    APIError,
    APIStatusError,
    IncompleteDownloadError,
    InputError,
)
from ._filenames import safe_filename
from ._progress import ProgressCallback, progress_function
from ._session import QueryValue, Session, _map_client_error, logger

__all__ = [
    "CHUNK_SIZE",
    "DestinationExistsError",
    "DownloadBody",
    "DownloadResult",
    "download_to",
    "open_download",
]

#: Bytes gathered from the socket before they go to the disk as one write.
CHUNK_SIZE = 1 << 20
#: Chunks queued for the disk at most; a slower disk then slows the download down.
WRITES_IN_FLIGHT = 4
#: Every this many bytes the kernel is asked to start writing the file out (see _PartFile).
WRITEBACK_STEP = 32 << 20

_BODY_ERRORS = (aiohttp.ClientError, asyncio.TimeoutError, OSError)
_CONTENT_RANGE = re.compile(r"\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*", re.IGNORECASE)


class DestinationExistsError(InputError, FileExistsError):
    """The download's target file exists and ``overwrite`` was not given.

    Both an :class:`~wkapi.InputError` and a :class:`FileExistsError`; ``path`` is the file.
    """

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path} exists; pass overwrite=True to replace it")
        self.path = path


@attrs.frozen
class DownloadResult:
    """A completed download.

    Attributes:
        path: the file written.
        size: its size in bytes.
        sha256: the SHA-256 of its content, hex.
        content_type: the media type the server gave (``application/xml``, ``application/zip``).
    """

    path: Path
    size: int
    sha256: str
    content_type: str


# -- reading one logical download over one or more responses ----------------------------------


RestartHook = Callable[[], Awaitable[None]]


class _Fetch:
    """One logical download: the open response, and reopening it when the body breaks."""

    def __init__(
        self, session: Session, path: str, params: Mapping[str, QueryValue] | None
    ) -> None:
        self._session = session
        self._path = path
        self._params = params
        self._url = str(session.url(path))
        self._stack: AsyncExitStack | None = None
        self._response: aiohttp.ClientResponse | None = None
        self._validator: str | None = None
        self._resumable = True
        self._failures = 0
        self.size: int | None = None
        self.content_type = "application/octet-stream"
        self.content_disposition: str | None = None
        #: Bytes of the body handed out so far (since the last restart).
        self.received = 0

    async def __aenter__(self) -> _Fetch:
        response = await self._open({})
        self._adopt_full(response)
        self.content_type = response.content_type
        self.content_disposition = response.headers.get(hdrs.CONTENT_DISPOSITION)
        etag = response.headers.get(hdrs.ETAG)
        if etag and not etag.startswith("W/"):
            self._validator = etag
        else:
            self._validator = response.headers.get(hdrs.LAST_MODIFIED)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._close()

    async def _open(self, headers: dict[str, str]) -> aiohttp.ClientResponse:
        stack = AsyncExitStack()
        try:
            response = await stack.enter_async_context(
                self._session.stream("GET", self._path, params=self._params, headers=headers)
            )
        except BaseException:
            await stack.aclose()
            raise
        self._stack, self._response = stack, response
        return response

    async def _close(self) -> None:
        stack, self._stack, self._response = self._stack, None, None
        if stack is not None:
            await stack.aclose()

    def _adopt_full(self, response: aiohttp.ClientResponse) -> None:
        """Take the size from an answer that starts at byte 0."""
        encoded = response.headers.get(hdrs.CONTENT_ENCODING, "identity").lower() != "identity"
        # A compressed body is decoded on the fly: its length says nothing about what we get.
        self._resumable = not encoded
        self.size = None if encoded else response.content_length

    async def pieces(self, *, on_restart: RestartHook | None) -> AsyncIterator[bytes]:
        """The body as it arrives from the socket, reopened when it breaks.

        Pieces are handed on as aiohttp received them (a few hundred KiB at most), without
        copying. When the body must restart from byte 0 after bytes were handed out,
        ``on_restart`` is awaited first (the consumer forgets them), or, without it, the
        download fails.
        """
        while True:
            error: APIError
            if self._response is None:
                raise RuntimeError("the download was closed")
            try:
                piece = await self._response.content.readany()
                if not piece and self.size is not None and self.received < self.size:
                    raise IncompleteDownloadError(
                        self.size, self.received, method="GET", url=self._url
                    )
            except IncompleteDownloadError as exc:
                error = exc
            except _BODY_ERRORS as exc:
                error = _map_client_error(exc, "GET", self._session.url(self._path))
                error.__cause__ = exc
            else:
                if not piece:
                    return
                self.received += len(piece)
                yield piece
                continue
            await self._recover(error, on_restart)

    def _give_up(self, error: APIError) -> APIError:
        if self.size is None or isinstance(error, IncompleteDownloadError):
            return error
        final = IncompleteDownloadError(self.size, self.received, method="GET", url=self._url)
        final.__cause__ = error
        return final

    async def _recover(self, error: APIError, on_restart: RestartHook | None) -> None:
        """Reopen the download after its body broke, or raise when the policy says stop."""
        policy = self._session.config.retry
        self._failures += 1
        if self._failures >= policy.attempts or not self._session.budget.try_spend():
            await self._close()
            raise self._give_up(error)
        delay = policy.backoff(self._failures)
        logger.info(
            "retrying GET %s in %.2fs after %d bytes (attempt %d of %d): %s",
            self._path,
            delay,
            self.received,
            self._failures + 1,
            policy.attempts,
            error.message,
        )
        await self._close()
        await self._session.sleep(delay)
        response: aiohttp.ClientResponse | None = None
        if self.received and self._resumable:
            response = await self._open_range()
            if response is not None and response.status == 206:
                return
        if self.received and on_restart is None:
            await self._close()
            raise self._give_up(error)
        if response is None:
            response = await self._open({})
        self._adopt_full(response)
        if self.received:
            self.received = 0
            assert on_restart is not None
            await on_restart()

    async def _open_range(self) -> aiohttp.ClientResponse | None:
        """Ask for the rest of the body. The answer: a matching 206 (continue), a 200 (the whole
        body again), or ``None`` when the server's 206 or 416 cannot be used."""
        headers: dict[str, str] = {hdrs.RANGE: f"bytes={self.received}-"}
        if self._validator:
            headers[hdrs.IF_RANGE] = self._validator
        try:
            response = await self._open(headers)
        except APIStatusError as exc:
            if exc.status == 416:
                return None
            raise
        if response.status != 206:
            return response
        if self._range_matches(response):
            return response
        await self._close()
        return None

    def _range_matches(self, response: aiohttp.ClientResponse) -> bool:
        """Whether a 206 continues exactly where we are, for the same total size."""
        match = _CONTENT_RANGE.fullmatch(response.headers.get(hdrs.CONTENT_RANGE, ""))
        if match is None:
            return False
        start, end, total = int(match[1]), int(match[2]), match[3]
        if start != self.received or response.content_length not in (None, end - start + 1):
            return False
        if total == "*":
            return self.size is None
        if self.size is None:  # a chunked first answer: the server now tells the size
            self.size = int(total)
        return int(total) == self.size and end == self.size - 1


# -- the public streaming interface -------------------------------------------------------------


class DownloadBody:
    """An open download: ``filename``, ``content_type``, ``size`` and its bytes.

    .. code-block:: python

        async with wk.annotations.stream("Explorational", annotation_id) as body:
            async for chunk in body:
                ...

    ``size`` is ``None`` for a chunked answer without ``Content-Length``. Iterate once; chunks
    come as they arrive from the socket (a few hundred KiB at most) and are not buffered
    beyond that: a slow reader slows the server down. A body that breaks is continued with
    ``Range`` when the server answers 206 for it; otherwise
    :class:`~wkapi.IncompleteDownloadError` (or the connection error) is raised.
    """

    def __init__(self, fetch: _Fetch, filename: str) -> None:
        self._fetch = fetch
        self._started = False
        #: A safe local file name: the server's, sanitised, or the fallback.
        self.filename = filename

    @property
    def content_type(self) -> str:
        """The media type of the body (``application/xml``, ``application/zip``)."""
        return self._fetch.content_type

    @property
    def size(self) -> int | None:
        """The body's length in bytes, ``None`` when the server did not announce it."""
        return self._fetch.size

    @property
    def received(self) -> int:
        """Bytes handed out so far."""
        return self._fetch.received

    def __repr__(self) -> str:
        return f"<DownloadBody {self.filename!r} {self.content_type} size={self.size}>"

    def __aiter__(self) -> AsyncIterator[bytes]:
        if self._started:
            raise RuntimeError("a download body can be iterated only once")
        self._started = True
        return self._fetch.pieces(on_restart=None)


@asynccontextmanager
async def open_download(
    session: Session,
    path: str,
    *,
    params: Mapping[str, QueryValue] | None,
    fallback_name: str,
) -> AsyncIterator[DownloadBody]:
    """Open ``GET <path>`` as a streamed download (a request slot is held until exit).

    ``fallback_name`` names the file when ``Content-Disposition`` does not (``.nml`` or ``.zip``
    is added by content type).
    """
    async with _Fetch(session, path, params) as fetch:
        name = safe_filename(fetch.content_disposition, fallback_name, fetch.content_type)
        yield DownloadBody(fetch, name)


# -- writing to disk ----------------------------------------------------------------------------


class _PartFile:
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
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wkapi-download")
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
        self._executor.shutdown(wait=False)
        return result

    async def discard(self) -> None:
        """Remove the ``.part`` file, even while being cancelled."""
        for future in self._pending:
            future.cancel()
        self._pending.clear()
        loop = asyncio.get_running_loop()
        # Queued behind a write that may still be running, so the file is closed after it.
        cleanup = loop.run_in_executor(self._executor, self._discard_sync)
        self._executor.shutdown(wait=False)
        with anyio.CancelScope(shield=True):
            await cleanup


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


def _resolve_target(to: str | os.PathLike[str], overwrite: bool) -> tuple[Path, str | None]:
    """The directory to write in, and the file name if ``to`` names the file."""
    raw = os.fspath(to)
    target = Path(raw)
    if target.is_dir():
        return target, None
    if raw.endswith(("/", os.sep)) or not target.name:
        raise InputError(f"cannot download to {raw}: no such directory")
    if not target.parent.is_dir():
        raise InputError(f"cannot download to {raw}: directory {target.parent} does not exist")
    if not overwrite and os.path.lexists(target):
        raise DestinationExistsError(target)
    return target.parent, target.name


async def download_to(
    session: Session,
    path: str,
    *,
    params: Mapping[str, QueryValue] | None,
    to: str | os.PathLike[str],
    fallback_name: str,
    overwrite: bool = False,
    progress: ProgressCallback | None = None,
) -> DownloadResult:
    """Download ``GET <path>`` into a file, atomically.

    Args:
        to: an existing directory (the file gets the server's name, made safe, inside it) or
            a file path whose directory exists (else :class:`~wkapi.InputError`, nothing sent).
        fallback_name: the name when the server gives none (``.nml``/``.zip`` added by type).
        overwrite: replace an existing file; otherwise :class:`DestinationExistsError`.
        progress: told ``(bytes_done, total)`` as chunks reach the disk.

    The body is written to ``<file>.part``, checked against ``Content-Length``, fsynced and
    renamed. On any failure or cancellation the ``.part`` file is removed and nothing appears
    at the final path. Raises :class:`~wkapi.IncompleteDownloadError` when the body stays short
    after the retries.
    """
    report = progress_function(progress)
    directory, name = await anyio.to_thread.run_sync(_resolve_target, to, overwrite)
    async with _Fetch(session, path, params) as fetch:
        if name is None:
            name = safe_filename(fetch.content_disposition, fallback_name, fetch.content_type)
            if not overwrite and await anyio.to_thread.run_sync(os.path.lexists, directory / name):
                raise DestinationExistsError(directory / name)
        final = directory / name

        def on_disk(done: int) -> None:
            if report is not None:
                report(done, fetch.size)

        part = _PartFile(directory / f"{name}.part", on_disk)
        try:
            await part.open()
            async for piece in fetch.pieces(on_restart=part.restart):
                await part.add(piece)
            size, digest = await part.commit(final, overwrite=overwrite)
        except BaseException:
            await part.discard()
            raise
    if report is not None:
        report(size, size)
    return DownloadResult(path=final, size=size, sha256=digest, content_type=fetch.content_type)
