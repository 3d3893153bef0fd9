"""``GET /annotations/:typ/:id/download``: single annotations and compound ZIPs, with ranges."""

from __future__ import annotations

import asyncio
import re
import unicodedata
from urllib.parse import quote

from aiohttp import web

from .._bodies import BodySource
from .._build import COMPOUND_TYPES
from .._context import context
from .._downloads import (
    body_source,
    build_compound_zip,
    compound_members,
    file_name,
    writes_a_file,
)
from .._errors import bad_request, html_error
from .._routing import Route
from .._writer import DeferredBody
from ._lookup import annotation_type, compound_for_admin, readable_annotation
from ._params import query_bool, query_long

_RANGE = re.compile(r"bytes=(\d+)-")
_ZIP_FORMATS = ("wkw", "zarr3")


def content_disposition(name: str, *, space: bool = False) -> str:
    """``attachment;filename="x.nml"`` (compound downloads put a space after ``;``); non-ASCII
    names get an ASCII fallback plus RFC 5987 ``filename*``."""
    separator = "; " if space else ";"
    fallback = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    fallback = fallback.replace('"', "")
    value = f'attachment{separator}filename="{fallback}"'
    if fallback != name:
        value += f"{separator}filename*=utf-8''{quote(name, safe='')}"
    return value


def _range_start(request: web.Request) -> int | None:
    match = _RANGE.fullmatch(request.headers.get("Range", "").strip())
    return int(match.group(1)) if match else None


def ranged_body(
    request: web.Request, source: BodySource, headers: dict[str, str]
) -> web.StreamResponse:
    """200 with the whole body, or 206 from an open-ended ``Range: bytes=N-`` (416 past the end).

    With ``chunked_downloads`` the body is sent chunked, without ``Content-Length`` or ranges,
    as servers before 22.03 did.
    """
    headers = {**headers, "Cache-Control": "no-cache"}
    if context(request).chunked_downloads:
        return DeferredBody(source, headers=headers, chunked=True)
    headers["Accept-Ranges"] = "bytes"
    start = _range_start(request)
    if start is None:
        return DeferredBody(source, headers=headers)
    if start >= source.size:
        return web.Response(status=416, headers={"Content-Range": f"bytes */{source.size}"})
    headers["Content-Range"] = f"bytes {start}-{source.size - 1}/{source.size}"
    return DeferredBody(source, status=206, headers=headers, start=start)


async def download(request: web.Request) -> web.StreamResponse:
    ctx = context(request)
    typ = annotation_type(request.match_info["typ"])
    skip_volume_data = query_bool(request, "skipVolumeData") or False
    query_long(request, "skeletonVersion")
    query_long(request, "volumeVersion")
    zip_format = request.query.get("volumeDataZipFormat", "wkw")
    if zip_format not in _ZIP_FORMATS:
        detail = f"Cannot parse parameter volumeDataZipFormat with value '{zip_format}'"
        raise html_error(request, 400, detail)
    if typ in COMPOUND_TYPES:
        compound = compound_for_admin(request, typ, request.match_info["id"])
        members = compound_members(ctx.state, typ, compound.id)
        source: BodySource = await build_compound_zip(ctx, members)
        name = f"{compound.name}_nmls.zip"
        return ranged_body(
            request, source, {"Content-Disposition": content_disposition(name, space=True)}
        )
    if typ == "View":
        raise bad_request("Cannot download View annotation")
    annotation = readable_annotation(request, request.match_info["id"])
    if annotation.typ == "View":
        raise bad_request("Cannot download View annotation")
    if writes_a_file(annotation):  # written from stored content: off the event loop
        source = await asyncio.to_thread(
            body_source, ctx, annotation, skip_volume_data=skip_volume_data, zip_format=zip_format
        )
    else:
        source = body_source(
            ctx, annotation, skip_volume_data=skip_volume_data, zip_format=zip_format
        )
    name = file_name(ctx.state, annotation, source)
    return ranged_body(request, source, {"Content-Disposition": content_disposition(name)})


ROUTES = [Route("GET", "/annotations/{typ}/{id}/download", download)]
