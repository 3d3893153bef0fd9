"""``wkapi download TYP ID`` and ``wkapi upload FILES...``."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import anyio.to_thread
import click
from rich.table import Table

import wkapi

from ._errors import EXIT_OK, CommandError
from ._format import human_bytes, human_rate, human_seconds
from ._settings import server_options, settings_of
from ._signals import run_main

__all__ = ["download", "upload"]

#: Every annotation type the download route takes, as the library knows them.
_TYPES = tuple(typ.value for typ in wkapi.AnnotationType)


# The first bytes of a ZIP archive (a local file header, or the end record of an empty one).
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


def _content_suffix(path: Path) -> str | None:
    """``.zip`` or ``.nml`` by what the file holds (a ZIP, or XML), ``None`` if neither."""
    with open(path, "rb") as handle:
        head = handle.read(64)
    if head.startswith(_ZIP_MAGIC):
        return ".zip"
    if head.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"<"):
        return ".nml"
    return None


def _publish_under(path: Path, fixed: Path, overwrite: bool) -> None:
    """Rename ``path`` to ``fixed``, replacing a file there only with ``overwrite``; else the
    download is removed and the command fails, as a download onto an existing file does."""
    if overwrite:
        os.replace(path, fixed)
        return
    try:
        os.link(path, fixed)  # fails if ``fixed`` exists, atomically
    except FileExistsError:
        path.unlink()
        raise CommandError(
            f"{fixed} exists (the download holds a {fixed.suffix} file, so it was not kept "
            f"as {path.name}); pass --overwrite to replace it"
        ) from None
    except OSError:  # no hard links on this file system
        if os.path.lexists(fixed):
            path.unlink()
            raise CommandError(f"{fixed} exists; pass --overwrite to replace it") from None
        os.replace(path, fixed)
        return
    path.unlink()


def _matching_suffix(path: Path, *, overwrite: bool) -> Path:
    """The file at its right name: a ZIP saved as ``x.nml`` becomes ``x.zip`` (and an NML
    saved as ``x.zip`` becomes ``x.nml``); any other name is left as it is.

    ``-o x.nml`` names the file before the server has said what it sends, and a volume
    annotation comes as a ZIP. Refusing would throw the download away (it may be large) for a
    wrong guess at a suffix; keeping the name would make a file that ``wkapi upload`` and every
    NML reader refuse. So the suffix is corrected, and the command says so.
    """
    suffix = path.suffix.lower()
    if suffix not in (".nml", ".zip"):
        return path
    right = _content_suffix(path)
    if right is None or right == suffix:
        return path
    fixed = path.with_suffix(right)
    _publish_under(path, fixed, overwrite)
    return fixed


_DOWNLOAD_HELP = f"""Download one annotation.

TYP is one of {", ".join(_TYPES)} (any case); ID is the annotation's id, or for the compound
types the project, task or task type id.

A file path given with -o keeps its name, except its suffix: a ZIP (a volume annotation, a
compound download) named *.nml is saved as *.zip, and an NML named *.zip as *.nml, with a note
on stderr.
"""


@click.command(help=_DOWNLOAD_HELP)
@click.argument("typ", metavar="TYP", type=click.Choice(_TYPES, case_sensitive=False))
@click.argument("annotation_id", metavar="ID")
@click.option(
    "-o",
    "--output",
    default=".",
    show_default=True,
    metavar="PATH",
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
    settings = settings_of(ctx)

    async def run() -> tuple[wkapi.DownloadResult, Path, float]:
        loop = asyncio.get_running_loop()
        with settings.progress() as view:
            meter = view.meter(f"{typ} {annotation_id}", unit="bytes")
            async with settings.client() as wk:
                started = loop.time()
                result = await wk.annotations.download(
                    typ,
                    annotation_id,
                    # As typed: a trailing separator means "a directory". The library creates
                    # missing ones once the server answers, and removes them if nothing is saved.
                    output,
                    overwrite=overwrite,
                    progress=meter,
                    skip_volume_data=True if skip_volume_data else None,
                    volume_data_zip_format=volume_data_zip_format,
                    skeleton_version=skeleton_version,
                    volume_version=volume_version,
                )
                meter.finish()
                # Off the event loop; a rename once begun ends even if the job is cancelled.
                saved = await anyio.to_thread.run_sync(
                    lambda: _matching_suffix(result.path, overwrite=overwrite)
                )
                return result, saved, loop.time() - started

    result, saved, seconds = run_main(run())
    if saved != result.path:
        kind = "a ZIP" if saved.suffix == ".zip" else "an NML (XML)"
        settings.err.print(
            f"note: the server sent {kind}: saved as {saved.name}, not {result.path.name}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    if settings.json:
        settings.print_json(
            {
                "ok": True,
                "typ": typ,
                "id": annotation_id,
                "path": str(saved),
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
    table.add_row("saved", str(saved))
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

    result, url = run_main(run())
    link = f"{url}/annotations/{result.annotation_id}"
    messages = [message.text for message in result.messages]
    if settings.json:
        settings.print_json(
            {
                "ok": True,
                "typ": str(result.typ),
                "id": result.annotation_id,
                "url": link,
                "messages": messages,
            }
        )
        return EXIT_OK
    settings.say(f"uploaded {len(files)} file(s) as annotation {result.annotation_id}")
    settings.say(link)
    return EXIT_OK
