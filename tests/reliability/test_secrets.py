"""Secrets: the token never shows up in logs, exception texts, reprs or URLs; it never follows
a redirect to another origin; TLS verification is on unless explicitly turned off (which warns).

``tests/core/test_auth_and_limits.py`` proves the redirect rule on the core session; here it is
proven through the public client, for API calls and downloads.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
import warnings
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

import wkapi
from tests.helpers import Seen, Serve
from tests.reliability.helpers import answer_json, client, settle, write_nml
from wkapi.models import TaskSpec
from wkapi.testing import FakeWebknossos, FaultKind

ID = "5f0000000000000000000001"


def _texts_of(exc: BaseException) -> list[str]:
    """Everything an exception shows: its traceback text (with its causes), repr and attributes."""
    texts = ["".join(traceback.format_exception(exc)), repr(exc)]
    current: BaseException | None = exc
    while current is not None:
        texts += [repr(current), str(current), repr(vars(current))]
        current = current.__cause__ or current.__context__
    return texts


async def test_a_busy_run_never_shows_the_token(
    fake_wk: FakeWebknossos, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    server = fake_wk
    token = server.tokens["admin"]
    caplog.set_level(logging.DEBUG)  # every logger: wkapi, aiohttp, asyncio
    task_type = server.add_task_type("secret skeleton")
    project_id = server.add_project("secret_project")
    task_id = server.add_task(project_id, task_type, "l4_sample")
    annotation = server.add_synthetic_annotation(200_000, "zip")
    for kind, options in [
        (FaultKind.STATUS, {"status": 503, "retry_after": 1}),
        (FaultKind.DROP, {}),
        (FaultKind.TRUNCATE, {"after_bytes": 50}),
        (FaultKind.HTML_ERROR, {"status": 502}),
        (FaultKind.PROCESS_THEN_DROP, {}),
    ]:
        server.faults.add(kind, probability=0.15, seed=len(options), **options)
    caught: list[BaseException] = []

    calls: list[Callable[[wkapi.Client], Awaitable[object]]] = [
        lambda wk: wk.users.current(),
        lambda wk: wk.tasks.get(task_id),
        lambda wk: wk.projects.tasks(project_id, page_size=2).to_list(),
        lambda wk: wk.annotations.download("Explorational", annotation, tmp_path, overwrite=True),
        lambda wk: wk.annotations.upload(write_nml(server, tmp_path / "up.nml")),
        lambda wk: wk.tasks.create_many(
            [TaskSpec(task_type, "l4_sample", "secret_project", (i, 0, 0)) for i in range(3)]
        ),
        lambda wk: wk.tasks.get("ffffffffffffffffffffffff"),  # 404
        lambda wk: wk.tasks.get("not an id"),  # InputError
        lambda wk: wk.annotations.info("Explorational", annotation, timestamp=-1),
    ]
    async with client(server, timeouts=wkapi.Timeouts(api_total=2)) as wk:
        texts = [repr(wk), str(wk), repr(wk.config), str(wk.config), repr(wk._session.auth)]
        for _ in range(6):
            for call in calls:
                try:
                    result = await call(wk)
                except wkapi.WebknossosError as exc:
                    caught.append(exc)
                else:
                    texts.append(repr(result))
    await settle(server)
    # Every request carried the token, as a header (the URLs above do not have it).
    assert all(r.authenticated for r in server.requests)
    # A client with a wrong token: its error carries that token nowhere either.
    async with wkapi.Client(server.url, token[::-1], retry=wkapi.RetryPolicy.for_tests()) as other:
        with pytest.raises(wkapi.AuthenticationError) as refused:
            await other.users.current()
        texts += [*_texts_of(refused.value), repr(other)]
        assert token[::-1] not in "\n".join(texts)

    assert len(caught) >= 10  # errors of many kinds happened
    assert {type(e) for e in caught} > {wkapi.NotFoundError, wkapi.InputError}
    for exc in caught:
        texts += _texts_of(exc)
    texts += [caplog.text] + [str(record.args) for record in caplog.records]
    texts += [f"{r.path}?{r.query}" for r in server.requests]  # every URL the server saw
    everything = "\n".join(texts)
    assert any(r.levelno == logging.DEBUG and r.name == "wkapi" for r in caplog.records)
    assert token not in everything
    assert token[:12] not in everything  # nor a recognisable part of it


async def _malformed_status_line_server() -> tuple[asyncio.AbstractServer, str]:
    """A raw TCP server answering every request with an HTTP status line aiohttp refuses."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 2000 WAT\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, f"http://127.0.0.1:{port}"


async def test_errors_from_aiohttp_answers_hold_no_token_in_their_causes(
    serve: Serve,
) -> None:
    # aiohttp's response errors keep the request's headers (and a redirect loop's history):
    # chained as the cause, they would show the token to debuggers and error trackers.
    async def loop(request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound(request.path)

    looping = await serve(loop)
    raw_server, raw_url = await _malformed_status_line_server()
    caught: list[BaseException] = []
    try:
        for url in (looping.url, raw_url):
            async with wkapi.Client(
                url, "the-secret-token", check_version=False, retry=wkapi.RetryPolicy.disabled()
            ) as wk:
                with pytest.raises(wkapi.APIConnectionError) as info:
                    await wk.tasks.get(ID)
                caught.append(info.value)
    finally:
        raw_server.close()
        await raw_server.wait_closed()

    assert "too many redirects" in str(caught[0])
    assert "unusable answer" in str(caught[1])
    assert isinstance(caught[0].__cause__, aiohttp.TooManyRedirects)  # the cause is kept
    assert any(_token_of(r) == "the-secret-token" for r in looping.seen)  # it was sent
    for exc in caught:
        shown = "\n".join(_texts_of(exc))
        assert "the-secret-token" not in shown
        assert "the-secret" not in shown


def _token_of(request: web.Request | Seen) -> str | None:
    return request.headers.get("X-Auth-Token")


async def test_a_redirect_to_another_port_does_not_carry_the_token(
    serve: Serve, tmp_path: Path
) -> None:
    async def elsewhere(request: web.Request) -> web.StreamResponse:
        if request.path.endswith("/download"):
            return web.Response(body=b"<things/>", content_type="application/xml")
        return web.json_response({"token": "none"})

    other = await serve(elsewhere)

    async def moved(request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound(other.url + request.path)

    server = await serve(moved)
    assert other.port != server.port
    async with wkapi.Client(
        server.url, "the-token", check_version=False, retry=wkapi.RetryPolicy.for_tests()
    ) as wk:
        assert await wk.tokens.personal() == "none"
        saved = await wk.annotations.download("Explorational", ID, tmp_path)
    assert saved.path.read_bytes() == b"<things/>"
    assert [_token_of(r) for r in server.seen] == ["the-token", "the-token"]
    assert [_token_of(r) for r in other.seen] == [None, None]


async def test_a_redirect_to_another_host_name_does_not_carry_the_token(
    serve: Serve,
) -> None:
    other = await serve(lambda request: answer_json({"token": "none"}))

    async def moved(request: web.Request) -> web.StreamResponse:
        # Same address, other host name: another origin all the same.
        raise web.HTTPFound(other.url.replace("127.0.0.1", "localhost") + request.path)

    server = await serve(moved)
    async with wkapi.Client(
        server.url, "the-token", check_version=False, retry=wkapi.RetryPolicy.for_tests()
    ) as wk:
        assert await wk.tokens.personal() == "none"
    assert [_token_of(r) for r in other.seen] == [None]


async def test_a_same_origin_redirect_keeps_the_token(serve: Serve) -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        if request.path == "/api/v5/auth/token":
            raise web.HTTPFound("/api/v5/moved/auth/token")
        return await answer_json({"token": _token_of(request)})

    server = await serve(handler)
    async with wkapi.Client(server.url, "the-token", check_version=False) as wk:
        assert await wk.tokens.personal() == "the-token"
    assert [r.path for r in server.seen] == ["/api/v5/auth/token", "/api/v5/moved/auth/token"]
    assert [_token_of(r) for r in server.seen] == ["the-token", "the-token"]


async def test_tls_is_verified_by_default(tls_origin: str) -> None:
    async with wkapi.Client(
        tls_origin, "t", check_version=False, retry=wkapi.RetryPolicy.for_tests()
    ) as wk:
        assert wk.config.verify_tls is True
        with pytest.raises(wkapi.APIConnectionError, match="TLS error") as caught:
            await wk.tokens.personal()
        assert wk._session.http.connector._ssl is True  # type: ignore[union-attr]
    assert caught.value.transient is False  # not retried: a bad certificate stays bad


async def test_turning_tls_verification_off_warns_and_logs(
    tls_origin: str, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.warns(UserWarning, match="TLS certificate verification is disabled"):
        wk = wkapi.Client(tls_origin, "t", check_version=False, verify_tls=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # said once, when the client is built; not per pool
        token = await wk.tokens.personal()
        await wk.close()
        # A closed client never opens a new pool (issue 15): no second pool, no new warning.
        with pytest.raises(wkapi.ClientClosedError):
            await wk.tokens.personal()
        await wk.close()
    assert token == "over tls"
    assert any(
        r.levelno == logging.WARNING and "verification is disabled" in r.getMessage()
        for r in caplog.records
    )
