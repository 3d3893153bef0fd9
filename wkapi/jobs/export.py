"""Concurrent, resumable export of annotations to disk (``wk.export``).

.. code-block:: python

    report = await wk.export.annotations("exports/", project_id=project.id, concurrency=16)
    print(report.succeeded, report.skipped, report.failed)

How a run goes:

1. **Listing** (see ``_export_listing``): the annotations of a project, a task type, a user or
   explicit ids (any combination), without cancelled ones, each once. Downloads start while the
   lists are still being read.
2. **Resume**: an annotation is skipped, with no request, when the manifest's last line for it
   says ``ok`` and its file exists with the recorded size (and the recorded SHA-256 with
   ``verify=True``), unless the listing shows it was modified since (lists carry each
   annotation's modification time, and each explicit id is read once for it, so a changed
   annotation is fetched again whatever its source; an entry without a recorded time, from an
   older run, is fetched again too).
   Everything else, failures of earlier runs included, is downloaded again.
3. **Download**: each file goes through ``wk.annotations.download`` (streamed, ``.part`` and
   rename, body-level retries), at most ``concurrency`` requests at once (anyio task group and a
   ``CapacityLimiter`` shared with the listing calls). The client's own limit
   (``Client(concurrency=...)``, 8 by default) applies on top: the default of 16 is capped by
   it silently; an explicit ``concurrency`` above it logs a warning (ask for more there too).
4. **Manifest**: after each file is in place, one line goes to ``manifest.jsonl`` (see
   ``_export_manifest``), flushed and fsynced; a failure is a line with its reason. One
   annotation that fails (403, 404, a body still broken after the retries, a disk error) does not
   stop the others. A rejected token (401) stops the run, and so does a server that became
   unreachable (refused connections for ``RetryPolicy.give_up_after`` seconds): the
   annotations found but not settled are reported "not fetched", nothing is recorded for them,
   and the next run fetches them. (``_export_run`` does steps 2 to 4.)

Layout of the destination, stable across runs so that resume is exact::

    <to>/manifest.jsonl
    <to>/<typ>/<id>/<the server's file name>      e.g. Task/65a.../dataset__task__jdoe__12ab34.nml

Part files that earlier runs left behind when they were killed outright (``SIGKILL``, a power
cut: ``<to>/<typ>/<id>/<name>.<16 hex digits>.part``) are removed when a run starts, while it holds
the destination's lock (so no other export is writing there); nothing else is touched, and no
part file remains after a complete run.

Cancelling a run (Ctrl-C, a cancel scope) leaves no partial file (the download removes its
``.part``) and a manifest of whole lines only; the next run picks up where this one stopped.
A run that fails or is cancelled before recording anything (a refused token, an unreachable
server, an unknown project) removes the empty manifest it opened, and the directories it
created if they stayed empty, so nothing is left behind.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

import anyio
import anyio.abc
import anyio.to_thread
import attrs

from wkapi._checks import OBJECT_ID, check_bool, check_callable, check_int, check_path
from wkapi._errors import InputError, ServerUnreachableError
from wkapi._folders import make_folders, remove_made_folders
from wkapi._partfile import is_part_name
from wkapi._progress import ProgressCallback, progress_function
from wkapi.models import AnnotationType
from wkapi.resources.annotations import AnnotationsResource, AnnotationTypeLike, annotation_type
from wkapi.resources.projects import ProjectsResource
from wkapi.resources.tasks import TasksResource
from wkapi.resources.users import UsersResource

from ._export_listing import (
    AnnotationIdLike,
    ExportTarget,
    ListingLog,
    TargetSource,
    compound_targets,
    explicit_targets,
    list_targets,
)
from ._export_manifest import (
    MANIFEST_NAME,
    ManifestWriter,
    read_manifest,
)
from ._export_report import ExportItem, ExportReport, ExportStatus, ListingCallback
from ._export_run import ExportRun, ItemCallback
from ._patience import Patience

__all__ = ["MANIFEST_NAME", "ExportJobs", "ItemCallback"]

logger = logging.getLogger(__name__)

PathLike = str | os.PathLike[str]

#: The export's concurrency when the caller gives none (capped by the client's limit).
DEFAULT_CONCURRENCY = 16


@attrs.frozen
class _Destination:
    """The export's directory (absolute: the report's paths are), and the directories this
    run created for it, outermost first (removed again if the run fails and they stay empty)."""

    path: Path
    created: tuple[Path, ...]


def _prepare_destination(to: PathLike) -> _Destination:
    destination = Path(to).absolute()
    if destination.exists() and not destination.is_dir():
        raise InputError(f"export destination {destination} exists and is not a directory")
    missing = []
    for directory in (destination, *destination.parents):
        if directory.exists():
            break
        missing.append(directory)
    made: list[Path] = []
    try:
        make_folders(reversed(missing), made)
    except BaseException:
        remove_made_folders(made)
        raise
    return _Destination(destination, tuple(made))


def _discard_failed_run(destination: _Destination, writer: ManifestWriter) -> None:
    """Remove what a failed run leaves behind in its destination: the empty directories it
    made in a destination it created, and its manifest if it recorded nothing.

    Called while the run holds the manifest's lock, so no other run is writing there.
    """
    if destination.created:  # else the destination was there before: nothing is touched
        for root, _, _ in os.walk(destination.path, topdown=False):
            if Path(root) != destination.path:
                with contextlib.suppress(OSError):  # not empty: keep it
                    os.rmdir(root)
    writer.remove_if_empty()


_TYPE_FOLDERS = frozenset(typ.value for typ in AnnotationType)


def _remove_stale_part_files(destination: Path) -> int:
    """Delete the part files killed runs left in the export's layout; how many there were.

    Only ``<destination>/<annotation type>/<id>/<name>.<16 hex digits>.part`` files are removed:
    regular files (not links) in folders (not links) named like the layout's. Called while the
    run holds the destination's lock and before it starts a download, so none of them is being
    written.
    """
    removed = 0
    for typ in _folders(destination):
        if typ.name not in _TYPE_FOLDERS:
            continue
        for annotation in _folders(Path(typ.path)):
            if OBJECT_ID.fullmatch(annotation.name) is None:
                continue
            try:
                entries = list(os.scandir(annotation.path))
            except OSError:
                continue
            for entry in entries:
                if is_part_name(entry.name) and entry.is_file(follow_symlinks=False):
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(entry.path)
                        removed += 1
    if removed:
        logger.info("removed %d part files of earlier, killed runs from %s", removed, destination)
    return removed


def _folders(path: Path) -> list[os.DirEntry[str]]:
    """The folders (not links to them) directly in ``path``."""
    try:
        with os.scandir(path) as entries:
            return [entry for entry in entries if entry.is_dir(follow_symlinks=False)]
    except OSError:
        return []


class ExportJobs:
    """Export annotations to disk concurrently and resumably (``wk.export``).

    Built by the :class:`~wkapi.Client`; see the module documentation for the layout, the
    manifest and the resume rules.
    """

    def __init__(
        self,
        *,
        annotations: AnnotationsResource,
        users: UsersResource,
        projects: ProjectsResource,
        tasks: TasksResource,
    ) -> None:
        self._annotations = annotations
        self._users = users
        self._projects = projects
        self._tasks = tasks
        self._warned_limit = False

    async def annotations(
        self,
        to: PathLike,
        *,
        project_id: str | None = None,
        task_type_id: str | None = None,
        user_id: str | None = None,
        annotation_ids: Iterable[AnnotationIdLike] | None = None,
        typ: AnnotationTypeLike = "Explorational",
        is_finished: bool | None = None,
        concurrency: int | None = None,
        resume: bool = True,
        verify: bool = False,
        progress: ProgressCallback | None = None,
        byte_progress: ProgressCallback | None = None,
        on_item: ItemCallback | None = None,
        on_listing: ListingCallback | None = None,
    ) -> ExportReport:
        """Download every annotation of a project, task type or user (or given ids) into ``to``.

        Sources combine: the union of all given is exported, each annotation once. Cancelled
        annotations are left out.

        Args:
            to: the destination directory (created if missing); it holds ``manifest.jsonl`` and
                ``<typ>/<id>/<file>`` per annotation.
            project_id: every task annotation of the project's tasks.
            task_type_id: every task annotation of the task type's tasks. The server lists at
                most 1000 tasks of a task type at once; past that they are found through the
                projects the caller can read, and if one of those lists cannot be read, a
                listing error says so (the report is not ``ok``).
            user_id: the user's task annotations and explorative annotations.
            annotation_ids: explicit annotations: ids of type ``typ``, or ``(typ, id)`` pairs.
            typ: the type of plain ids in ``annotation_ids`` (default ``Explorational``).
            is_finished: only finished (``True``) or only active (``False``) annotations;
                ``None`` for both. Explicit ids are not filtered.
            concurrency: requests in flight at once (downloads and lists); default 16, capped
                by the client's own concurrency limit. A value above that limit is allowed
                but the client limit applies (a warning is logged once).
            resume: skip annotations the manifest shows complete and unchanged since
                (``False`` fetches all again). Every source is checked for changes the same
                way: lists carry each annotation's modification time, and each explicit id is
                read once (``annotations.info``) for it, so a changed one is fetched again.
            verify: when skipping, also check each file's SHA-256 against the manifest.
            progress: told ``(annotations settled, total)``; the total is ``None`` while the
                lists are still being read.
            byte_progress: told ``(bytes downloaded so far, None)``.
            on_item: called with each :class:`~wkapi.jobs.ExportItem` as it is settled.
            on_listing: called with a :class:`~wkapi.jobs.ListingProgress` while the lists are
                read: when the listing starts, after each annotation found (per source) and
                each task listed, and when it is done; the downloads run meanwhile.

        Returns:
            An :class:`~wkapi.jobs.ExportReport`: counts, bytes, seconds, and one item per
            annotation.

        Raises:
            InputError: bad arguments (nothing was sent).
            DestinationInUseError: another export is writing into ``to`` (nothing was sent).
            AuthenticationError: the server refused the token.
            APIError: a list could not be read (project tasks, user annotations); single
                downloads that fail are reported in the result instead.
        """
        _check_arguments(to, progress, byte_progress, on_item, on_listing)
        annotation_type(typ)  # checked even when no plain id needs it
        check_bool("resume", resume)
        check_bool("verify", verify)
        source = TargetSource(
            project_id=project_id,
            task_type_id=task_type_id,
            user_id=user_id,
            explicit=explicit_targets(annotation_ids, typ) if annotation_ids is not None else (),
            is_finished=is_finished,
        )
        source.check()
        return await self._run(
            to,
            source=source,
            concurrency=self._concurrency(concurrency),
            resume=resume,
            verify=verify,
            progress=progress,
            byte_progress=byte_progress,
            on_item=on_item,
            on_listing=on_listing,
        )

    async def compound(
        self,
        to: PathLike,
        *,
        project_id: str | None = None,
        task_id: str | None = None,
        task_type_id: str | None = None,
        progress: ProgressCallback | None = None,
        byte_progress: ProgressCallback | None = None,
        on_item: ItemCallback | None = None,
    ) -> ExportReport:
        """Download the compound ZIP of a project, task or task type (one per id given) into
        ``to``: one archive holding every *finished* annotation, built by the server.

        Team-manager or admin rights are needed (else the item fails with 403). A compound
        archive changes whenever an annotation is finished, so it is always fetched anew
        (``overwrite``), never skipped; it is recorded in the same manifest as
        ``CompoundProject/<id>/<name>_nmls.zip`` and so on.
        """
        _check_arguments(to, progress, byte_progress, on_item, None)
        targets = compound_targets(
            project_id=project_id, task_id=task_id, task_type_id=task_type_id
        )
        return await self._run(
            to,
            source=TargetSource(explicit=targets),
            concurrency=len(targets),
            resume=False,
            verify=False,
            progress=progress,
            byte_progress=byte_progress,
            on_item=on_item,
        )

    def _client_limit(self) -> int:
        # Jobs own no HTTP, but the client's limit decides what the job's concurrency can reach.
        return self._annotations._session.config.limits.concurrency

    def _concurrency(self, asked: int | None) -> int:
        """The run's concurrency: the default capped by the client's limit, or what the caller
        asked for (with a warning, once, if the client's limit is lower)."""
        if asked is None:
            return min(DEFAULT_CONCURRENCY, self._client_limit())
        concurrency = check_int("concurrency", asked, minimum=1)
        self._warn_client_limit(concurrency)
        return concurrency

    def _warn_client_limit(self, concurrency: int) -> None:
        client_limit = self._client_limit()
        if concurrency > client_limit and not self._warned_limit:
            self._warned_limit = True
            logger.warning(
                "export concurrency %d exceeds the client's limit of %d requests at once; "
                "the client limit applies (raise it with Client(..., concurrency=%d))",
                concurrency,
                client_limit,
                concurrency,
            )

    async def _run(
        self,
        to: PathLike,
        *,
        source: TargetSource,
        concurrency: int,
        resume: bool,
        verify: bool,
        progress: ProgressCallback | None,
        byte_progress: ProgressCallback | None,
        on_item: ItemCallback | None,
        on_listing: ListingCallback | None = None,
    ) -> ExportReport:
        started = time.perf_counter()
        prepared = await anyio.to_thread.run_sync(_prepare_destination, to)
        manifest_path = prepared.path / MANIFEST_NAME
        limiter = anyio.CapacityLimiter(concurrency)
        log = ListingLog()
        unreachable = False
        patience = Patience(self._annotations._session)  # the listing's and the downloads
        try:
            async with ManifestWriter(manifest_path) as writer:  # locks the destination first
                await anyio.to_thread.run_sync(_remove_stale_part_files, prepared.path)
                run = ExportRun(
                    annotations=self._annotations,
                    destination=prepared.path,
                    previous=await read_manifest(manifest_path),
                    writer=writer,
                    limiter=limiter,
                    resume=resume,
                    verify=verify,
                    progress=progress_function(progress),
                    byte_progress=progress_function(byte_progress),
                    on_item=on_item,
                    patience=patience,
                )
                try:
                    unreachable = await self._work(run, source, limiter, log, on_listing, patience)
                    if unreachable:  # stopped early: what an empty run opened goes, as below
                        await anyio.to_thread.run_sync(_discard_failed_run, prepared, writer)
                except BaseException:
                    # While the lock is held, no other run is writing into the destination.
                    with anyio.CancelScope(shield=True):
                        await anyio.to_thread.run_sync(_discard_failed_run, prepared, writer)
                    raise
        except BaseException:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(remove_made_folders, prepared.created)
            raise
        return _report(run.items, run.downloaded_bytes, started, manifest_path, log, unreachable)

    async def _work(
        self,
        run: ExportRun,
        source: TargetSource,
        limiter: anyio.CapacityLimiter,
        log: ListingLog,
        on_listing: ListingCallback | None,
        patience: Patience,
    ) -> bool:
        """List ``source`` into a stream and settle each target on as many workers as the
        limiter has tokens. Whether the run stopped early because the server became
        unreachable (every target found and not settled is then added to ``run.items`` as not
        fetched, and a warning says so, or a listing error if the listing was cut short)."""
        workers = int(limiter.total_tokens)
        send, receive = anyio.create_memory_object_stream[ExportTarget](workers)

        async def sink(target: ExportTarget) -> None:
            run.found_one(target)
            await send.send(target)

        async def produce() -> None:
            async with send:
                await list_targets(
                    source,
                    annotations=self._annotations,
                    users=self._users,
                    projects=self._projects,
                    tasks=self._tasks,
                    limiter=limiter,
                    sink=sink,
                    log=log,
                    on_listing=on_listing,
                    patience=patience,
                )
            run.listing_finished()

        unreachable: ServerUnreachableError | None = None
        try:
            async with anyio.create_task_group() as group:
                run.stop = group.cancel_scope.cancel
                async with receive:
                    for _ in range(workers):
                        group.start_soon(run.worker, receive.clone())
                group.start_soon(produce)
        except Exception as exc:
            first = _first_error(exc)
            if not isinstance(first, ServerUnreachableError):
                raise first from None
            unreachable = first  # while listing
        finally:
            run.stop = None
        unreachable = run.unreachable or unreachable
        if unreachable is None:
            return False
        reason = f"not fetched: the server became unreachable ({unreachable.message})"
        not_fetched = run.not_fetched(reason)
        run.items.extend(not_fetched)
        note = (
            f"the server became unreachable, so the export stopped: {len(not_fetched)} annotations "
            f"found were not fetched; run the same export again once the server is back to "
            f"fetch them (the manifest keeps what is done) ({unreachable.message})"
        )
        if run.listing_done:  # every annotation is in the report: a note, not a listing error
            log.warnings.append(note)
        else:
            log.errors.append(f"{note}; the listing was not complete, so more may be missing")
        return True


def _check_arguments(
    to: object,
    progress: object,
    byte_progress: object,
    on_item: object,
    on_listing: object,
) -> None:
    """Refuse a destination or a callback of the wrong kind before anything is sent."""
    check_path("to", to)
    progress_function(progress, "progress")  # type: ignore[arg-type]
    progress_function(byte_progress, "byte_progress")  # type: ignore[arg-type]
    if on_item is not None:
        check_callable("on_item", on_item)
    if on_listing is not None:
        check_callable("on_listing", on_listing)


def _first_error(exc: Exception) -> Exception:
    """The error inside the (nested) exception groups of task groups, so callers can catch
    ``AuthenticationError`` and the like directly."""
    while True:
        inner = getattr(exc, "exceptions", None)
        if not inner or not isinstance(inner[0], Exception):
            return exc
        exc = inner[0]


def _report(
    items: Sequence[ExportItem],
    downloaded: int,
    started: float,
    manifest_path: Path,
    log: ListingLog,
    unreachable: bool,
) -> ExportReport:
    counts = dict.fromkeys(ExportStatus, 0)
    for item in items:
        counts[item.status] += 1
    return ExportReport(
        items=tuple(items),
        succeeded=counts[ExportStatus.OK],
        skipped=counts[ExportStatus.SKIPPED],
        failed=counts[ExportStatus.FAILED],
        bytes=downloaded,
        seconds=time.perf_counter() - started,
        manifest_path=manifest_path,
        warnings=tuple(log.warnings),
        listing_errors=tuple(log.errors),
        unreachable=unreachable,
    )
