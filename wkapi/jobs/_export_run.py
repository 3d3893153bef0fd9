"""One export run's work per annotation: the resume check, the download, the manifest line.

:class:`ExportRun` is fed targets by the export's workers (see :mod:`wkapi.jobs.export`) and
settles each into an :class:`~wkapi.jobs.ExportItem`: skipped (complete per the manifest), ok
(downloaded now and recorded) or failed (recorded with its reason). When the server becomes
unreachable the run stops, and every target found but not settled is "not fetched"
(:meth:`ExportRun.not_fetched`; nothing recorded, the next run fetches it).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
from collections.abc import Callable
from pathlib import Path

import anyio
import anyio.abc
import anyio.to_thread

from wkapi._errors import (
    APIConnectionError,
    AuthenticationError,
    ServerUnreachableError,
    WebknossosError,
)
from wkapi._progress import ProgressFunction
from wkapi._transfer import DownloadResult
from wkapi.resources.annotations import AnnotationsResource

from ._export_listing import ExportTarget
from ._export_manifest import (
    STATUS_FAILED,
    STATUS_OK,
    ManifestEntry,
    ManifestWriter,
    now_utc,
)
from ._export_report import ExportItem, ExportStatus
from ._patience import Patience

__all__ = ["ExportRun", "ItemCallback"]

logger = logging.getLogger(__name__)

ItemCallback = Callable[[ExportItem], object]
"""Told each annotation's outcome as soon as it is settled (on the event loop; keep it quick)."""

_HASH_CHUNK = 1 << 20


def _error_text(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if isinstance(exc, WebknossosError) else f"{type(exc).__name__}: {text}"


def _inside(root: Path, relative: str) -> Path | None:
    """``root / relative`` if it stays inside ``root`` (a manifest is data, not trusted paths).

    Compared as absolute paths: every relative path, ``../x`` included, is "relative to" ``.``.
    """
    base = Path(os.path.abspath(root))
    candidate = Path(os.path.abspath(base / relative))
    try:
        candidate.relative_to(base)
    except ValueError:
        return None
    return candidate


def _file_matches(path: Path, size: int, sha256: str | None) -> bool:
    """Whether ``path`` is a regular file of ``size`` bytes (and that SHA-256, if given)."""
    try:
        if not path.is_file() or path.stat().st_size != size:
            return False
        if sha256 is None:
            return True
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            while block := handle.read(_HASH_CHUNK):
                digest.update(block)
        return digest.hexdigest() == sha256
    except OSError:
        return False


def _may_have_reached_the_server(exc: WebknossosError) -> bool:
    """Whether a request that failed with ``exc`` may have reached the server (a refused
    connection or a connect timeout, after every retry, surely did not)."""
    return not isinstance(exc, APIConnectionError) or exc.request_sent


def _remove_quietly(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


class _ByteCounter:
    """Sums the bytes of all downloads of a run for one ``byte_progress`` callback."""

    def __init__(self, report: ProgressFunction | None) -> None:
        self._report = report
        self._finished = 0
        self._in_flight: dict[tuple[str, str], int] = {}

    @property
    def done(self) -> int:
        return self._finished + sum(self._in_flight.values())

    def callback(self, key: tuple[str, str]) -> ProgressFunction:
        def update(done: int, total: int | None) -> None:
            # ``done`` restarts at 0 when a broken download restarts: the sum follows it.
            self._in_flight[key] = done
            self._emit()

        return update

    def finish(self, key: tuple[str, str], size: int) -> None:
        self._in_flight.pop(key, None)
        self._finished += size
        self._emit()

    def abandon(self, key: tuple[str, str]) -> None:
        self._in_flight.pop(key, None)
        self._emit()

    def _emit(self) -> None:
        if self._report is not None:
            self._report(self.done, None)


class ExportRun:
    """One export run: the destination, the previous manifest, the counters and the items."""

    def __init__(
        self,
        *,
        annotations: AnnotationsResource,
        destination: Path,
        previous: dict[tuple[str, str], ManifestEntry],
        writer: ManifestWriter,
        limiter: anyio.CapacityLimiter,
        resume: bool,
        verify: bool,
        progress: ProgressFunction | None,
        byte_progress: ProgressFunction | None,
        on_item: ItemCallback | None,
        patience: Patience,
    ) -> None:
        self._patience = patience
        self._annotations = annotations
        self._destination = destination
        self._previous = previous
        self._writer = writer
        self._limiter = limiter
        self._resume = resume
        self._verify = verify
        self._progress = progress
        self._on_item = on_item
        self._bytes = _ByteCounter(byte_progress)
        self.items: list[ExportItem] = []
        self._found: dict[tuple[str, str], ExportTarget] = {}  # in the order found
        #: Targets a download request may have reached the server for (see ``ExportItem.sent``).
        self._sent: set[tuple[str, str]] = set()
        self.listing_done = False
        #: Why the run stopped early: the server became unreachable (set by a download).
        self.unreachable: ServerUnreachableError | None = None
        #: Stops the run's workers and listing (set by the export while they run).
        self.stop: Callable[[], object] | None = None

    @property
    def downloaded_bytes(self) -> int:
        return self._bytes.done

    # progress

    def found_one(self, target: ExportTarget) -> None:
        self._found[target.key] = target

    def not_fetched(self, reason: str) -> list[ExportItem]:
        """An item for each target found but not settled (the run stopped), in the order
        found, with ``reason`` as its error."""
        settled = {(item.typ, item.id) for item in self.items}
        return [
            ExportItem(
                target.typ,
                target.id,
                ExportStatus.NOT_FETCHED,
                error=reason,
                sent=key in self._sent,
            )
            for key, target in self._found.items()
            if key not in settled
        ]

    def listing_finished(self) -> None:
        self.listing_done = True
        self._report_items()

    def _report_items(self) -> None:
        if self._progress is not None:
            self._progress(len(self.items), len(self._found) if self.listing_done else None)

    def _settle(self, item: ExportItem) -> None:
        self.items.append(item)
        if self._on_item is not None:
            self._on_item(item)
        self._report_items()

    # work

    async def worker(self, targets: anyio.abc.ObjectReceiveStream[ExportTarget]) -> None:
        async with targets:
            async for target in targets:
                item = await self._process(target)
                if item is not None:
                    self._settle(item)

    async def _process(self, target: ExportTarget) -> ExportItem | None:
        previous = self._previous.get(target.key)
        if self._resume and previous is not None:
            skipped = await self._complete(target, previous)
            if skipped is not None:
                return skipped
        return await self._download(target, previous)

    async def _complete(self, target: ExportTarget, entry: ManifestEntry) -> ExportItem | None:
        """The skipped item if ``entry`` proves the file complete and current, else ``None``."""
        if not entry.ok or entry.path is None or entry.size is None:
            return None
        if target.modified is not None and target.modified != entry.modified:
            # Changed on the server since it was exported (or exported by an older run that
            # did not record the time: it cannot be shown unchanged).
            return None
        path = _inside(self._destination, entry.path)
        if path is None:
            return None
        expected_hash = entry.sha256 if self._verify else None
        if not await anyio.to_thread.run_sync(_file_matches, path, entry.size, expected_hash):
            return None
        return ExportItem(
            target.typ,
            target.id,
            ExportStatus.SKIPPED,
            path=path,
            size=entry.size,
            sha256=entry.sha256,
        )

    async def _fetch(self, target: ExportTarget, directory: Path) -> DownloadResult:
        """The download of ``target``, made again after refused connections until the client
        gives up on the server (:class:`Patience`): a restarting server fails no file."""
        reached = False  # an attempt may have reached the server

        async def attempt() -> DownloadResult:
            nonlocal reached
            async with self._limiter:
                # From here a request may reach the server (also if the run is cancelled).
                self._sent.add(target.key)
                try:
                    return await self._annotations.download(
                        target.typ,
                        target.id,
                        directory,
                        overwrite=True,
                        progress=self._bytes.callback(target.key),
                    )
                except WebknossosError as exc:
                    reached = reached or _may_have_reached_the_server(exc)
                    if not reached:
                        self._sent.discard(target.key)
                    raise

        return await self._patience.call(attempt)

    async def _download(
        self, target: ExportTarget, previous: ManifestEntry | None
    ) -> ExportItem | None:
        """The downloaded or failed item; ``None`` when the server became unreachable (the run
        stops and the target is not fetched)."""
        directory = self._destination / target.typ / target.id
        try:
            await anyio.to_thread.run_sync(lambda: directory.mkdir(parents=True, exist_ok=True))
            result = await self._fetch(target, directory)
        except AuthenticationError:
            raise
        except ServerUnreachableError as exc:
            # The run stops: this and the other downloads (cancelled, their part files removed)
            # are not fetched and nothing is recorded for them; the next run fetches them.
            self._bytes.abandon(target.key)
            self.unreachable = self.unreachable or exc
            if self.stop is not None:
                self.stop()
            return None
        except (WebknossosError, OSError) as exc:
            self._bytes.abandon(target.key)
            error = _error_text(exc)
            logger.warning("export of %s %s failed: %s", target.typ, target.id, error)
            await self._record(
                ManifestEntry(
                    typ=target.typ,
                    id=target.id,
                    status=STATUS_FAILED,
                    error=error,
                    modified=target.modified,
                    recorded=now_utc(),
                )
            )
            return ExportItem(
                target.typ,
                target.id,
                ExportStatus.FAILED,
                error=error,
                sent=target.key in self._sent,
            )
        self._bytes.finish(target.key, result.size)
        relative = f"{target.typ}/{target.id}/{result.path.name}"
        await self._record(
            ManifestEntry(
                typ=target.typ,
                id=target.id,
                status=STATUS_OK,
                path=relative,
                size=result.size,
                sha256=result.sha256,
                modified=target.modified,
                recorded=now_utc(),
            )
        )
        if previous is not None and previous.path not in (None, relative):
            await self._remove_replaced(previous.path)
        return ExportItem(
            target.typ,
            target.id,
            ExportStatus.OK,
            path=result.path,
            size=result.size,
            sha256=result.sha256,
            sent=True,
        )

    async def _record(self, entry: ManifestEntry) -> None:
        # The file is in place: its line must land even if the run is being cancelled.
        with anyio.CancelScope(shield=True):
            await self._writer.append(entry)

    async def _remove_replaced(self, relative: str | None) -> None:
        """Delete the file an earlier run recorded for this annotation under another name."""
        stale = _inside(self._destination, relative) if relative else None
        if stale is not None:
            await anyio.to_thread.run_sync(_remove_quietly, stale)
