"""Response bodies that are sent in chunks: bytes in memory, generated synthetic bodies, files."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Protocol

CHUNK_SIZE = 1 << 20


class BodySource(Protocol):
    """A body of known size that can be sent from any offset in bounded chunks."""

    @property
    def size(self) -> int: ...

    @property
    def content_type(self) -> str: ...

    def chunks(self, start: int = 0) -> AsyncIterator[bytes]: ...


class BytesSource:
    """A body already in memory (small NMLs and ZIPs, JSON)."""

    def __init__(self, data: bytes, content_type: str) -> None:
        self.data = data
        self.content_type = content_type
        self._sha256: str | None = None

    @property
    def size(self) -> int:
        return len(self.data)

    def sha256(self) -> str:
        """The sha256 hex of the body (computed once)."""
        if self._sha256 is None:
            self._sha256 = hashlib.sha256(self.data).hexdigest()
        return self._sha256

    async def chunks(self, start: int = 0) -> AsyncIterator[bytes]:
        view = memoryview(self.data)
        for offset in range(start, len(self.data), CHUNK_SIZE):
            yield bytes(view[offset : offset + CHUNK_SIZE])


class GeneratedSource:
    """A body produced chunk by chunk by a synchronous generator (synthetic annotations)."""

    def __init__(
        self, size: int, content_type: str, generate: Callable[[int, int], Iterator[bytes]]
    ) -> None:
        self.size = size
        self.content_type = content_type
        self._generate = generate

    async def chunks(self, start: int = 0) -> AsyncIterator[bytes]:
        for chunk in self._generate(start, CHUNK_SIZE):
            yield chunk


class FileSource:
    """A file on disk, read in chunks off the event loop.

    With ``delete_when_opened`` the file is a one-off (a compound ZIP): it is unlinked as soon as
    it is opened for sending, so it disappears however the transfer ends.
    """

    def __init__(self, path: Path, content_type: str, *, delete_when_opened: bool = False) -> None:
        self.path = path
        self.content_type = content_type
        self.size = path.stat().st_size
        self.delete_when_opened = delete_when_opened

    async def chunks(self, start: int = 0) -> AsyncIterator[bytes]:
        with self.path.open("rb") as handle:
            if self.delete_when_opened:
                self.path.unlink(missing_ok=True)
            handle.seek(start)
            while chunk := await asyncio.to_thread(handle.read, CHUNK_SIZE):
                yield chunk
