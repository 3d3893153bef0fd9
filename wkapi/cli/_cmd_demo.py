"""``wkapi demo``: the whole workflow against an in-process fake server, no account needed.

It starts :class:`wkapi.testing.FakeWebknossos` on 127.0.0.1 (with a little latency per request,
like a real network), then uses only the public client API against it:

1. create a project (team, task type and dataset are looked up on the server);
2. bulk-create ``--tasks`` tasks from :class:`wkapi.TaskSpec` objects (``wk.tasks.create_many``);
3. let simulated annotators take every task and finish ``--finish`` of them (the fake server's
   ``simulate_annotators``: the one step a client cannot do);
4. export every annotation of the project concurrently (``wk.export.annotations``);
5. upload one exported file back (``wk.annotations.upload``) and download the new annotation
   again to check that the round trip kept its content (:func:`wkapi.nml.compare_content`:
   trees, nodes, edges, branchpoints, comments, groups, bounding boxes, volume layers). A
   server writes a new file on download, so the bytes (and the SHA-256) differ by design;

and prints a table of counts, bytes, seconds and throughput per stage. The exit status is 0 only
if every stage succeeded.
"""

from __future__ import annotations

import asyncio
import secrets
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import click
from rich.table import Table

import wkapi
from wkapi.nml import compare_content

from ._cmd_export import run_export
from ._errors import EXIT_FAILED, EXIT_OK, CommandError
from ._format import human_bytes, human_seconds
from ._progress import ProgressView
from ._settings import (
    DEFAULT_CLIENT_CONCURRENCY,
    FiniteFloatRange,
    Settings,
    json_option,
    settings_of,
)
from ._signals import run_main

if TYPE_CHECKING:
    from wkapi.testing import FakeWebknossos

__all__ = ["DemoOptions", "Stage", "demo", "run_demo"]


@attrs.frozen
class DemoOptions:
    """What ``wkapi demo`` was asked to do."""

    tasks: int = 200
    finish: float = 0.6
    concurrency: int = 16
    latency: float = 0.02


@attrs.define
class Stage:
    """One row of the summary: what a stage did, and how long it took."""

    name: str
    items: int = 0
    noun: str = "items"
    bytes: int = 0
    seconds: float = 0.0
    ok: bool = False
    detail: str = ""
    timed_by_client: bool = True

    def to_json(self) -> dict[str, Any]:
        return {
            "stage": self.name,
            "ok": self.ok,
            "items": self.items,
            "unit": self.noun,
            "bytes": self.bytes,
            "seconds": round(self.seconds, 3),
            "detail": self.detail,
        }


@contextmanager
def _timed(stage: Stage) -> Iterator[Stage]:
    started = time.perf_counter()
    try:
        yield stage
    finally:
        stage.seconds = time.perf_counter() - started


async def _pick_setup(wk: wkapi.Client) -> tuple[str, str, str, str]:
    """A team, a skeleton task type, an active dataset, and the caller's id."""
    me = await wk.users.current()
    teams = await wk.teams.list()
    task_types = [t for t in await wk.task_types.list() if not t.is_volume_or_hybrid]
    datasets = [d for d in await wk.datasets.list() if d.is_active]
    if not (teams and task_types and datasets):
        raise CommandError("the fake server has no team, skeleton task type or active dataset")
    return teams[0].id, task_types[0].id, datasets[0].name, me.id


async def _run_stages(
    wk: wkapi.Client,
    server: FakeWebknossos,
    options: DemoOptions,
    view: ProgressView,
    out: Path,
    stages: list[Stage],
) -> None:
    with _timed(Stage("create project", noun="projects")) as stage:
        stages.append(stage)
        team, task_type, dataset, me = await _pick_setup(wk)
        project = await wk.projects.create(
            name=f"demo_{secrets.token_hex(4)}",
            team=team,
            priority=100,
            expected_time=None,
            owner=me,
        )
        stage.items, stage.ok, stage.detail = 1, True, project.name

    with _timed(Stage("create tasks", noun="tasks")) as stage:
        stages.append(stage)
        specs = [
            wkapi.TaskSpec(
                task_type,
                dataset,
                project.name,
                (1000 + 10 * index, 2000, 300 + index % 50),
                creation_info=f"wkapi demo task {index}",
            )
            for index in range(options.tasks)
        ]
        meter = view.meter("create tasks", noun="tasks")
        created = await wk.tasks.create_many(specs, progress=meter)
        meter.finish()
        stage.items, stage.ok = created.created, created.ok
        stage.detail = f"{created.requests} requests"

    with _timed(Stage("annotate (simulated)", noun="annotations", timed_by_client=False)) as stage:
        stages.append(stage)
        annotation_ids = server.simulate_annotators(project.id, finish_fraction=options.finish)
        finished = round(options.finish * len(annotation_ids))
        stage.items, stage.ok = len(annotation_ids), len(annotation_ids) == created.created
        stage.detail = f"{finished} finished"

    with _timed(Stage("export", noun="annotations")) as stage:
        stages.append(stage)
        exported = await run_export(
            wk,
            view,
            out,
            item_lines=False,
            project_id=project.id,
            concurrency=options.concurrency,
        )
        stage.items, stage.bytes = exported.succeeded + exported.skipped, exported.bytes
        stage.ok = exported.ok and stage.items == len(annotation_ids)
        stage.detail = f"concurrency {options.concurrency}, {exported.failed} failed"

    sample = next((item for item in exported.items if item.ok and item.path), None)
    with _timed(Stage("upload one back", noun="files")) as stage:
        stages.append(stage)
        if sample is None or sample.path is None:
            stage.detail = "nothing to upload"
            return
        uploaded = await wk.annotations.upload(sample.path)
        stage.items, stage.bytes, stage.ok = 1, sample.size or 0, True
        stage.detail = f"annotation {uploaded.annotation_id}"

    with _timed(Stage("verify round trip", noun="files")) as stage:
        stages.append(stage)
        with tempfile.TemporaryDirectory(prefix="wkapi-demo-check-") as check_dir:
            again = await wk.annotations.download(
                "Explorational", uploaded.annotation_id, Path(check_dir)
            )
            # A server writes a new file from what it parsed: compare content, not bytes.
            comparison = await asyncio.to_thread(compare_content, sample.path, again.path)
        stage.items, stage.bytes = 1, again.size
        stage.ok = comparison.ok
        if comparison.ok:
            stage.detail = f"same content: {comparison.summary()}"
        else:
            stage.detail = f"content differs: {'; '.join(comparison.differences[:3])}"


async def run_demo(options: DemoOptions, view: ProgressView, out: Path) -> list[Stage]:
    """Run every stage against a fresh in-process fake server; the stages in order."""
    from wkapi.testing import FakeWebknossos  # the fake server's import only where it runs

    stages: list[Stage] = []
    async with FakeWebknossos(latency=options.latency) as server:
        view.note(f"fake WEBKNOSSOS {server.release} at {server.url} (latency {options.latency} s)")
        client_concurrency = max(DEFAULT_CLIENT_CONCURRENCY, options.concurrency)
        async with wkapi.Client(
            server.url, server.tokens["admin"], concurrency=client_concurrency
        ) as wk:
            await _run_stages(wk, server, options, view, out, stages)
    return stages


def _print_table(settings: Settings, stages: list[Stage], total: float) -> None:
    table = Table(title="wkapi demo")
    table.add_column("stage")
    table.add_column("count", justify="right")
    table.add_column("bytes", justify="right")
    table.add_column("seconds", justify="right")
    table.add_column("per second", justify="right")
    table.add_column("ok")
    table.add_column("detail")
    for stage in stages:
        rate = "-"
        if stage.timed_by_client and stage.seconds > 0:
            rate = f"{stage.items / stage.seconds:.1f}"
        table.add_row(
            stage.name,
            f"{stage.items} {stage.noun}",
            human_bytes(stage.bytes) if stage.bytes else "-",
            f"{stage.seconds:.2f}",
            rate,
            "yes" if stage.ok else "NO",
            stage.detail,
        )
    settings.out.print(table)
    settings.say(f"total {human_seconds(total)}")


@click.command()
@click.option(
    "--tasks",
    type=click.IntRange(1, 100_000),
    default=200,
    show_default=True,
    help="Tasks to create, annotate and export.",
)
@click.option(
    "--finish",
    type=FiniteFloatRange(0.0, 1.0),
    default=0.6,
    show_default=True,
    help="Share of the task annotations the simulated annotators finish.",
)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 256),
    default=16,
    show_default=True,
    help="Downloads in flight at once during the export.",
)
@click.option(
    "--latency",
    type=FiniteFloatRange(0.0, 5.0),
    default=0.02,
    show_default=True,
    help="Seconds the fake server adds to every request (a network's round trip).",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Keep the exported files here (default: a temporary directory, removed afterwards).",
)
@json_option
@click.pass_context
def demo(
    ctx: click.Context,
    tasks: int,
    finish: float,
    concurrency: int,
    latency: float,
    out: Path | None,
) -> int:
    """Try wkapi end to end on an in-process fake server: no account, no network."""
    settings = settings_of(ctx)
    options = DemoOptions(tasks=tasks, finish=finish, concurrency=concurrency, latency=latency)
    started = time.perf_counter()

    async def run(target: Path) -> list[Stage]:
        with settings.progress() as view:
            return await run_demo(options, view, target)

    if out is not None:
        stages = run_main(run(out))
    else:
        with tempfile.TemporaryDirectory(prefix="wkapi-demo-") as temp:
            stages = run_main(run(Path(temp)))
    total = time.perf_counter() - started
    ok = all(stage.ok for stage in stages) and len(stages) == 6
    if settings.json:
        settings.print_json(
            {
                "ok": ok,
                "seconds": round(total, 3),
                "out": None if out is None else str(out),
                "stages": [stage.to_json() for stage in stages],
            }
        )
    else:
        _print_table(settings, stages, total)
        if out is not None:
            settings.say(f"exported files are in {out}")
    return EXIT_OK if ok else EXIT_FAILED
