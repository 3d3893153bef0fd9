"""Receiving a multipart/form-data body as a stream: data parts as text, file parts to disk.

File parts go to the server's temporary directory in bounded chunks (small synchronous writes),
so an upload never sits in memory whole. Past ``max_bytes`` the receiver stops writing, deletes
what it wrote and refuses with Play's HTML 413 page; aiohttp then discards the rest of the body
while closing the connection.
"""

from __future__ import annotations

import contextlib
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import BodyPartReader, web

from .._errors import ApiError, html_error

CHUNK_SIZE = 256 * 1024
_DATA_PART_LIMIT = 16 * 1024 * 1024
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_counter = itertools.count()


@dataclass
class ReceivedFile:
    """One file part stored on disk; ``filename`` as the client named it."""

    field_name: str
    filename: str
    path: Path
    size: int


@dataclass
class Received:
    fields: dict[str, str] = field(default_factory=dict)
    files: list[ReceivedFile] = field(default_factory=list)

    def discard(self, *, keep: Path | None = None) -> None:
        """Delete the stored files but ``keep`` (after a refusal, or once they were used)."""
        for received in self.files:
            if received.path != keep:
                remove_stored(received.path)


def remove_stored(path: Path) -> None:
    """Delete a stored upload and the directory made for it."""
    path.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        path.parent.rmdir()


def _too_large(request: web.Request) -> ApiError:
    return html_error(request, 413, "Request Entity Too Large")


async def receive_multipart(request: web.Request, dest_dir: Path, max_bytes: int) -> Received:
    """Read every part of the request body; file parts are written below ``dest_dir``."""
    if request.content_length is not None and request.content_length > max_bytes:
        raise _too_large(request)
    if not request.content_type.startswith("multipart/"):
        raise html_error(request, 400, "Expecting multipart/form-data request body")
    received = Received()
    budget = [max_bytes]
    try:
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                continue  # nested multipart: real servers ignore it too
            if part.filename is None:
                received.fields[part.name or ""] = await _read_field(request, part, budget)
            else:
                received.files.append(await _store_file(request, part, dest_dir, budget))
    except BaseException:
        received.discard()
        raise
    return received


async def _read_field(request: web.Request, part: BodyPartReader, budget: list[int]) -> str:
    data = bytearray()
    while chunk := await part.read_chunk(CHUNK_SIZE):
        _spend(request, budget, len(chunk))
        data.extend(chunk)
        if len(data) > _DATA_PART_LIMIT:
            raise _too_large(request)
    return data.decode(part.get_charset("utf-8"), errors="replace")


async def _store_file(
    request: web.Request, part: BodyPartReader, dest_dir: Path, budget: list[int]
) -> ReceivedFile:
    filename = part.filename or "upload"
    safe = _UNSAFE.sub("_", Path(filename).name).lstrip(".") or "upload"
    # one directory per file keeps the client's file name (merges name tree groups after it)
    path = dest_dir / f"upload-{next(_counter)}" / safe
    path.parent.mkdir()
    size = 0
    try:
        with path.open("wb") as handle:
            while chunk := await part.read_chunk(CHUNK_SIZE):
                _spend(request, budget, len(chunk))
                handle.write(chunk)
                size += len(chunk)
    except BaseException:
        remove_stored(path)
        raise
    return ReceivedFile(part.name or "", filename, path, size)


def _spend(request: web.Request, budget: list[int], amount: int) -> None:
    budget[0] -= amount
    if budget[0] < 0:
        raise _too_large(request)
