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
   annotation's modification time; explicit ids do not, so they are not checked for changes).
   Everything else, failures of earlier runs included, is downloaded again.
3. **Download**: each file goes through ``wk.annotations.download`` (streamed, ``.part`` and
   rename, body-level retries), at most ``concurrency`` requests at once (anyio task group and a
   ``CapacityLimiter`` shared with the per-task listing calls). The client's own limit
   (``Client(concurrency=...)``, 8 by default) applies on top: ask for more there too.
4. **Manifest**: after each file is in place, one line goes to ``manifest.jsonl`` (see
   ``_export_manifest``), flushed and fsynced; a failure is a line with its reason. One
   annotation that fails (403, 404, a body still broken after the retries, a disk error) does not
   stop the others. A rejected token (401) stops the run. (``_export_run`` does steps 2 to 4.)

Layout of the destination, stable across runs so that resume is exact::

    <to>/manifest.jsonl
    <to>/<typ>/<id>/<the server's file name>      e.g. Task/65a.../dataset__task__jdoe__12ab34.nml

Cancelling a run (Ctrl-C, a cancel scope) leaves no partial file (the download removes its
``.part``) and a manifest of whole lines only; the next run picks up where this one stopped.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

import anyio
import anyio.abc
import anyio.to_thread

from wkapi._errors import InputError
from wkapi._progress import ProgressCallback, progress_function
from wkapi.resources._base import check_int
from wkapi.resources.annotations import AnnotationsResource, AnnotationTypeLike
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
from ._export_report import ExportItem, ExportReport, ExportStatus
from ._export_run import ExportRun, ItemCallback

__all__ = ["MANIFEST_NAME", "ExportJobs", "ItemCallback"]

logger = logging.getLogger("wkapi.export")

PathLike = str | os.PathLike[str]


def _prepare_destination(to: PathLike) -> Path:
    destination = Path(to).absolute()  # the report's paths are absolute
    if destination.exists() and not destination.is_dir():
        raise InputError(f"export destination {destination} exists and is not a directory")
    destination.mkdir(parents=True, exist_ok=True)
    return destination


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
        concurrency: int = 16,
        resume: bool = True,
        verify: bool = False,
        progress: ProgressCallback | None = None,
        byte_progress: ProgressCallback | None = None,
        on_item: ItemCallback | None = None,
    ) -> ExportReport:
        """Download every annotation of a project, task type or user (or given ids) into ``to``.

        Sources combine: the union of all given is exported, each annotation once. Cancelled
        annotations are left out.

        Args:
            to: the destination directory (created if missing); it holds ``manifest.jsonl`` and
                ``<typ>/<id>/<file>`` per annotation.
            project_id: every task annotation of the project's tasks.
            task_type_id: every task annotation of the task type's tasks (the server lists at
                most 1000 tasks per task type: a warning in the report says when that cap is hit).
            user_id: the user's task annotations and explorative annotations.
            annotation_ids: explicit annotations: ids of type ``typ``, or ``(typ, id)`` pairs.
            typ: the type of plain ids in ``annotation_ids`` (default ``Explorational``).
            is_finished: only finished (``True``) or only active (``False``) annotations;
                ``None`` for both. Explicit ids are not filtered.
            concurrency: requests in flight at once (downloads and per-task lists); the
                client's own concurrency limit applies too.
            resume: skip annotations the manifest shows complete and unchanged since
                (``False`` fetches all again). Listed annotations carry their modification
                time, so a changed one is fetched again; explicit ids are not checked for
                changes.
            verify: when skipping, also check each file's SHA-256 against the manifest.
            progress: told ``(annotations settled, total)``; the total is ``None`` while the
                lists are still being read.
            byte_progress: told ``(bytes downloaded so far, None)``.
            on_item: called with each :class:`~wkapi.jobs.ExportItem` as it is settled.

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
            concurrency=check_int(concurrency, "concurrency", minimum=1),
            resume=resume,
            verify=verify,
            progress=progress,
            byte_progress=byte_progress,
            on_item=on_item,
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

    def _warn_client_limit(self, concurrency: int) -> None:
        # Jobs own no HTTP, but the client's limit decides what the job's concurrency can reach.
        client_limit = self._annotations._session.config.limits.concurrency
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
    ) -> ExportReport:
        self._warn_client_limit(concurrency)
        started = time.perf_counter()
        destination = await anyio.to_thread.run_sync(_prepare_destination, to)
        manifest_path = destination / MANIFEST_NAME
        limiter = anyio.CapacityLimiter(concurrency)
        log = ListingLog()
        async with ManifestWriter(manifest_path) as writer:  # locks the destination first
            previous = await read_manifest(manifest_path)
            run = ExportRun(
                annotations=self._annotations,
                destination=destination,
                previous=previous,
                writer=writer,
                limiter=limiter,
                resume=resume,
                verify=verify,
                progress=progress_function(progress),
                byte_progress=progress_function(byte_progress),
                on_item=on_item,
            )
            send, receive = anyio.create_memory_object_stream[ExportTarget](concurrency)

            async def sink(target: ExportTarget) -> None:
                run.found_one()
                await send.send(target)

            async def produce() -> None:
                async with send:
                    await list_targets(
                        source,
                        users=self._users,
                        projects=self._projects,
                        tasks=self._tasks,
                        limiter=limiter,
                        sink=sink,
                        log=log,
                    )
                run.listing_finished()

            try:
                async with anyio.create_task_group() as group:
                    async with receive:
                        for _ in range(concurrency):
                            group.start_soon(run.worker, receive.clone())
                    group.start_soon(produce)
            except Exception as exc:
                raise _first_error(exc) from None
        return _report(run.items, run.downloaded_bytes, started, manifest_path, log)


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
    )
