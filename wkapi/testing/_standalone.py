"""Running a fake server on its own, for demos and manual testing."""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from ._server import FakeWebknossos


async def serve_forever(
    *,
    host: str = "127.0.0.1",
    port: int = 9000,
    release: str | None = None,
    seed: int = 0,
    latency: float = 0.0,
    chunked_downloads: bool = False,
    max_upload_bytes: int = 1 << 30,
    out: TextIO | None = None,
) -> None:
    """Serve a fake WEBKNOSSOS until cancelled, after printing its URL and tokens by role.

    The options are those of :class:`FakeWebknossos` (and of ``python -m wkapi.testing``).
    Cancelling it stops the server and removes its temporary folder; it installs no signal
    handlers (``python -m wkapi.testing`` turns SIGTERM into that cancellation).
    """
    out = out or sys.stdout
    server = FakeWebknossos(
        release,
        seed,
        host=host,
        port=port,
        latency=latency,
        chunked_downloads=chunked_downloads,
        max_upload_bytes=max_upload_bytes,
    )
    async with server:
        print(f"Fake WEBKNOSSOS {server.release} serving at {server.url}", file=out)
        print(f"Organization: {server.organization}", file=out)
        for role, token in server.tokens.items():
            print(f"  {role:<16} X-Auth-Token: {token}", file=out)
        out.flush()
        await asyncio.Event().wait()
