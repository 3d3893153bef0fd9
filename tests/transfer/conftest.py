"""Fixtures for the transfer tests: a scriptable origin on 127.0.0.1, a commit held halfway, and
files to upload (``make_session`` is in the suite's conftest)."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.transfer.helpers import DOWNLOAD_PATH, UPLOAD_PATH, Origin, pattern_bytes


@pytest.fixture
async def serve_origin() -> AsyncIterator[Callable[[Origin], Awaitable[Origin]]]:
    """``await serve_origin(Origin(body, ...))`` starts it on 127.0.0.1 and sets its ``url``."""
    servers: list[tuple[TestServer, Origin]] = []

    async def start(origin: Origin) -> Origin:
        app = web.Application(client_max_size=64 << 20)
        app.router.add_get("/api/v5" + DOWNLOAD_PATH, origin.download)
        app.router.add_post("/api/v5" + UPLOAD_PATH, origin.upload)
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        servers.append((server, origin))
        origin.url = str(server.make_url("")).rstrip("/")
        return origin

    yield start
    for server, origin in servers:
        origin.release.set()
        await server.close()


@pytest.fixture
def held_commit(monkeypatch):
    """Make the commit's publishing step wait until ``release`` is set; ``entered`` and
    ``finished`` tell where it is."""
    from wkapi import _partfile

    entered, release, finished = threading.Event(), threading.Event(), threading.Event()
    real_place = _partfile._place

    def held(*args, **kwargs):
        entered.set()
        release.wait(10)
        try:
            return real_place(*args, **kwargs)
        finally:
            finished.set()

    monkeypatch.setattr(_partfile, "_place", held)
    yield entered, release, finished
    release.set()


@pytest.fixture
def multipart_files(tmp_path: Path) -> list[Path]:
    """Two files to upload: an NML whose name needs quoting and a zip of 2 MiB and 5 bytes."""
    first = tmp_path / 'first "one".nml'
    first.write_bytes(b'<things><parameters><experiment name="ds"/></parameters></things>')
    second = tmp_path / "zweite-Datei.zip"
    second.write_bytes(pattern_bytes(2 * (1 << 20) + 5))
    return [first, second]


@pytest.fixture
def good_nml(tmp_path: Path) -> Path:
    """``good.nml`` in ``tmp_path``: a small NML that passes the upload checks."""
    path = tmp_path / "good.nml"
    path.write_bytes(b"<things/>")
    return path
