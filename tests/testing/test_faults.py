"""Fault injection: every kind, matching, counting and the request log."""

from __future__ import annotations

import time

import aiohttp
import orjson
import pytest

from tests.testing.helpers import Api, task_item
from wkapi.testing import FakeWebknossos, FaultKind
from wkapi.testing.pytest_plugin import FakeWebknossosFactory


def _download_path(server: FakeWebknossos) -> tuple[str, str]:
    annotation_id = server.add_annotation(dataset="l4_sample", name="faulty")
    return annotation_id, f"/annotations/Explorational/{annotation_id}/download"


async def _read_into(response: aiohttp.ClientResponse, received: bytearray) -> None:
    """Read the body in chunks into ``received`` (kept when the read fails midway)."""
    async for chunk in response.content.iter_chunked(1 << 16):
        received.extend(chunk)


async def test_status_before_processing(api: Api) -> None:
    rule = api.server.faults.add(
        FaultKind.STATUS, method="POST", path="/tasks", times=1, status=503, retry_after=1
    )
    before = len(api.server.state.tasks)
    first = await api.post("/tasks", json=[task_item(api.server)], version=5)
    assert first.status == 503
    assert first.headers["Retry-After"] == "1"
    assert first.json()["messages"][0]["error"]
    assert len(api.server.state.tasks) == before
    second = await api.post("/tasks", json=[task_item(api.server)])
    assert second.status == 200
    assert rule.hits == 1
    assert [r.fault for r in api.server.requests[-2:]] == ["status", None]
    assert api.server.requests[-2].status == 503


async def test_status_after_processing(api: Api) -> None:
    api.server.faults.add(FaultKind.STATUS, path="/tasks", status=500, after_processing=True)
    before = len(api.server.state.tasks)
    reply = await api.post("/tasks", json=[task_item(api.server)])
    assert reply.status == 500
    assert len(api.server.state.tasks) == before + 1


async def test_plain_status_body(api: Api) -> None:
    api.server.faults.add(FaultKind.STATUS, status=429, json_body=False)
    reply = await api.get("/user")
    assert reply.status == 429
    assert reply.content_type == "text/plain"


async def test_drop(api: Api) -> None:
    api.server.faults.add(FaultKind.DROP, method="POST", path="/tasks")
    before = len(api.server.state.tasks)
    with pytest.raises(aiohttp.ClientConnectionError):
        await api.post("/tasks", json=[task_item(api.server)])
    assert len(api.server.state.tasks) == before
    record = api.server.requests[-1]
    assert (record.status, record.fault) == (None, "drop")
    assert (await api.get("/user")).status == 200  # other routes unaffected


async def test_process_then_drop(api: Api) -> None:
    api.server.faults.add(FaultKind.PROCESS_THEN_DROP, method="POST", path="/tasks")
    before = len(api.server.state.tasks)
    with pytest.raises(aiohttp.ClientConnectionError):
        await api.post("/tasks", json=[task_item(api.server)])
    assert len(api.server.state.tasks) == before + 1
    assert api.server.requests[-1].status is None


async def test_truncate_download(api: Api) -> None:
    _annotation_id, path = _download_path(api.server)
    whole = (await api.get(path)).body
    api.server.faults.add(FaultKind.TRUNCATE, path="/annotations/*/download", after_bytes=100)
    received = bytearray()
    url = api.server.url + "/api" + path
    async with api.session.get(url, headers={"X-Auth-Token": api.server.tokens["user"]}) as r:
        assert r.headers["Content-Length"] == str(len(whole))
        with pytest.raises(aiohttp.ClientPayloadError):
            await _read_into(r, received)
    assert bytes(received) == whole[:100]


async def test_truncate_streamed_synthetic_download(api: Api) -> None:
    annotation_id = api.server.add_synthetic_annotation(5 * 1024 * 1024, "nml")
    api.server.faults.add(FaultKind.TRUNCATE, after_bytes=3 * 1024 * 1024 + 5)
    url = f"{api.server.url}/api/annotations/Explorational/{annotation_id}/download"
    received = bytearray()
    async with api.session.get(url, headers={"X-Auth-Token": api.server.tokens["user"]}) as r:
        assert r.headers["Content-Length"] == str(5 * 1024 * 1024)
        with pytest.raises(aiohttp.ClientPayloadError):
            await _read_into(r, received)
    assert len(received) == 3 * 1024 * 1024 + 5


async def test_truncate_json(api: Api) -> None:
    api.server.faults.add(FaultKind.TRUNCATE, path="/user", after_bytes=10)
    with pytest.raises(aiohttp.ClientPayloadError):
        await api.get("/user")


async def test_slow_body(api: Api) -> None:
    _annotation_id, path = _download_path(api.server)
    whole = (await api.get(path)).body
    pieces = -(-len(whole) // 2048)
    api.server.faults.add(
        FaultKind.SLOW_BODY, path="/annotations/*/download", piece_size=2048, delay=0.02
    )
    started = time.monotonic()
    reply = await api.get(path)
    assert reply.body == whole
    assert time.monotonic() - started >= 0.02 * (pieces - 1)


async def test_latency(api: Api) -> None:
    api.server.faults.add(FaultKind.LATENCY, path="/user", delay=0.2, times=1)
    started = time.monotonic()
    assert (await api.get("/user")).status == 200
    assert time.monotonic() - started >= 0.2


async def test_server_wide_latency(
    session: aiohttp.ClientSession, fake_wk_factory: FakeWebknossosFactory
) -> None:
    server = await fake_wk_factory(latency=0.15)
    started = time.monotonic()
    assert (await Api(session, server).get("/buildinfo")).status == 200
    assert time.monotonic() - started >= 0.15


async def test_html_error(api: Api) -> None:
    api.server.faults.add(FaultKind.HTML_ERROR, path="/user")
    reply = await api.get("/user")
    assert (reply.status, reply.content_type) == (502, "text/html")
    assert "502 Bad Gateway" in reply.text
    assert "nginx" in reply.text


async def test_invalid_json(api: Api) -> None:
    api.server.faults.add(FaultKind.INVALID_JSON, path="/user")
    reply = await api.get("/user")
    assert (reply.status, reply.content_type) == (200, "application/json")
    with pytest.raises(orjson.JSONDecodeError):
        reply.json()


async def _hit_pattern(session: aiohttp.ClientSession, server: FakeWebknossos) -> list[bool]:
    rule = server.faults.add(FaultKind.STATUS, path="/buildinfo", probability=0.3, seed=7)
    pattern = []
    api = Api(session, server)
    for _ in range(40):
        pattern.append((await api.get("/buildinfo")).status == 503)
    assert rule.hits == sum(pattern)
    return pattern


async def test_probability_is_seeded(
    session: aiohttp.ClientSession, fake_wk_factory: FakeWebknossosFactory
) -> None:
    first = await _hit_pattern(session, await fake_wk_factory())
    second = await _hit_pattern(session, await fake_wk_factory())
    assert first == second
    assert 3 <= sum(first) <= 25


async def test_matching_and_clear(api: Api) -> None:
    rule = api.server.faults.add(FaultKind.STATUS, method="GET", path="/users/*", status=504)
    assert (await api.get("/user")).status == 200
    assert (await api.post("/userToken/generate")).status == 200
    user_id = api.server.user_ids["user"]
    assert (await api.get(f"/users/{user_id}", version=5)).status == 504
    assert rule.hits == 1
    api.server.faults.clear()
    assert (await api.get(f"/users/{user_id}")).status == 200


def test_fault_options_are_checked() -> None:
    server = FakeWebknossos()
    with pytest.raises(ValueError, match="FaultKind"):
        server.faults.add("no-such-kind")
    with pytest.raises(ValueError, match="probability"):
        server.faults.add(FaultKind.DROP, probability=2.0)


async def test_clear_requests(api: Api) -> None:
    await api.get("/user")
    assert api.server.requests
    api.server.clear_requests()
    assert api.server.requests == []
