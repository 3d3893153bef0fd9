"""``wkapi tasks create FILE``: bulk task creation from a CSV or JSON Lines file."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
from rich.table import Table

import wkapi
from wkapi.jobs import check_run_id, load_task_rows, new_run_id

from ._errors import EXIT_FAILED, EXIT_OK
from ._format import human_rate, human_seconds
from ._settings import Settings, give_up_option, server_options, settings_of
from ._signals import run_main

__all__ = ["bulk_report_json", "tasks"]

_MAX_FAILURES_SHOWN = 20


@click.group()
def tasks() -> None:
    """Tasks: create them in bulk from a file."""


def bulk_report_json(
    report: wkapi.BulkTaskReport, seconds: float, lines: Sequence[int]
) -> dict[str, Any]:
    """The report of ``create_many`` as one JSON document; ``lines[i]`` is the file line of
    item ``i``."""
    return {
        "ok": report.ok,
        "created": report.created,
        "failed": report.failed,
        "requests": report.requests,
        "resent": report.resent,
        "reconciled": report.reconciled,
        "resumed": report.resumed,
        "run_id": report.run_id,
        "duplicate_task_ids": list(report.duplicate_task_ids),
        "unreachable": report.unreachable,
        "not_sent": report.not_sent,
        "warnings": list(report.warnings),
        "seconds": round(seconds, 3),
        "items": [
            {
                "index": item.index,
                "line": lines[item.index],
                "ok": item.ok,
                "sent": item.sent,
                "task_id": None if item.task is None else item.task.id,
                "status": item.status,
                "error": item.error,
                "marker": item.marker,
            }
            for item in report.items
        ],
    }


def _failure_line(item: wkapi.BulkTaskItem, line: int) -> str:
    """``failed: line 7 (index 5, HTTP 404): <reason>``: the file line to fix, and the 0-based
    index that ``--json`` and the library's report use for the same row."""
    status = f", HTTP {item.status}" if item.status else ""
    return f"failed: line {line} (index {item.index}{status}): {item.error}"


def _summary(
    settings: Settings, report: wkapi.BulkTaskReport, seconds: float, lines: Sequence[int]
) -> None:
    table = Table(title="task creation", show_header=False)
    table.add_column(style="bold")
    table.add_column(justify="right")
    table.add_row("created", str(report.created))
    table.add_row("failed", str(report.failed))
    if report.unreachable or report.not_sent:
        table.add_row("of them not sent", str(report.not_sent))
    table.add_row("requests", str(report.requests))
    table.add_row("resent after a lost answer", str(report.resent))
    table.add_row("reconciled", str(report.reconciled))
    if report.resumed:
        table.add_row(f"created by the earlier run {report.run_id}", str(report.resumed))
    table.add_row("time", human_seconds(seconds))
    table.add_row("throughput", human_rate(report.created, seconds, "tasks"))
    settings.out.print(table)
    for warning in report.warnings:
        settings.say(f"warning: {warning}")
    if report.duplicate_task_ids:
        ids = ", ".join(report.duplicate_task_ids)
        settings.say(f"DUPLICATE tasks found: {ids}")
    failures = report.failures
    for item in failures[:_MAX_FAILURES_SHOWN]:
        settings.say(_failure_line(item, lines[item.index]))
    if len(failures) > _MAX_FAILURES_SHOWN:
        settings.say(f"... and {len(failures) - _MAX_FAILURES_SHOWN} more failures")


def unreachable_line(settings: Settings, report: wkapi.BulkTaskReport) -> str:
    """The one error line of a run stopped by an unreachable server."""
    return (
        f"error: {settings.server_url()} is unreachable (it refused connections and answered "
        f"nothing), so the run stopped: {report.not_sent} tasks not sent; run the same command "
        f"with --run-id {report.run_id} once the server is back"
    )


@tasks.command("create")
@click.argument("file", type=click.Path(path_type=Path), metavar="FILE")
@click.option(
    "--batch-size",
    type=click.IntRange(1, 1000),
    default=None,
    help="Tasks per request (default: the server's limit, 1000, or 100 for volume tasks).",
)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    default=4,
    show_default=True,
    help="Requests in flight at once.",
)
@click.option(
    "--run-id",
    metavar="RUN_ID",
    default=None,
    help="Resume the interrupted run of this id (printed when it started) with the same FILE: "
    "its tasks are found and not created again.",
)
@give_up_option
@server_options
@click.pass_context
def create(
    ctx: click.Context,
    file: Path,
    batch_size: int | None,
    concurrency: int,
    run_id: str | None,
    give_up_after: float | None,
) -> int:
    """Create tasks from FILE, each exactly once.

    FILE is a .csv (commas, semicolons or tabs) or .tsv file with a header row, or a .jsonl or
    .ndjson file of one JSON object per line. Columns: task_type_id, dataset, project_name and
    edit_position ("1,2,3", or columns x, y, z); optional: edit_rotation, open_instances,
    needed_experience ("domain:value"), bounding_box ("x,y,z,width,height,depth", e.g.
    "0,0,0,100,100,50"), script_id, creation_info, description. camelCase names work too.

    Every row is checked before the first request; a bad row is reported with its line number
    and nothing is sent. Items the server refuses are listed with their line numbers (and in
    --json, each item has its "line"); the exit status is 1 then.

    The run id is printed first: if the command is interrupted, run it again with --run-id
    and the same FILE, and nothing is created twice.
    """
    settings = settings_of(ctx)
    rows = load_task_rows(file)
    specs = [row.spec for row in rows]
    lines = [row.line for row in rows]
    resume = run_id is not None
    if run_id is None:
        run_id = new_run_id()
        notice = f"run id {run_id} (if interrupted, resume with --run-id {run_id})"
    else:
        check_run_id(run_id)
        notice = f"resuming run {run_id}"
    settings.failure_context["run_id"] = run_id  # to resume a run that fails or is stopped
    if not settings.quiet:
        # On stderr, beside the progress: stdout stays one document with --json.
        settings.err.print(notice, markup=False, highlight=False, soft_wrap=True)

    async def run() -> tuple[wkapi.BulkTaskReport, float]:
        loop = asyncio.get_running_loop()
        async with settings.client(concurrency=concurrency, give_up_after=give_up_after) as wk:
            with settings.progress() as view:
                meter = view.meter("tasks settled", noun="tasks")  # created or failed
                started = loop.time()
                report = await wk.tasks.create_many(
                    specs,
                    batch_size=batch_size,
                    concurrency=concurrency,
                    progress=meter,
                    run_id=run_id,
                    resume=resume,
                )
                meter.finish(stopped=report.unreachable)
                return report, loop.time() - started

    report, seconds = run_main(run())
    if settings.json:
        settings.print_json(bulk_report_json(report, seconds, lines))
    else:
        _summary(settings, report, seconds, lines)
    if report.unreachable:
        settings.err.print(
            unreachable_line(settings, report), markup=False, highlight=False, soft_wrap=True
        )
    return EXIT_OK if report.ok else EXIT_FAILED
