"""Streamed multipart uploads of annotation files (``.nml`` and ``.zip``).

Every input is checked before the first byte goes out (:func:`check_upload_files`). The body is
a :class:`aiohttp.payload.Payload` with an exact size, so it goes out with a ``Content-Length``;
files are read in 1 MiB chunks by a worker thread, one chunk ahead of the socket, never whole.
Each attempt builds a fresh body that reads its files from the start, so a retried upload sends
the same bytes (the boundary is chosen once per upload).
"""

from __future__ import annotations

import asyncio
import functools
import os
import secrets
import stat
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, BinaryIO

import anyio
import attrs
from aiohttp.abc import AbstractStreamWriter
from aiohttp.payload import Payload

from ._checks import check_items, check_path
from ._errors import APIConnectionError, UploadInputError
from ._progress import ProgressCallback, progress_function
from ._session import Response, Session

__all__ = ["UPLOAD_SUFFIXES", "check_upload_files", "post_files"]

#: The file types the server accepts for upload.
UPLOAD_SUFFIXES = (".nml", ".zip")
#: Bytes read from disk per chunk.
READ_SIZE = 1 << 20

_CONTENT_TYPES = {".nml": "application/xml", ".zip": "application/zip"}
#: Bytes looked at to tell an NML from something else.
_SNIFF_BYTES = 512
_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")

UploadFiles = Iterable[str | os.PathLike[str]] | str | os.PathLike[str]


# -- checking inputs ----------------------------------------------------------------------------


@attrs.frozen
class _UploadFile:
    path: Path
    size: int


def _check_one(item: str | os.PathLike[str], max_bytes: int) -> _UploadFile:
    shown = os.fspath(item)
    path = Path(shown)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise UploadInputError(f"cannot upload {shown}: no such file", shown) from None
    except OSError as exc:
        raise UploadInputError(f"cannot upload {shown}: {exc.strerror}", shown) from exc
    if stat.S_ISDIR(info.st_mode):
        raise UploadInputError(f"cannot upload {shown}: it is a directory", shown)
    if not stat.S_ISREG(info.st_mode):
        raise UploadInputError(f"cannot upload {shown}: not a regular file", shown)
    if path.suffix.lower() not in UPLOAD_SUFFIXES:
        raise UploadInputError(
            f"cannot upload {shown}: only .nml and .zip files can be uploaded", shown
        )
    if info.st_size == 0:
        raise UploadInputError(f"cannot upload {shown}: the file is empty", shown)
    if info.st_size > max_bytes:
        raise UploadInputError(
            f"cannot upload {shown}: {info.st_size} bytes is over the server's upload limit "
            f"of {max_bytes} bytes",
            shown,
        )
    try:
        with open(path, "rb"):
            pass
    except OSError as exc:
        raise UploadInputError(f"cannot upload {shown}: {exc.strerror}", shown) from exc
    return _UploadFile(path.absolute(), info.st_size)


def _check_all(files: UploadFiles, max_bytes: int) -> list[_UploadFile]:
    if isinstance(files, (str, os.PathLike)):
        items: list[Any] = [files]
    else:
        items = check_items("paths", files, "paths (str or os.PathLike)")
    for item in items:
        check_path("each of paths", item)
    if not items:
        raise UploadInputError("no files given to upload")
    checked = [_check_one(item, max_bytes) for item in items]
    total = sum(f.size for f in checked)
    if total > max_bytes:
        raise UploadInputError(
            f"cannot upload these {len(checked)} files: together {total} bytes, over the "
            f"server's upload limit of {max_bytes} bytes"
        )
    return checked


def _check_contents(checked: Sequence[_UploadFile]) -> None:
    """Refuse an NML whose first bytes show it is not XML (checked after the cheaper limits).

    Only the start is looked at (an NML can be gigabytes); the server checks the rest, and
    ZIPs whole.
    """
    for upload in checked:
        if upload.path.suffix.lower() != ".nml":
            continue
        try:
            with open(upload.path, "rb") as handle:
                head = handle.read(_SNIFF_BYTES)
        except OSError as exc:
            shown = str(upload.path)
            raise UploadInputError(f"cannot upload {shown}: {exc.strerror}", shown) from exc
        if head.startswith(_UTF16_BOMS):
            continue
        if not head.removeprefix(_UTF8_BOM).lstrip().startswith(b"<"):
            raise UploadInputError(
                f"cannot upload {upload.path}: not an NML file (XML starts with '<')",
                str(upload.path),
            )


def check_upload_files(files: UploadFiles, *, max_bytes: int) -> list[Path]:
    """Check upload inputs before anything is sent; return their absolute paths.

    Each must exist, be a regular readable file ending in ``.nml`` or ``.zip`` (any case) and
    not be empty, an NML must start like XML, and together they must stay within
    ``max_bytes``. A single path is accepted as well as several. Raises
    :class:`~wkapi.UploadInputError` naming the first bad file (``path`` is ``None`` when only
    the total is too big).
    """
    checked = _check_all(files, max_bytes)
    _check_contents(checked)
    return [f.path for f in checked]


# -- the multipart body -------------------------------------------------------------------------


def _quote(value: str) -> str:
    """Escape a form-data name or file name as browsers do (HTML's multipart encoding)."""
    return value.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


@attrs.frozen
class _Plan:
    """The exact layout of one upload's body: field parts, then one part per file."""

    boundary: str
    head: bytes
    files: tuple[tuple[_UploadFile, bytes], ...]
    tail: bytes

    @classmethod
    def build(cls, fields: Mapping[str, str], files: Sequence[_UploadFile]) -> _Plan:
        boundary = "wkapi-" + secrets.token_hex(16)
        dash = f"--{boundary}\r\n"
        head = "".join(
            f'{dash}Content-Disposition: form-data; name="{_quote(name)}"\r\n\r\n{value}\r\n'
            for name, value in fields.items()
        ).encode("utf-8")
        parts = []
        for upload in files:
            name = _quote(upload.path.name)
            content_type = _CONTENT_TYPES.get(
                upload.path.suffix.lower(), "application/octet-stream"
            )
            part_head = (
                f'{dash}Content-Disposition: form-data; name="{name}"; filename="{name}"\r\n'
                f"Content-Type: {content_type}\r\n\r\n"
            )
            parts.append((upload, part_head.encode("utf-8")))
        return cls(boundary, head, tuple(parts), f"--{boundary}--\r\n".encode())

    @property
    def size(self) -> int:
        files = sum(len(part_head) + upload.size + 2 for upload, part_head in self.files)
        return len(self.head) + files + len(self.tail)


def _open_unchanged(upload: _UploadFile) -> BinaryIO:
    handle = open(upload.path, "rb")  # noqa: SIM115 - closed by the sender's worker thread
    if os.fstat(handle.fileno()).st_size != upload.size:
        handle.close()
        raise _changed(upload)
    return handle


def _changed(upload: _UploadFile) -> UploadInputError:
    return UploadInputError(
        f"cannot upload {upload.path}: the file changed while it was being sent", str(upload.path)
    )


def _read_exactly(handle: BinaryIO, size: int, upload: _UploadFile) -> bytes:
    data = handle.read(size)
    if len(data) != size:
        raise _changed(upload)
    return data


def _finish_file(handle: BinaryIO, upload: _UploadFile) -> None:
    try:
        if os.fstat(handle.fileno()).st_size != upload.size:
            raise _changed(upload)
    finally:
        handle.close()


def _retrieve(future: asyncio.Future[Any]) -> None:
    """Fetch a finished future's exception so an abandoned read does not log it."""
    if not future.cancelled():
        future.exception()


def _close_opened(future: asyncio.Future[Any]) -> None:
    """Close the file an abandoned open returned (the body was cancelled meanwhile)."""
    if not future.cancelled() and future.exception() is None:
        future.result().close()


class _MultipartBody(Payload):
    """One attempt's ``multipart/form-data`` body, streamed from disk; used once."""

    _autoclose = True  # files are opened and closed inside write()

    def __init__(self, plan: _Plan, report: Callable[[int, int | None], object] | None) -> None:
        super().__init__(None, content_type=f"multipart/form-data; boundary={plan.boundary}")
        self._plan = plan
        self._report = report
        self._size = plan.size
        self._sent = 0

    def decode(self, encoding: str = "utf-8", errors: str = "strict") -> str:
        raise TypeError("a streamed upload body cannot be decoded")

    async def write(self, writer: AbstractStreamWriter) -> None:
        await self.write_with_length(writer, None)

    async def write_with_length(
        self, writer: AbstractStreamWriter, content_length: int | None
    ) -> None:
        # One worker thread per attempt keeps reads (and the final close) in order.
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wkapi-upload")
        try:
            await self._send(writer, self._plan.head)
            for upload, part_head in self._plan.files:
                await self._send(writer, part_head)
                await self._send_file(writer, upload, executor)
                await self._send(writer, b"\r\n")
            await self._send(writer, self._plan.tail)
        finally:
            executor.shutdown(wait=False)

    async def _send(self, writer: AbstractStreamWriter, data: bytes) -> None:
        await writer.write(data)
        self._sent += len(data)
        if self._report is not None:
            self._report(self._sent, self._size)

    async def _send_file(
        self, writer: AbstractStreamWriter, upload: _UploadFile, executor: ThreadPoolExecutor
    ) -> None:
        loop = asyncio.get_running_loop()

        def in_worker(func: Callable[..., Any], *args: Any) -> asyncio.Future[Any]:
            future = loop.run_in_executor(executor, functools.partial(func, *args))
            future.add_done_callback(_retrieve)
            return future

        # The body is cancelled when the server answers before reading it all (a 503, a 413):
        # the open and the final close then still finish in the worker, and the file is closed.
        opening = in_worker(_open_unchanged, upload)
        try:
            handle: BinaryIO = await asyncio.shield(opening)
        except asyncio.CancelledError:
            opening.add_done_callback(_close_opened)
            raise
        closed = False
        try:
            remaining = upload.size
            ahead: asyncio.Future[Any] | None = in_worker(
                _read_exactly, handle, min(READ_SIZE, remaining), upload
            )
            while ahead is not None:
                chunk: bytes = await ahead
                remaining -= len(chunk)
                ahead = (
                    in_worker(_read_exactly, handle, min(READ_SIZE, remaining), upload)
                    if remaining
                    else None
                )
                await self._send(writer, chunk)
            closed = True
            await asyncio.shield(in_worker(_finish_file, handle, upload))
        finally:
            if not closed:
                # Queued after any read still running, so the file is never closed under it.
                in_worker(handle.close)


# -- sending ------------------------------------------------------------------------------------


def _input_error_in(exc: BaseException) -> UploadInputError | None:
    """The :class:`UploadInputError` that broke a request body, if that is what happened."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, UploadInputError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


async def post_files(
    session: Session,
    path: str,
    *,
    files: UploadFiles,
    fields: Mapping[str, str],
    progress: ProgressCallback | None = None,
) -> Response:
    """``POST <path>`` a ``multipart/form-data`` body: ``fields`` first, then one part per file.

    The files are checked first (:func:`check_upload_files` against the client's
    ``max_upload_bytes``, applied to the whole body as well): a bad input raises
    :class:`~wkapi.UploadInputError` and nothing is sent. File parts are named after the file.
    ``progress`` is told ``(bytes_sent, body_size)``; it starts again at 0 on a retry.
    """
    report = progress_function(progress)
    limit = session.config.max_upload_bytes
    checked = await anyio.to_thread.run_sync(_check_all, files, limit)
    plan = _Plan.build(fields, checked)
    if plan.size > limit:
        raise UploadInputError(
            f"cannot upload: the request body would be {plan.size} bytes, over the server's "
            f"upload limit of {limit} bytes"
        )
    await anyio.to_thread.run_sync(_check_contents, checked)
    try:
        return await session.request(
            "POST", path, data=lambda: _MultipartBody(plan, report), transfer=True
        )
    except APIConnectionError as exc:
        broken_by = _input_error_in(exc)
        if broken_by is not None:
            raise broken_by from None
        raise
