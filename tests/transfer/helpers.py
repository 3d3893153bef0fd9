"""Plain helpers of the transfer tests (fixtures live in the conftest): a client of the fake
server, a scriptable origin that serves one download body and records uploads, and test bodies."""

from __future__ import annotations

import asyncio
import hashlib
import re
import socket
import struct
from typing import Any

import attrs
from aiohttp import web

from wkapi import Client, RetryPolicy
from wkapi.testing import FakeWebknossos

DOWNLOAD_PATH = "/annotations/Explorational/5f0000000000000000000001/download"
UPLOAD_PATH = "/annotations/upload"
#: The fake server's route pattern of annotation downloads, for fault rules.
DOWNLOADS = "/annotations/*/download"
MIB = 1 << 20


def client(server: FakeWebknossos, **options: Any) -> Client:
    """An admin client of ``server`` with ``RetryPolicy.for_tests()`` unless told otherwise."""
    options.setdefault("retry", RetryPolicy.for_tests())
    return Client(server.url, server.tokens["admin"], **options)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def pattern_bytes(size: int) -> bytes:
    """Bytes whose every MiB differs, so a misplaced chunk changes the hash."""
    block = bytes(range(256)) * 4096
    out = bytearray()
    i = 0
    while len(out) < size:
        out += hashlib.sha256(str(i).encode()).digest() + block
        i += 1
    return bytes(out[:size])


@attrs.define
class Cut:
    """How one answer misbehaves: stop after ``after`` body bytes by closing (FIN), resetting
    (RST), or stalling until the test ends."""

    after: int
    how: str = "close"  # "close" | "reset" | "stall"


@attrs.define
class Origin:
    """One download body served at :data:`DOWNLOAD_PATH`, with scripted faults.

    ``faults`` are consumed one per request (``None`` entries serve normally); ``ranges`` makes
    it answer ``Range: bytes=N-`` with 206; ``chunked`` drops the ``Content-Length``;
    ``later_bodies`` replace the body after each answer (an annotation edited meanwhile).
    """

    body: bytes
    content_type: str = "application/xml"
    disposition: str | None = 'attachment;filename="annotation.nml"'
    chunked: bool = False
    ranges: bool = False
    faults: list[Cut | None] = attrs.Factory(list)
    statuses: list[int] = attrs.Factory(list)
    extra_headers: dict[str, str] = attrs.Factory(dict)
    later_bodies: list[bytes] = attrs.Factory(list)
    seen: list[dict[str, str]] = attrs.Factory(list)
    queries: list[dict[str, str]] = attrs.Factory(list)
    uploads: list[tuple[dict[str, str], bytes]] = attrs.Factory(list)
    stalled: asyncio.Event = attrs.Factory(asyncio.Event)
    release: asyncio.Event = attrs.Factory(asyncio.Event)
    url: str = ""

    async def download(self, request: web.Request) -> web.StreamResponse:
        self.seen.append(dict(request.headers))
        self.queries.append(dict(request.query))
        if self.statuses:
            return web.Response(status=self.statuses.pop(0), text="busy")
        start, status = 0, 200
        headers = dict(self.extra_headers)
        match = re.fullmatch(r"bytes=(\d+)-", request.headers.get("Range", ""))
        if self.ranges and match:
            start, status = int(match[1]), 206
            headers["Content-Range"] = f"bytes {start}-{len(self.body) - 1}/{len(self.body)}"
        if self.disposition is not None:
            headers["Content-Disposition"] = self.disposition
        response = web.StreamResponse(status=status, headers=headers)
        response.content_type = self.content_type
        data = self.body[start:]
        if self.later_bodies:  # the annotation changes after this answer
            self.body = self.later_bodies.pop(0)
        if self.chunked:
            response.enable_chunked_encoding()
        else:
            response.content_length = len(data)
        await response.prepare(request)
        fault = self.faults.pop(0) if self.faults else None
        if fault is None:
            for offset in range(0, len(data), 1 << 18):
                await response.write(data[offset : offset + (1 << 18)])
            await response.write_eof()
            return response
        await response.write(data[: fault.after])
        await asyncio.sleep(0.02)  # let the bytes reach the client before the cut
        transport = request.transport
        assert transport is not None
        if fault.how == "stall":
            self.stalled.set()
            await self.release.wait()
        if fault.how == "reset":
            sock = transport.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            transport.abort()
        else:
            transport.close()
        return response

    async def upload(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        self.uploads.append((dict(request.headers), body))
        if self.statuses:
            return web.json_response({"messages": [{"error": "busy"}]}, status=self.statuses.pop(0))
        return web.json_response(
            {
                "annotation": {"typ": "Explorational", "id": "5f0000000000000000000002"},
                "messages": [{"success": "Successfully uploaded file"}],
            }
        )
