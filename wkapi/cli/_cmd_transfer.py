"""``wkapi download TYP ID`` and ``wkapi upload FILES...``."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import click
from rich.table import Table

import wkapi

from ._errors import EXIT_OK
from ._format import human_bytes, human_rate, human_seconds
from ._settings import server_options, settings_of

__all__ = ["download", "upload"]

#: Every annotation type the download route takes, as the library knows them.
_TYPES = tuple(typ.value for typ in wkapi.AnnotationType)


def _names_a_directory(raw: str) -> bool:
    """Whether the user ended ``raw`` with a path separator (``exports/``)."""
    return raw.endswith(tuple(sep for sep in (os.sep, os.altsep) if sep))


def _download_target(raw: str) -> Path:
    """Where ``-o`` points, with a trailing separator meaning "a directory": it is created
    (with its parents) so the file is saved inside it under the server's name.

    ``Path`` drops a trailing separator, so it must be looked at in the text the user typed;
    without one, an existing directory still gets the file inside, anything else names the
    file (as ``wk.annotations.download(to=...)`` does).
    """
    target = Path(raw)
    if _names_a_directory(raw):
        target.mkdir(parents=True, exist_ok=True)
    return target


@click.command()
@click.argument("typ", metavar="TYP", type=click.Choice(_TYPES, case_sensitive=False))
@click.argument("annotation_id", metavar="ID")
@click.option(
    "-o",
    "--output",
    default=".",
    show_default=True,
    help="A directory (the server's file name is used; with a trailing '/' it is created) "
    "or a file path.",
)
@click.option("--overwrite", is_flag=True, help="Replace an existing file.")
@click.option("--skip-volume-data", is_flag=True, help="Leave volume data out of the ZIP.")
@click.option(
    "--volume-data-zip-format",
    type=click.Choice(("wkw", "zarr3")),
    default=None,
    help="The format of the volume data inside the ZIP (the server's default: wkw).",
)
@click.option(
    "--skeleton-version",
    type=click.IntRange(min=0),
    default=None,
    metavar="N",
    help="Download this version of the skeleton layer (default: the newest).",
)
@click.option(
    "--volume-version",
    type=click.IntRange(min=0),
    default=None,
    metavar="N",
    help="Download this version of the volume layers (default: the newest).",
)
@server_options
@click.pass_context
def download(
    ctx: click.Context,
    typ: str,
    annotation_id: str,
    output: str,
    overwrite: bool,
    skip_volume_data: bool,
    volume_data_zip_format: str | None,
    skeleton_version: int | None,
    volume_version: int | None,
) -> int:
    """Download one annotation (TYP: Explorational, Task, CompoundProject, ...; ID: its id,
    or the project, task or task type id for compound types)."""
    settings = settings_of(ctx)
    target = _download_target(output)

    async def run() -> tuple[wkapi.DownloadResult, float]:
        loop = asyncio.get_running_loop()
        with settings.progress() as view:
            meter = view.meter(f"{typ} {annotation_id}", unit="bytes")
            async with settings.client() as wk:
                started = loop.time()
                result = await wk.annotations.download(
                    typ,
                    annotation_id,
                    target,
                    overwrite=overwrite,
                    progress=meter,
                    skip_volume_data=True if skip_volume_data else None,
                    volume_data_zip_format=volume_data_zip_format,
                    skeleton_version=skeleton_version,
                    volume_version=volume_version,
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
    """Upload NML files or ZIPs into one new explorative annotation (one request: a bar, or
    plain lines off a terminal, shows the bytes sent)."""
    settings = settings_of(ctx)

    async def run() -> tuple[wkapi.UploadResult, str]:
        with settings.progress() as view:
            meter = view.meter("upload", unit="bytes")
            async with settings.client() as wk:
                result = await wk.annotations.upload(
                    files, create_group_for_each_file=group_per_file, progress=meter
                )
                meter.finish()
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
