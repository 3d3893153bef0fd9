"""``wkapi export``: every annotation of a project, task type or user into a directory."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click
from rich.table import Table

import wkapi

from ._errors import EXIT_FAILED, EXIT_OK
from ._format import human_bytes, human_rate, human_seconds
from ._progress import ProgressMode, ProgressView
from ._settings import Settings, give_up_option, server_options, settings_of
from ._signals import run_main

__all__ = ["export", "export_summary", "report_json", "run_export"]

# Failures listed in the human summary at most (all are in --json and the manifest).
_MAX_FAILURES_SHOWN = 20
#: Off a terminal, a line on the listing's progress at most this often (seconds).
LISTING_LINE_INTERVAL = 2.0


def _item_line(item: wkapi.ExportItem, done: int) -> str:
    where = f"{item.typ}/{item.id}"
    if item.status is wkapi.ExportStatus.FAILED:
        return f"[{done}] FAILED {where}: {item.error}"
    size = human_bytes(item.size or 0)
    return f"[{done}] {item.status.value} {where} ({size})"


def _found_text(event: wkapi.ListingProgress) -> str:
    """``1234 annotations found so far (project 65a...: 1200, user 65b...: 34)``."""
    text = f"{event.found} annotations found{'' if event.done else ' so far'}"
    parts = [f"{name}: {count}" for name, count in event.sources.items()]
    if event.tasks_listed:
        parts.append(f"{event.tasks_listed} tasks listed")
    return f"{text} ({', '.join(parts)})" if parts else text


class _ListingView:
    """The listing's progress: a bar counting what was found (terminal), or a line at the start,
    at most every :data:`LISTING_LINE_INTERVAL` seconds and at the end (off a terminal)."""

    def __init__(self, view: ProgressView) -> None:
        self._view = view
        self._meter = view.meter("listing", noun="annotations", milestones=False)
        self._last_line: float | None = None

    def __call__(self, event: wkapi.ListingProgress) -> None:
        self._meter.update(event.found, event.found if event.done else None)
        if self._view.bars is not None:
            self._meter.describe("listing: done" if event.done else "listing")
            return
        if self._view.mode is not ProgressMode.LINES:
            return
        now = time.monotonic()
        if event.done or self._last_line is None or now - self._last_line >= LISTING_LINE_INTERVAL:
            self._last_line = now
            self._view.note(f"listing: {'done, ' if event.done else ''}{_found_text(event)}")


async def run_export(
    wk: wkapi.Client,
    view: ProgressView,
    to: Path,
    *,
    compound: bool = False,
    item_lines: bool = True,
    **sources: Any,
) -> wkapi.ExportReport:
    """Run an export with an items meter and a bytes meter; in lines mode also one line per
    item (``item_lines``). Failures always get a line."""
    # The listing first: on a terminal its bar sits above the others.
    listing = None if compound else _ListingView(view)
    # With a line per annotation, the items meter's own milestone lines would repeat them.
    items = view.meter("export", noun="annotations", milestones=not item_lines)
    data = view.meter("downloaded", unit="bytes", milestones=not item_lines)
    settled = 0

    def on_item(item: wkapi.ExportItem) -> None:
        nonlocal settled
        settled += 1
        if item.status is wkapi.ExportStatus.FAILED or (item_lines and view.bars is None):
            view.note(_item_line(item, settled))

    if compound:
        report = await wk.export.compound(
            to, progress=items, byte_progress=data, on_item=on_item, **sources
        )
    else:
        report = await wk.export.annotations(
            to,
            progress=items,
            byte_progress=data,
            on_item=on_item,
            on_listing=listing,
            **sources,
        )
    items.finish(stopped=report.unreachable)
    data.finish(stopped=report.unreachable)
    return report


def report_json(report: wkapi.ExportReport) -> dict[str, Any]:
    """The report as one JSON document."""
    return {
        "ok": report.ok,
        "succeeded": report.succeeded,
        "skipped": report.skipped,
        "failed": report.failed,
        "bytes": report.bytes,
        "seconds": round(report.seconds, 3),
        "manifest": str(report.manifest_path),
        "warnings": list(report.warnings),
        "listing_errors": list(report.listing_errors),
        "unreachable": report.unreachable,
        "not_fetched": report.not_fetched,
        "not_sent": report.not_sent,
        "items": [
            {
                "typ": item.typ,
                "id": item.id,
                "status": item.status.value,
                "path": None if item.path is None else str(item.path),
                "size": item.size,
                "sha256": item.sha256,
                "error": item.error,
                "sent": item.sent,
            }
            for item in report.items
        ],
    }


def export_summary(settings: Settings, report: wkapi.ExportReport) -> None:
    """The human summary: counts, bytes, time, throughput, then warnings and failures."""
    table = Table(title="export", show_header=False)
    table.add_column(style="bold")
    table.add_column(justify="right")
    table.add_row("downloaded", str(report.succeeded))
    table.add_row("skipped (complete)", str(report.skipped))
    table.add_row("failed", str(report.failed))
    if report.unreachable or report.not_fetched:
        table.add_row("not fetched (the run stopped)", str(report.not_fetched))
    table.add_row("bytes", human_bytes(report.bytes))
    table.add_row("time", human_seconds(report.seconds))
    table.add_row("throughput", human_rate(report.succeeded, report.seconds, "annotations"))
    settings.out.print(table)
    settings.say(f"manifest: {report.manifest_path}")
    for warning in report.warnings:
        settings.say(f"warning: {warning}")
    for problem in report.listing_errors:
        settings.say(f"listing failed: {problem}")
    failures = report.failures
    for item in failures[:_MAX_FAILURES_SHOWN]:
        settings.say(f"failed: {item.typ}/{item.id}: {item.error}")
    if len(failures) > _MAX_FAILURES_SHOWN:
        settings.say(
            f"... and {len(failures) - _MAX_FAILURES_SHOWN} more failures (see the manifest)"
        )


@click.command()
@click.option("--project", "project_id", metavar="ID", help="Every annotation of a project.")
@click.option("--project-name", metavar="NAME", help="The same, by project name.")
@click.option("--task-type", "task_type_id", metavar="ID", help="Every annotation of a task type.")
@click.option("--user", "user_id", metavar="ID", help="A user's task and explorative annotations.")
@click.option(
    "--annotation",
    "annotation_ids",
    metavar="ID",
    multiple=True,
    help="An explorative annotation (repeatable; TYP:ID for other types).",
)
@click.option("--task", "task_id", metavar="ID", help="With --compound: a task's ZIP.")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    required=True,
    help="The destination directory (holds manifest.jsonl; re-running resumes).",
)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 256),
    default=16,
    show_default=True,
    help="Downloads and list requests in flight at once.",
)
@click.option(
    "--finished/--unfinished",
    "is_finished",
    default=None,
    help="Only finished, or only active annotations (default: both).",
)
@click.option(
    "--compound",
    is_flag=True,
    help="Download the server-built ZIP of the project, task or task type instead.",
)
@click.option("--verify", is_flag=True, help="Re-hash files already complete before skipping.")
@click.option("--no-resume", is_flag=True, help="Download everything again.")
@give_up_option
@server_options
@click.pass_context
def export(
    ctx: click.Context,
    project_id: str | None,
    project_name: str | None,
    task_type_id: str | None,
    user_id: str | None,
    annotation_ids: tuple[str, ...],
    task_id: str | None,
    output: Path,
    concurrency: int,
    is_finished: bool | None,
    compound: bool,
    verify: bool,
    no_resume: bool,
    give_up_after: float | None,
) -> int:
    """Export annotations concurrently into a directory, resumably.

    Each file goes to OUTPUT/<typ>/<id>/<name>; OUTPUT/manifest.jsonl records every download.
    Running the same command again downloads only what is missing or failed.
    """
    settings = settings_of(ctx)
    if project_id and project_name:
        raise click.UsageError("give --project or --project-name, not both")
    if compound:
        if user_id or annotation_ids or is_finished is not None or verify or no_resume:
            raise click.UsageError(
                "--compound takes --project, --project-name, --task or --task-type only"
            )
        if not (project_id or project_name or task_id or task_type_id):
            raise click.UsageError(
                "--compound needs --project, --project-name, --task or --task-type"
            )
    else:
        if task_id:
            raise click.UsageError("--task works with --compound only")
        if not (project_id or project_name or task_type_id or user_id or annotation_ids):
            raise click.UsageError(
                "say what to export: --project, --project-name, --task-type, --user or --annotation"
            )
    explicit = [_annotation_ref(value) for value in annotation_ids]

    async def run() -> wkapi.ExportReport:
        async with settings.client(concurrency=concurrency, give_up_after=give_up_after) as wk:
            project = project_id
            if project_name:
                project = (await wk.projects.by_name(project_name)).id
            with settings.progress() as view:
                if compound:
                    return await run_export(
                        wk,
                        view,
                        output,
                        compound=True,
                        project_id=project,
                        task_id=task_id,
                        task_type_id=task_type_id,
                    )
                return await run_export(
                    wk,
                    view,
                    output,
                    project_id=project,
                    task_type_id=task_type_id,
                    user_id=user_id,
                    annotation_ids=explicit or None,
                    is_finished=is_finished,
                    concurrency=concurrency,
                    resume=not no_resume,
                    verify=verify,
                )

    report = run_main(run())
    if settings.json:
        settings.print_json(report_json(report))
    else:
        export_summary(settings, report)
    if report.unreachable:
        settings.err.print(
            f"error: {settings.server_url()} is unreachable (it refused connections and "
            f"answered nothing), so the export stopped: {report.not_fetched} annotations not "
            "fetched; run the same command once the server is back to fetch them",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    return EXIT_OK if report.ok else EXIT_FAILED


def _annotation_ref(value: str) -> str | tuple[str, str]:
    typ, sep, ident = value.partition(":")
    return (typ, ident) if sep else value
