"""Every error body form a real server (or proxy) sends becomes the right typed exception."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web

from tests.helpers import TOKEN
from wkapi._errors import (
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InvalidResponseError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
)
from wkapi._failures import ERROR_BODY_CAP, parse_error_body
from wkapi._retry import RetryPolicy

PLAY_ERROR_PAGE = """<!DOCTYPE html>
<html lang="en"><head><title>Bad request</title><style>body { color: red }</style></head>
<body><h1>Missing parameter: timestamp</h1><p>For request 'GET /api/v5/annotations/Task/x/info'</p>
</body></html>"""

NGINX_502 = """<html>
<head><title>502 Bad Gateway</title></head>
<body>
<center><h1>502 Bad Gateway</h1></center>
<hr><center>nginx</center>
</body>
</html>"""

CASES = [
    pytest.param(
        404,
        "application/json",
        '{"messages":[{"error":"Annotation could not be found"},'
        '{"chain":"[Server Time 2023-01-01] <~ Failed to load"}]}',
        NotFoundError,
        ["Annotation could not be found"],
        id="messages-with-chain",
    ),
    pytest.param(
        400,
        "application/json",
        '{"obj.taskTypeId":[{"msg":["error.path.missing"],"args":[]}],'
        '"obj.dataSet":[{"msg":["error.expected.jsstring"],"args":[]}]}',
        BadRequestError,
        ["obj.taskTypeId: error.path.missing", "obj.dataSet: error.expected.jsstring"],
        id="play-validation-map",
    ),
    pytest.param(
        400,
        "application/json",
        '{"errors":[{"field":"/name","error":"error.minLength"}],'
        '"messages":[{"error":"Invalid Json format"}]}',
        BadRequestError,
        ["Invalid Json format", "/name: error.minLength"],
        id="json-errors-list",
    ),
    pytest.param(
        401,
        "application/json",
        '{"success":false,"message":"silhouette.not.authenticated"}',
        AuthenticationError,
        ["silhouette.not.authenticated"],
        id="silhouette-401",
    ),
    pytest.param(
        400,
        "text/html; charset=utf-8",
        PLAY_ERROR_PAGE,
        BadRequestError,
        ["Bad request: Missing parameter: timestamp"],
        id="play-html-page",
    ),
    pytest.param(502, "text/html", NGINX_502, ServerError, ["502 Bad Gateway"], id="nginx-page"),
    pytest.param(
        503,
        "text/html",
        "<!DOCTYPE html><html><head><meta charset=utf-8>\n<body>\n"
        "<p>Maintenance until 18:00</p></body></html>",
        ServerError,
        ["Maintenance until 18:00"],
        id="html-page-without-head-end-tag",  # HTML lets </head> be left out
    ),
    pytest.param(
        500,
        "text/html",
        "<html><head><title>limit < 5 exceeded</title></head></html>",
        ServerError,
        ["limit < 5 exceeded"],
        id="html-title-with-bare-less-than",
    ),
    pytest.param(
        403,
        "application/json",
        '{"messages":[{"error":"You are not authorized to view or edit this resource"}]}',
        PermissionDeniedError,
        ["You are not authorized to view or edit this resource"],
        id="forbidden",
    ),
    pytest.param(
        409, "text/plain", "conflict here\nmore", ConflictError, ["conflict here"], id="text"
    ),
    pytest.param(413, "text/html", "", PayloadTooLargeError, [], id="empty-413"),
    pytest.param(429, "text/plain", "", RateLimitError, [], id="empty-429"),
    pytest.param(
        500, "application/json", "{not json", ServerError, ["{not json"], id="broken-json"
    ),
    pytest.param(418, "text/plain", "teapot", APIStatusError, ["teapot"], id="other-status"),
]


@pytest.mark.parametrize(("status", "content_type", "body", "error_class", "messages"), CASES)
async def test_error_bodies_become_typed_errors(
    serve, make_session, status, content_type, body, error_class, messages
) -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(
            status=status, body=body.encode(), content_type=content_type.split(";")[0]
        )

    server = await serve({("GET", "/api/v5/thing/x"): handler})
    session = make_session(server.url, retry=RetryPolicy.disabled())
    with pytest.raises(error_class) as caught:
        await session.request_json("GET", "/thing/x", params={"flag": True})
    error = caught.value
    assert type(error) is error_class
    assert error.status == status
    assert error.messages == messages
    expected_chain = "[Server Time 2023-01-01] <~ Failed to load" if '"chain"' in body else None
    assert error.chain == expected_chain
    assert error.method == "GET"
    assert error.url is not None
    assert error.url.endswith("/api/v5/thing/x")
    assert "?" not in error.url
    text = str(error)
    assert str(status) in text
    assert "/api/v5/thing/x" in text
    for message in messages:
        assert message in text
    assert TOKEN not in text
    assert TOKEN not in repr(error)


async def test_error_bodies_are_read_with_a_cap(serve, make_session) -> None:
    # Valid JSON only when read whole: a capped read cannot parse it and falls back to the
    # body's first line, which shows that the client stopped at the cap.
    huge = b'{"messages":[{"error":"' + b"x" * (20 * 1024 * 1024) + b'"}]}'

    async def handler(request: web.Request) -> web.Response:
        return web.Response(status=500, body=huge, content_type="application/json")

    server = await serve({("GET", "/api/v5/huge"): handler})
    session = make_session(server.url, retry=RetryPolicy.disabled())
    with pytest.raises(ServerError) as caught:
        await session.request_json("GET", "/huge")
    assert caught.value.messages[0].startswith('{"messages":[{"error":"xxx')
    assert len(caught.value.messages[0]) <= 500
    assert len(caught.value.body) <= ERROR_BODY_CAP


async def test_an_error_body_arriving_in_pieces_is_read_whole(serve, make_session) -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(status=404, headers={"Content-Type": "application/json"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        await response.write(b'{"messages":[{"error":')
        await asyncio.sleep(0.05)  # the rest comes in a later read
        await response.write(b'"Annotation could not be found"}]}')
        await response.write_eof()
        return response

    server = await serve({("GET", "/api/v5/x"): handler})
    session = make_session(server.url, retry=RetryPolicy.disabled())
    with pytest.raises(NotFoundError) as caught:
        await session.request_json("GET", "/x")
    assert caught.value.messages == ["Annotation could not be found"]


async def test_non_json_success_body_is_an_invalid_response(serve, make_session) -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=b"<html>proxy says hi</html>", content_type="application/json")

    server = await serve({("GET", "/api/v5/x"): handler})
    session = make_session(server.url)
    with pytest.raises(InvalidResponseError, match="expected JSON"):
        await session.request_json("GET", "/x")


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\xff\xfe\x00garbage",
        b"[1, 2",
        b"<html><body></body></html>",
        b"null",
        b'"text"',
        b"{}",
    ],
)
def test_parse_error_body_never_raises(raw: bytes) -> None:
    parsed = parse_error_body(raw, "application/json")
    assert isinstance(parsed.messages, tuple)
    assert all(isinstance(m, str) for m in parsed.messages)
