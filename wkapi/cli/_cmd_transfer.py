"""``wkapi download TYP ID`` and ``wkapi upload FILES...``."""

from __future__ import annotations

import asyncio
from pathlib import Path

import click
from rich.table import Table

import wkapi

from ._errors import EXIT_OK
from ._format import human_bytes, human_rate, human_seconds
from ._settings import server_options, settings_of

__all__ = ["download", "upload"]

_TYPES = (
    "Explorational",
    "Task",
    "CompoundTask",
    "CompoundProject",
    "CompoundTaskType",
    "TracingBase",
    "Orphan",
)


@click.command()
@click.argument("typ", metavar="TYP", type=click.Choice(_TYPES, case_sensitive=False))
@click.argument("annotation_id", metavar="ID")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=Path(),
    show_default=True,
    help="A directory (the server's file name is used) or a file path.",
)
@click.option("--overwrite", is_flag=True, help="Replace an existing file.")
@click.option("--skip-volume-data", is_flag=True, help="Leave volume data out of the ZIP.")
@server_options
@click.pass_context
def download(
    ctx: click.Context,
    typ: str,
    annotation_id: str,
    output: Path,
    overwrite: bool,
    skip_volume_data: bool,
) -> int:
    """Download one annotation (TYP: Explorational, Task, CompoundProject, ...; ID: its id,
    or the project, task or task type id for compound types)."""
    settings = settings_of(ctx)

    async def run() -> tuple[wkapi.DownloadResult, float]:
        loop = asyncio.get_running_loop()
        with settings.progress() as view:
            meter = view.meter(f"{typ} {annotation_id}", unit="bytes")
            async with settings.client() as wk:
                started = loop.time()
                result = await wk.annotations.download(
                    typ,
                    annotation_id,
                    output,
                    overwrite=overwrite,
                    progress=meter,
                    skip_volume_data=True if skip_volume_data else None,
                )
                meter.finish()
                return result, loop.time() - started

    result, seconds = asyncio.run(run())
    if settings.json:
        settings.print_json(
            {
                "typ": typ,
                "id": annotation_id,
                "path": str(result.path),
                "size": result.size,
                "sha256": result.sha256,
                "content_type": result.content_type,
                "seconds": round(seconds, 3),
            }
        )
        return EXIT_OK
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    table.add_row("saved", str(result.path))
    table.add_row("size", f"{human_bytes(result.size)} ({result.size} bytes)")
    table.add_row("sha256", result.sha256)
    table.add_row(
        "time", f"{human_seconds(seconds)} ({human_rate(result.size / 1e6, seconds, 'MB')})"
    )
    settings.out.print(table)
    return EXIT_OK


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--group-per-file",
    is_flag=True,
    help="Put each file's trees in a tree group of their own (else tree names get a prefix).",
)
@server_options
@click.pass_context
def upload(ctx: click.Context, files: tuple[Path, ...], group_per_file: bool) -> int:
    """Upload NML files or ZIPs into one new explorative annotation."""
    settings = settings_of(ctx)

    async def run() -> tuple[wkapi.UploadResult, str]:
        with settings.progress() as view:
            view.note(f"uploading {len(files)} file(s)")
            async with settings.client() as wk:
                result = await wk.annotations.upload(
                    files, create_group_for_each_file=group_per_file
                )
                return result, wk.url

    result, url = asyncio.run(run())
    link = f"{url}/annotations/{result.annotation_id}"
    messages = [message.text for message in result.messages]
    if settings.json:
        settings.print_json(
            {"typ": str(result.typ), "id": result.annotation_id, "url": link, "messages": messages}
        )
        return EXIT_OK
    settings.say(f"uploaded {len(files)} file(s) as annotation {result.annotation_id}")
    settings.say(link)
    return EXIT_OK
