"""Streamed downloads: bytes move from the socket to the caller or to disk in bounded chunks.

:func:`open_download` gives a :class:`DownloadBody` to iterate; :func:`download_to` writes a
file atomically: a part file of its own in the target directory (``<name>.<random>.part``), a
length check against ``Content-Length``, ``fsync``, then a rename, so an interrupted download
never leaves a file that looks complete, nor the directories it created for one
(:mod:`wkapi._folders`). Broken bodies are fetched again as :mod:`wkapi._fetch`
describes; the disk side is :mod:`wkapi._partfile`.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import attrs

from ._checks import check_path
from ._errors import InputError
from ._fetch import Fetch
from ._filenames import safe_filename
from ._folders import make_folders, remove_made_folders
from ._partfile import CHUNK_SIZE, DestinationExistsError, PartFile
from ._progress import ProgressCallback, ProgressFunction, progress_function
from ._session import QueryValue, Session

__all__ = [
    "CHUNK_SIZE",
    "DestinationExistsError",
    "DownloadBody",
    "DownloadResult",
    "download_to",
    "open_download",
]


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


# -- the public streaming interface ----------------------------------------------------------------


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

    def __init__(self, fetch: Fetch, filename: str) -> None:
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
    async with Fetch(session, path, params) as fetch:
        name = safe_filename(fetch.content_disposition, fallback_name, fetch.content_type)
        yield DownloadBody(fetch, name)


# -- into a file -----------------------------------------------------------------------------------


def _names_a_directory(raw: str) -> bool:
    """Whether ``raw`` ends with a path separator (``"exports/"``): ``Path`` would drop it."""
    return raw.endswith(tuple(sep for sep in (os.sep, os.altsep) if sep))


def _missing_folders(directory: Path, raw: str) -> list[Path]:
    """The folders of ``directory`` that do not exist yet, outermost first; an
    :class:`~wkapi.InputError` when an existing part of it is not a folder."""
    missing = []
    folder = directory
    while not folder.is_dir():
        if os.path.lexists(folder):
            raise InputError(f"cannot download to {raw}: {folder} is not a directory")
        missing.append(folder)
        if folder.parent == folder:
            break
        folder = folder.parent
    return missing[::-1]


@attrs.frozen
class _Target:
    """Where a download goes: a folder (and the file's name, unless the server names it)."""

    raw: str  # as the caller gave it, for messages
    directory: Path
    name: str | None


def _resolve_target(to: str | os.PathLike[str], overwrite: bool) -> _Target:
    """A path ending in a separator, or an existing folder, is the folder to save in (under
    the server's file name); anything else names the file. Nothing is created here."""
    raw = os.fspath(to)
    target = Path(raw)
    if _names_a_directory(raw) or target.is_dir() or target.name in ("", ".", ".."):
        directory, name = target, None
    else:
        directory, name = target.parent, target.name
    _missing_folders(directory, raw)  # a file in the way is an error before anything is sent
    if name is not None and not overwrite and os.path.lexists(target):
        raise DestinationExistsError(target)
    return _Target(raw, directory, name)


#: Times the part file is tried when its folder vanishes before it is created.
_OPEN_ATTEMPTS = 3


async def _open_part(part: PartFile, target: _Target, made: list[Path]) -> None:
    """Create the part file, creating the missing folders of ``target`` first (recorded in
    ``made``). Again when a folder is gone before the part file is in it: a concurrent
    download that had created it failed and removed it, empty."""

    def make() -> None:
        make_folders(_missing_folders(target.directory, target.raw), made)

    for attempt in range(1, _OPEN_ATTEMPTS + 1):
        await anyio.to_thread.run_sync(make)
        try:
            await part.open()
        except FileNotFoundError:
            if attempt == _OPEN_ATTEMPTS:
                raise
        else:
            return


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
        to: a directory (the file gets the server's name, made safe, inside it): an existing
            one, or a path ending in a separator (``"exports/"``); anything else is the file's
            path. Missing directories are created (with their parents) once the server has
            answered with the file, and removed again (those this call created, deepest
            first, while still empty) when the file is not published; a part of the path
            that is a file is an :class:`~wkapi.InputError` before anything is sent.
        fallback_name: the name when the server gives none (``.nml``/``.zip`` added by type).
        overwrite: replace an existing file; otherwise :class:`DestinationExistsError`.
        progress: told ``(bytes_done, total)`` as chunks reach the disk.

    The body is written to a part file of this download's own, ``<file>.<random>.part`` in the
    same directory, checked against ``Content-Length``, fsynced and renamed, so downloads to
    the same name never mix their bytes: the first to finish wins, the others raise
    :class:`DestinationExistsError` (with ``overwrite``, each replaces the file whole). On any
    failure the part file is removed and nothing appears at the final path. Raises
    :class:`~wkapi.IncompleteDownloadError` when the body stays short after the retries, and
    :class:`~wkapi.InvalidResponseError` when the server answers with an HTML page or JSON
    instead of the file (a proxy's or a login page).

    Cancellation: the part file and the directories this call created are removed (a
    directory that existed before, or that holds something else by then, stays), and the
    final path holds either what it held
    before or the complete, verified file, never a partial one. The latter only when the
    cancellation arrives while the file is being published (the rename is then finished first)
    or after it; the cancellation is raised in both cases.
    """
    report = progress_function(progress)
    check_path("to", to)
    target = await anyio.to_thread.run_sync(_resolve_target, to, overwrite)
    made: list[Path] = []  # the folders this download created, outermost first
    try:
        return await _download_into(
            session, path, params, target, fallback_name, overwrite, report, made
        )
    except BaseException:
        if made:  # nothing was published: the folders made for it go, if still empty
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(remove_made_folders, made)
        raise


async def _download_into(
    session: Session,
    path: str,
    params: Mapping[str, QueryValue] | None,
    target: _Target,
    fallback_name: str,
    overwrite: bool,
    report: ProgressFunction | None,
    made: list[Path],
) -> DownloadResult:
    directory, name = target.directory, target.name
    async with Fetch(session, path, params) as fetch:
        if name is None:
            name = safe_filename(fetch.content_disposition, fallback_name, fetch.content_type)
            if not overwrite and await anyio.to_thread.run_sync(os.path.lexists, directory / name):
                raise DestinationExistsError(directory / name)
        final = directory / name

        def on_disk(done: int) -> None:
            if report is not None:
                report(done, fetch.size)

        part = PartFile(final, on_disk)
        try:
            # Folders are created only now that the server answers with the file: a refused
            # download creates nothing.
            await _open_part(part, target, made)
            async for piece in fetch.pieces(on_restart=part.restart):
                await part.add(piece)
            size, digest = await part.commit(overwrite=overwrite)
        except BaseException:
            await part.discard()
            raise
    if report is not None:
        report(size, size)
    return DownloadResult(path=final, size=size, sha256=digest, content_type=fetch.content_type)
