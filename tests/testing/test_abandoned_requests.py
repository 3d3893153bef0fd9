"""A request the client abandons (cancelled, timed out, gone) is recorded with 499, nginx's
"client closed request", and logged quietly: never a 500, never an ERROR crash log."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import aiohttp
import pytest

from wkapi.testing import FakeWebknossos, FaultKind

_BOUNDARY = "wkapi-test-boundary"


async def _slow_multipart(stop: asyncio.Event) -> AsyncIterator[bytes]:
    yield (
        f'--{_BOUNDARY}\r\nContent-Disposition: form-data; name="createGroupForEachFile"'
        f'\r\n\r\ntrue\r\n--{_BOUNDARY}\r\nContent-Disposition: form-data; name="file";'
        ' filename="cell.nml"\r\n\r\n<things>'
    ).encode()
    stop.set()  # the server is reading the file part now
    while True:
        await asyncio.sleep(0.05)
        yield b"<!-- more -->" * 100


async def _slow_json(stop: asyncio.Event) -> AsyncIterator[bytes]:
    yield b'[{"taskTypeId": '
    stop.set()
    await asyncio.sleep(30)
    yield b'"x"}]'


async def _cancel_post(
    server: FakeWebknossos,
    path: str,
    body: AsyncIterator[bytes],
    content_type: str,
    stop: asyncio.Event,
) -> None:
    headers = {"X-Auth-Token": server.tokens["admin"], "Content-Type": content_type}

    async def post() -> None:
        async with (
            aiohttp.ClientSession() as session,
            session.post(server.url + "/api/v5" + path, data=body, headers=headers) as response,
        ):
            await response.read()

    task = asyncio.create_task(post())
    await asyncio.wait_for(stop.wait(), 10)
    await asyncio.sleep(0.1)  # the first bytes are at the server
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _status_of(server: FakeWebknossos, method: str, path: str) -> int | None:
    """The recorded status once the server has noticed (it does so asynchronously)."""
    for _ in range(200):
        found = [r for r in server.requests if r.method == method and r.path.endswith(path)]
        if found and found[-1].status is not None:
            return found[-1].status
        await asyncio.sleep(0.01)
    return None


@pytest.mark.parametrize("route", ["upload", "tasks"])
async def test_a_cancelled_post_is_recorded_as_499_and_logged_quietly(
    fake_wk: FakeWebknossos, caplog: pytest.LogCaptureFixture, route: str
) -> None:
    caplog.set_level(logging.DEBUG)
    stop = asyncio.Event()
    if route == "upload":
        content_type = f"multipart/form-data; boundary={_BOUNDARY}"
        await _cancel_post(
            fake_wk, "/annotations/upload", _slow_multipart(stop), content_type, stop
        )
        path = "/annotations/upload"
    else:
        await _cancel_post(fake_wk, "/tasks", _slow_json(stop), "application/json", stop)
        path = "/tasks"

    assert await _status_of(fake_wk, "POST", path) == 499
    assert not [r for r in fake_wk.requests if r.status == 500]
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    quiet = [r for r in caplog.records if r.name == "wkapi.testing._middleware"]
    assert quiet
    assert all(r.levelno <= logging.INFO for r in quiet)
    assert "client closed the request" in quiet[-1].getMessage()
    assert not list(fake_wk._ctx.temp_dir.glob("upload-*"))  # the partial upload is gone


async def test_a_timed_out_get_and_an_abandoned_download_are_499(
    fake_wk: FakeWebknossos, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    big = fake_wk.add_synthetic_annotation(40 * (1 << 20), "nml")
    fake_wk.faults.add(FaultKind.LATENCY, method="GET", path="/buildinfo", delay=1.0, times=1)
    headers = {"X-Auth-Token": fake_wk.tokens["user"]}

    async def timed_out(session: aiohttp.ClientSession) -> None:
        timeout = aiohttp.ClientTimeout(total=0.2)
        async with session.get(fake_wk.url + "/api/buildinfo", timeout=timeout) as r:
            await r.read()

    async with aiohttp.ClientSession() as session:
        with pytest.raises(asyncio.TimeoutError):
            await timed_out(session)
        url = f"{fake_wk.url}/api/annotations/Explorational/{big}/download"
        async with session.get(url, headers=headers) as response:
            await response.content.read(1000)
            response.close()  # gone after the first bytes
        async with session.get(url, headers=headers) as response:
            assert len(await response.read()) == 40 * (1 << 20)  # read whole: a 200

    assert await _status_of(fake_wk, "GET", "/buildinfo") == 499
    downloads = [r.status for r in fake_wk.requests if r.path.endswith("/download")]
    for _ in range(200):
        if None not in downloads:
            break
        await asyncio.sleep(0.01)
        downloads = [r.status for r in fake_wk.requests if r.path.endswith("/download")]
    assert downloads == [499, 200]
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_the_request_log_documents_the_status_of_an_abandoned_request() -> None:
    """Someone reading :attr:`FakeWebknossos.requests` learns there what a 499 is."""
    from wkapi.testing._log import RecordedRequest
    from wkapi.testing._middleware import CLIENT_CLOSED_REQUEST

    doc = " ".join((RecordedRequest.__doc__ or "").split())
    assert f"{CLIENT_CLOSED_REQUEST} when the client abandoned the request" in doc
