"""The export manifest: ``manifest.jsonl`` in the destination, one line per finished attempt.

Format (JSON Lines, UTF-8), one object per line::

    {"typ": "Task", "id": "<24 hex>", "path": "Task/<id>/<file name>", "size": 1234,
     "sha256": "<hex>", "status": "ok", "error": null, "modified": 1690000000000,
     "recorded": "2024-05-01T02:00:00Z"}

- ``path`` is relative to the destination (``/`` separated), so a moved export still resumes.
- ``status`` is ``"ok"`` or ``"failed"`` (then ``path``, ``size`` and ``sha256`` are null and
  ``error`` says why). ``modified`` is the annotation's modification time (epoch ms) when the
  listing gave it.
- The file is append-only. A line is written only after its download was renamed into place,
  and it is flushed and fsynced before the next one, so the manifest never names a file that is
  not complete. Reading, the last line per ``(typ, id)`` wins; a line that does not parse (a
  torn last line after a crash) is ignored, and the next run starts on a fresh line.
- One run at a time writes into a destination: the writer holds an exclusive lock on the
  manifest (``flock``, where the platform has it) while it is open, and a second run gets
  :class:`~wkapi.DestinationInUseError` before it reads anything or sends a request.
"""

from __future__ import annotations

import datetime
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, BinaryIO

import anyio
import anyio.to_thread
import attrs
import orjson

from wkapi._errors import DestinationInUseError

if sys.platform != "win32":
    import fcntl

__all__ = ["MANIFEST_NAME", "ManifestEntry", "ManifestWriter", "read_manifest"]

MANIFEST_NAME = "manifest.jsonl"

STATUS_OK = "ok"
STATUS_FAILED = "failed"

Key = tuple[str, str]


@attrs.frozen
class ManifestEntry:
    """One line of the manifest: the outcome of one download attempt."""

    typ: str
    id: str
    status: str
    path: str | None = None
    size: int | None = None
    sha256: str | None = None
    error: str | None = None
    modified: int | None = None
    recorded: str | None = None

    @property
    def key(self) -> Key:
        return (self.typ, self.id)

    @property
    def ok(self) -> bool:
        return self.status == STATUS_OK

    def to_line(self) -> bytes:
        """The JSON line, newline included."""
        return orjson.dumps(attrs.asdict(self), option=orjson.OPT_APPEND_NEWLINE)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ManifestEntry | None:
        """The entry of one parsed line, or ``None`` if the line is not a valid entry."""
        typ, ident, status = data.get("typ"), data.get("id"), data.get("status")
        if not (isinstance(typ, str) and isinstance(ident, str)):
            return None
        if status not in (STATUS_OK, STATUS_FAILED):
            return None
        path, size, sha256 = data.get("path"), data.get("size"), data.get("sha256")
        if status == STATUS_OK and not (
            isinstance(path, str)
            and isinstance(size, int)
            and not isinstance(size, bool)
            and isinstance(sha256, str)
        ):
            return None
        modified = data.get("modified")
        error = data.get("error")
        recorded = data.get("recorded")
        return cls(
            typ=typ,
            id=ident,
            status=status,
            path=path if isinstance(path, str) else None,
            size=size if isinstance(size, int) and not isinstance(size, bool) else None,
            sha256=sha256 if isinstance(sha256, str) else None,
            error=error if isinstance(error, str) else None,
            modified=modified if isinstance(modified, int) else None,
            recorded=recorded if isinstance(recorded, str) else None,
        )


def now_utc() -> str:
    """The current time for ``recorded``, ISO 8601 in UTC to the second."""
    moment = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    return moment.isoformat().replace("+00:00", "Z")


def parse_manifest(data: bytes) -> dict[Key, ManifestEntry]:
    """The latest entry per ``(typ, id)`` of a manifest's bytes; bad lines are skipped."""
    entries: dict[Key, ManifestEntry] = {}
    for raw in data.split(b"\n"):
        if not raw.strip():
            continue
        try:
            parsed = orjson.loads(raw)
        except orjson.JSONDecodeError:
            continue
        if not isinstance(parsed, dict):
            continue
        entry = ManifestEntry.from_json(parsed)
        if entry is not None:
            entries[entry.key] = entry
    return entries


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return b""


async def read_manifest(path: Path) -> dict[Key, ManifestEntry]:
    """The latest entry per ``(typ, id)`` of the manifest at ``path`` (empty if there is none)."""
    return parse_manifest(await anyio.to_thread.run_sync(_read_bytes, path))


class ManifestWriter:
    """Appends entries to a manifest, each durable (flushed and fsynced) before ``append``
    returns.

    Use as ``async with ManifestWriter(path) as writer: await writer.append(entry)``.
    Concurrent appends are group-committed: whoever holds the lock writes every line pending
    at that moment with one write and one fsync, so many downloads finishing together cost one
    disk sync. The write runs in a worker thread, which a cancellation does not interrupt, so
    a line is either whole on disk or absent.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: BinaryIO | None = None
        self._lock = anyio.Lock()
        self._pending: list[bytes] = []
        self.syncs = 0

    async def __aenter__(self) -> ManifestWriter:
        self._file = await anyio.to_thread.run_sync(self._open)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        handle, self._file = self._file, None
        if handle is not None:
            await anyio.to_thread.run_sync(handle.close)

    def _open(self) -> BinaryIO:
        while True:
            try:
                handle = open(self.path, "ab")  # noqa: SIM115  # closed in __aexit__
            except FileNotFoundError:
                # A failed run that had created the destination removed it, empty, after this
                # run had found it there: make it again.
                self.path.parent.mkdir(parents=True, exist_ok=True)
                continue
            try:
                _lock(handle, self.path)
                if not _still_named(handle, self.path):
                    # The run that held the lock removed its empty manifest meanwhile: the
                    # lock we got is on a file nobody will read. Open the name afresh.
                    handle.close()
                    continue
                if handle.tell() > 0 and not _ends_with_newline(self.path):
                    # A crash tore the last line; start ours on a line of its own.
                    handle.write(b"\n")
                    handle.flush()
            except BaseException:
                handle.close()
                raise
            return handle

    def remove_if_empty(self) -> None:
        """Delete the manifest if nothing was written to it (a run that recorded nothing).

        Call it while the writer is open, so the lock is held. Only the file this writer
        holds is deleted: if the name has come to stand for another file (someone removed this
        one and another run made a new one), that file is left alone.
        """
        handle = self._file
        if handle is None:
            raise RuntimeError("the manifest writer is not open")
        if os.fstat(handle.fileno()).st_size == 0 and _still_named(handle, self.path):
            self.path.unlink()

    async def append(self, entry: ManifestEntry) -> None:
        """Write one entry durably before returning."""
        handle = self._file
        if handle is None:
            raise RuntimeError("the manifest writer is not open")
        self._pending.append(entry.to_line())
        async with self._lock:
            if not self._pending:
                return  # an earlier holder of the lock wrote our line with its own
            lines, self._pending = b"".join(self._pending), []
            await anyio.to_thread.run_sync(_write_lines, handle, lines)
            self.syncs += 1


def _lock(handle: BinaryIO, path: Path) -> None:
    """Take the manifest's exclusive lock (released when ``handle`` closes), or raise."""
    if sys.platform == "win32":  # no flock there: one run at a time is up to the user
        return
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise DestinationInUseError(
            f"another export is writing into {path.parent} (its manifest is locked); "
            "wait for it to finish",
            str(path),
        ) from None


def _still_named(handle: BinaryIO, path: Path) -> bool:
    """Whether ``path`` still names the file open as ``handle``."""
    try:
        named = os.stat(path)
    except FileNotFoundError:
        return False
    opened = os.fstat(handle.fileno())
    return (named.st_dev, named.st_ino) == (opened.st_dev, opened.st_ino)


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) == b"\n"


def _write_lines(handle: BinaryIO, lines: bytes) -> None:
    handle.write(lines)
    handle.flush()
    os.fsync(handle.fileno())
