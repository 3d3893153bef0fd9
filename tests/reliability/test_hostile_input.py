"""Hostile input: bad arguments are refused before anything is sent, and whatever a server or a
proxy answers ends in a clear typed error, never a crash, a hang, or a file in the wrong place.

Unit tests already cover the pieces (``tests/transfer/test_filenames.py`` for file
names, ``tests/core`` for error bodies); these go through the public client end to end.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

import wkapi
from tests.helpers import ScriptedServer, Serve
from tests.reliability.helpers import client, listing
from wkapi._failures import ERROR_BODY_CAP
from wkapi.models import TaskSpec
from wkapi.testing import FakeWebknossos

ID = "5f0000000000000000000001"


# -- refused before sending ------------------------------------------------------------------


BAD_CALLS: list[tuple[str, Callable[[wkapi.Client], Any]]] = [
    ("path traversal id", lambda wk: wk.tasks.get("../../admin")),  # repo-paths: not a path
    ("uppercase id", lambda wk: wk.tasks.get("5F0000000000000000000001")),
    ("short id", lambda wk: wk.projects.get("5f00")),
    ("id with newline", lambda wk: wk.tasks.delete(ID + "\n")),
    ("int id", lambda wk: wk.users.get(12345)),
    ("unknown annotation type", lambda wk: wk.annotations.info("Bogus", ID)),
    (
        "annotation type with a slash",
        lambda wk: wk.annotations.info("../Explorational", ID),  # repo-paths: not a path
    ),
    ("annotation type of wrong type", lambda wk: wk.annotations.info(7, ID)),
    ("invalid visibility", lambda wk: wk.annotations.edit("Explorational", ID, visibility="Top")),
    ("negative delta", lambda wk: wk.projects.increment_each_tasks_instances(ID, delta=-1)),
    ("boolean delta", lambda wk: wk.projects.increment_each_tasks_instances(ID, delta=True)),
    ("negative limit", lambda wk: wk.users.annotations(ID, limit=-1).to_list()),
    ("string limit", lambda wk: wk.projects.tasks(ID, limit="10").to_list()),  # type: ignore[arg-type]
    ("zero page size", lambda wk: wk.projects.tasks(ID, page_size=0).to_list()),
    ("absurd page size", lambda wk: wk.users.annotations(ID, page_size=10**9).to_list()),
    ("negative page number", lambda wk: wk.projects.tasks(ID).page(-1)),
    ("negative instances", lambda wk: wk.tasks.update(ID, open_instances=-3)),
    ("no tasks", lambda wk: wk.tasks.create([])),
    ("too many tasks", lambda wk: wk.tasks.create([_spec()] * 1001)),
    (
        "bad volume zip format",
        lambda wk: wk.annotations.download("Task", ID, ".", volume_data_zip_format="tar"),
    ),
    ("one string as ids", lambda wk: wk.annotations.finish_many("Task", ID)),
    ("empty edit", lambda wk: wk.annotations.edit("Explorational", ID)),
]


def _spec() -> TaskSpec:
    return TaskSpec(ID, "l4_sample", "some_project", (0, 0, 0))


@pytest.mark.parametrize(("what", "call"), BAD_CALLS, ids=[what for what, _ in BAD_CALLS])
async def test_bad_arguments_are_refused_before_sending(
    fake_wk: FakeWebknossos, what: str, call: Callable[[wkapi.Client], Any]
) -> None:
    async with client(fake_wk) as wk:
        with pytest.raises(wkapi.InputError) as caught:
            await call(wk)
    assert str(caught.value)  # says what is wrong
    assert fake_wk.requests == []  # not even the version check went out


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "not an NML"),
        (b"name,x,y,z\ntree,1,2,3\n", "not an NML"),
        (b"\xef\xbb\xbf   \n{json: true}", "not an NML"),
    ],
)
async def test_an_nml_that_is_not_xml_is_refused_before_sending(
    fake_wk: FakeWebknossos, tmp_path: Path, content: bytes, problem: str
) -> None:
    path = tmp_path / "tracing.nml"
    path.write_bytes(content)
    async with client(fake_wk) as wk:
        with pytest.raises(wkapi.UploadInputError, match=problem) as caught:
            await wk.annotations.upload(path)
    assert caught.value.path == str(path)
    assert fake_wk.requests == []


async def test_an_nml_that_is_broken_xml_gets_the_servers_reason(
    fake_wk: FakeWebknossos, tmp_path: Path
) -> None:
    path = tmp_path / "broken.nml"
    path.write_bytes(b"<things><thing id='1'><nodes></thing>")  # starts like XML: sent
    async with client(fake_wk) as wk:
        with pytest.raises(wkapi.BadRequestError) as caught:
            await wk.annotations.upload(path)
    assert caught.value.status == 400
    assert "Could not parse file: broken.nml" in caught.value.messages[0]


# -- whatever the server answers --------------------------------------------------------------


def _answer(status: int, body: bytes, content_type: str | None = None, **headers: str):
    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.Response(status=status, body=body, headers=headers)
        if content_type is not None:
            response.content_type = content_type
        return response

    return handler


def _client(origin: ScriptedServer, **options: Any) -> wkapi.Client:
    options.setdefault("retry", wkapi.RetryPolicy.for_tests())
    return wkapi.Client(origin.url, "secret-token", check_version=False, **options)


@pytest.mark.parametrize(
    ("status", "body", "content_type", "error", "message"),
    [
        (400, b"\xff\xfe bad \x80\x81 bytes", "text/plain", wkapi.BadRequestError, "bad"),
        (
            500,
            b"<html><head><title>Oops &amp; Co</title></head><body><h1>Crash</h1></body></html>",
            "text/html",
            wkapi.ServerError,
            "Oops & Co: Crash",
        ),
        (404, b"", None, wkapi.NotFoundError, "(no message)"),
        (403, b"   \r\n\t ", "application/json", wkapi.PermissionDeniedError, "(no message)"),
        (409, b'{"messages": [{"error": 42}]', "application/json", wkapi.ConflictError, "409"),
        (418, b'["short", {"and": "odd"}]', "application/json", wkapi.APIStatusError, "short"),
        (
            400,
            b'{"obj.name": [{"msg": ["error.path.missing"], "args": []}]}',
            "application/json",
            wkapi.BadRequestError,
            "obj.name: error.path.missing",
        ),
    ],
)
async def test_error_bodies_of_any_form_give_typed_errors(
    serve: Serve,
    status: int,
    body: bytes,
    content_type: str | None,
    error: type[wkapi.APIStatusError],
    message: str,
) -> None:
    server = await serve(_answer(status, body, content_type))
    async with _client(server) as wk:
        with pytest.raises(error) as caught:
            await wk.tasks.get(ID)
    assert type(caught.value) is error
    assert caught.value.status == status
    assert message in str(caught.value)
    assert len(caught.value.body) <= 2000


async def test_an_oversized_error_body_is_read_only_up_to_the_cap(serve: Serve) -> None:
    total = 256 << 20
    sent = 0

    async def huge(request: web.Request) -> web.StreamResponse:
        nonlocal sent
        response = web.StreamResponse(status=502, headers={"Content-Length": str(total)})
        response.content_type = "text/html"
        await response.prepare(request)
        block = b"<p>" + b"x" * ((1 << 20) - 3)
        try:
            while sent < total:
                await response.write(block)
                sent += len(block)
        except ConnectionError:
            pass
        return response

    server = await serve(huge)
    started = time.monotonic()
    async with _client(server, retry=wkapi.RetryPolicy.disabled()) as wk:
        with pytest.raises(wkapi.ServerError) as caught:
            await wk.tasks.get(ID)
    assert time.monotonic() - started < 5
    assert sent < total / 4  # the client stopped reading at its cap
    assert len(caught.value.body) <= 2000
    assert len(str(caught.value)) < 1000


@pytest.mark.parametrize(
    "unit", [b"<title>", b"<h1>", b"<head ", b"<script>", b"<", b"<title><h1><style>"]
)
async def test_an_error_page_of_unclosed_tags_is_parsed_without_stalling(
    serve: Serve, unit: bytes
) -> None:
    # 64 KiB of unclosed tags took a quadratic HTML parse several seconds per answer, with the
    # event loop blocked all along; a linear scan takes milliseconds. The bound is loose on
    # purpose (noisy machines): it only tells linear from quadratic.
    body = (b"<html>" + unit * (ERROR_BODY_CAP // len(unit)))[:ERROR_BODY_CAP]

    async def page(request: web.Request) -> web.Response:
        return web.Response(status=502, body=body, content_type="text/html")

    server = await serve(page)
    async with _client(server, retry=wkapi.RetryPolicy.disabled()) as wk:
        started = time.monotonic()
        with pytest.raises(wkapi.ServerError) as caught:
            await wk.tasks.get(ID)
        elapsed = time.monotonic() - started
    assert caught.value.status == 502
    assert elapsed < 1.0


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"\xff\xfe\x00{\x00}", "application/json"),
        (b"<html><body>Please log in</body></html>", "text/html"),
        (b"", "application/json"),
        (b"[" * 100_000 + b"]" * 100_000, "application/json"),  # nesting beyond any parser
        (b'{"id": "5f0000000000000000000001"}', "application/json"),  # fields missing
        (b"[1, 2, 3]", "application/json"),
    ],
)
async def test_unusable_success_bodies_are_invalid_responses(
    serve: Serve, body: bytes, content_type: str
) -> None:
    server = await serve(_answer(200, body, content_type))
    async with _client(server) as wk:
        with pytest.raises(wkapi.InvalidResponseError):
            await wk.tasks.get(ID)


async def test_a_bad_total_count_header_is_an_invalid_response(serve: Serve) -> None:
    server = await serve(_answer(200, b"[]", "application/json", **{"X-Total-Count": "many"}))
    async with _client(server) as wk:
        with pytest.raises(wkapi.InvalidResponseError, match="X-Total-Count"):
            await wk.users.annotations(ID).total()


@pytest.mark.parametrize(
    "retry_after", ["nan", "inf", "-5", "1e999", "Tue, 14 Nov 10000000000000000 22:15:20 GMT"]
)
async def test_hostile_retry_after_values_neither_crash_nor_stall(
    serve: Serve, retry_after: str
) -> None:
    server = await serve(_answer(503, b"busy", "text/plain", **{"Retry-After": retry_after}))
    started = time.monotonic()
    async with _client(server) as wk:
        with pytest.raises(wkapi.ServerError) as caught:
            await wk.tasks.get(ID)
    assert time.monotonic() - started < 2
    assert len(server.seen) == 3  # retried as a 503 without a usable Retry-After
    wait = caught.value.retry_after
    assert wait is None or 0 <= wait < float("inf")


async def test_a_redirect_loop_ends_in_a_connection_error(serve: Serve) -> None:
    async def loop(request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound(request.path)

    server = await serve(loop)
    async with _client(server) as wk:
        with pytest.raises(wkapi.APIConnectionError, match="too many redirects"):
            await wk.tasks.get(ID)


async def test_a_redirect_to_a_file_url_is_refused(serve: Serve) -> None:
    async def to_file(request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound("file:///etc/passwd")

    server = await serve(to_file)
    async with _client(server) as wk:
        with pytest.raises(wkapi.APIConnectionError, match="redirect"):
            await wk.tasks.get(ID)


# -- downloads ------------------------------------------------------------------------------


HOSTILE_NAMES = [
    'attachment;filename="../../evil.nml"',  # repo-paths: not a path
    "attachment; filename*=UTF-8''..%2F..%2Fevil.nml",
    'attachment; filename="/etc/passwd"',
    'attachment; filename="..\\\\..\\\\evil.nml"',  # repo-paths: not a path
    'attachment; filename=".."',
    'attachment; filename="~/.bashrc"',  # repo-paths: not a path
    'attachment; filename=".hidden.nml"',
    'attachment; filename="a\tb.nml"',
    "attachment; filename*=UTF-8''%00%2e%2e%2fevil.nml",
    'attachment; filename="con.nml"',
]


@pytest.mark.parametrize("disposition", HOSTILE_NAMES)
async def test_content_disposition_never_writes_outside_the_target(
    serve: Serve, tmp_path: Path, disposition: str
) -> None:
    target = tmp_path / "a" / "b" / "downloads"
    target.mkdir(parents=True)
    server = await serve(
        _answer(200, b"<things/>", "application/xml", **{"Content-Disposition": disposition})
    )
    async with _client(server) as wk:
        result = await wk.annotations.download("Explorational", ID, target)
    assert result.path.parent == target
    assert listing(target) == [result.path.name]
    assert not result.path.name.startswith(".")
    assert re.search(r"[\x00-\x1f\x7f/\\]", result.path.name) is None
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == [
        "a",
        "a/b",
        "a/b/downloads",
        f"a/b/downloads/{result.path.name}",
    ]
    assert result.path.read_bytes() == b"<things/>"


@pytest.mark.parametrize(
    ("body", "content_type", "shown"),
    [
        (b"<html><title>Sign in</title></html>", "text/html", "Sign in"),
        (
            b'{"messages": [{"error": "Annotation could not be found"}]}',
            "application/json",
            "Annotation could not be found",
        ),
    ],
)
async def test_a_page_instead_of_the_file_is_not_saved(
    serve: Serve, tmp_path: Path, body: bytes, content_type: str, shown: str
) -> None:
    """A proxy's login page or an error answered with 200 must not land on disk as the file."""
    server = await serve(_answer(200, body, content_type))
    async with _client(server) as wk:
        with pytest.raises(wkapi.InvalidResponseError, match=shown):
            await wk.annotations.download("Explorational", ID, tmp_path)
        with pytest.raises(wkapi.InvalidResponseError, match=shown):
            async with wk.annotations.stream("Explorational", ID):
                pass
    assert listing(tmp_path) == []
