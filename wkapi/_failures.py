"""How a failure becomes a typed error: transport failures, error bodies and statuses.

- :func:`transport_error`: an aiohttp or socket failure becomes an
  :class:`~wkapi.APIConnectionError` (or :class:`~wkapi.APITimeoutError`), chained to a copy of
  the original that no longer holds the token (:func:`safe_cause`).
- :func:`read_error_body` reads the start of a non-2xx body, :func:`parse_error_body` finds the
  server's messages in it, and :func:`status_error` builds the :class:`~wkapi.APIStatusError`
  subclass of the status from both.

WEBKNOSSOS answers errors in several shapes:

- controller errors: ``{"messages": [{"error": "..."}, {"chain": "..."}]}``
- Play's form validation: ``{"obj.taskTypeId": [{"msg": ["error.path.missing"], "args": []}]}``
- JSON validation: ``{"errors": [{"field": "/name", "error": "..."}], "messages": [...]}``
- the authentication layer: ``{"success": false, "message": "silhouette.not.authenticated"}``
- router, parser and crash pages: HTML (title or first line of text)
- proxies: HTML or plain text; sometimes nothing at all.
"""

from __future__ import annotations

import asyncio
import html
import re
from typing import Any

import aiohttp
import attrs
import orjson
import yarl
from multidict import CIMultiDict, CIMultiDictProxy

from ._auth import TOKEN_HEADER
from ._errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    status_error_class,
)
from ._retry import parse_retry_after

__all__ = [
    "ERROR_BODY_CAP",
    "TRANSPORT_ERRORS",
    "ErrorBody",
    "parse_error_body",
    "read_error_body",
    "safe_cause",
    "status_error",
    "transport_error",
]

#: How much of an error body is read and kept (the rest is never read).
ERROR_BODY_CAP = 64 * 1024
#: What aiohttp and the socket raise when a request or its body fails (mapped by
#: :func:`transport_error`).
TRANSPORT_ERRORS = (aiohttp.ClientError, asyncio.TimeoutError, OSError)
_TEXT_KEEP = 2000
_MESSAGE_MAX = 500

#: Elements whose content is never the message (dropped when looking for the first line).
_HIDDEN_BLOCKS = (b"script", b"style", b"head")
_SPACE = re.compile(r"\s+")


@attrs.frozen
class ErrorBody:
    """What an error body said: its messages, an optional server-side error chain, and its text."""

    messages: tuple[str, ...] = ()
    chain: str | None = None
    text: str = ""


def _clean(text: str) -> str:
    text = _SPACE.sub(" ", text).strip()
    return text if len(text) <= _MESSAGE_MAX else text[: _MESSAGE_MAX - 1] + "…"


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")


def _from_json(data: Any) -> tuple[list[str], str | None]:
    messages: list[str] = []
    chain: str | None = None
    if isinstance(data, dict):
        entries = data.get("messages")
        for entry in entries if isinstance(entries, list) else ():
            if isinstance(entry, dict):
                if isinstance(entry.get("error"), str):
                    messages.append(_clean(entry["error"]))
                if isinstance(entry.get("chain"), str):
                    chain = _clean(entry["chain"])
        errors = data.get("errors")
        for entry in errors if isinstance(errors, list) else ():
            if isinstance(entry, dict):
                field, error = entry.get("field"), entry.get("error")
                text = error if isinstance(error, str) else str(error)
                messages.append(_clean(f"{field}: {text}" if field else text))
        if isinstance(data.get("message"), str):
            messages.append(_clean(data["message"]))
        if not messages:
            messages.extend(_from_play_map(data))
    elif isinstance(data, list):
        messages.extend(_clean(item) for item in data if isinstance(item, str))
    elif isinstance(data, str):
        messages.append(_clean(data))
    return messages, chain


def _from_play_map(data: dict[Any, Any]) -> list[str]:
    """Play's validation map: ``{"obj.field": [{"msg": ["error.x"], "args": []}]}``."""
    out: list[str] = []
    for path, problems in data.items():
        if not isinstance(path, str) or not isinstance(problems, list):
            continue
        texts: list[str] = []
        for problem in problems:
            if isinstance(problem, dict):
                msg = problem.get("msg")
                if isinstance(msg, list):
                    texts.extend(str(m) for m in msg)
                elif msg is not None:
                    texts.append(str(msg))
            elif isinstance(problem, str):
                texts.append(problem)
        if texts:
            out.append(_clean(f"{path}: {', '.join(texts)}"))
    return out


# HTML error bodies come from anywhere (proxies, crash pages) and may be hostile: the helpers
# below scan with str.find only, in time linear in the body, where regular expressions such as
# ``<title[^>]*>(.*?)</title>`` take quadratic time on a body of unclosed tags.


def _opening(low: bytes, tag: bytes, start: int) -> int:
    """The index of the next ``<tag`` (followed by ``>``, ``/`` or white space) from ``start``,
    or -1. ``low`` is the lowercased body."""
    needle = b"<" + tag
    while True:
        found = low.find(needle, start)
        if found == -1:
            return -1
        after = low[found + len(needle) : found + len(needle) + 1]
        if after in (b">", b"/") or after.isspace():
            return found
        start = found + 1


def _element_text(raw: bytes, low: bytes, tag: bytes) -> bytes | None:
    """The content of the first ``<tag ...>...</tag>`` element, or ``None``."""
    opening = _opening(low, tag, 0)
    if opening == -1:
        return None
    content_start = low.find(b">", opening)
    if content_start == -1:
        return None
    closing = low.find(b"</" + tag, content_start)
    return None if closing == -1 else raw[content_start + 1 : closing]


def _drop_hidden_blocks(raw: bytes) -> bytes:
    """``raw`` without its ``<script>``, ``<style>`` and ``<head>`` elements."""
    low = raw.lower()
    kept: list[bytes] = []
    position = 0
    # The next opening of each tag at or after ``position``: searched again only when passed,
    # so the whole scan stays linear.
    upcoming = {tag: _opening(low, tag, 0) for tag in _HIDDEN_BLOCKS}
    while True:
        for tag, index in upcoming.items():
            if index != -1 and index < position:
                upcoming[tag] = _opening(low, tag, position)
        found = [(index, tag) for tag, index in upcoming.items() if index != -1]
        if not found:
            kept.append(raw[position:])
            break
        opening, tag = min(found)
        kept.append(raw[position:opening])
        closing = low.find(b"</" + tag, opening)
        close_end = -1 if closing == -1 else low.find(b">", closing)
        if close_end == -1:
            # Unclosed (``</head>`` may be left out): kept as text, and so is every later
            # block of this tag, which cannot be closed either.
            upcoming[tag] = -1
            position = opening
            continue
        position = close_end + 1
    return b"".join(kept)


def _strip_tags(raw: bytes, separator: bytes) -> bytes:
    """``raw`` with every ``<...>`` tag replaced by ``separator`` (a ``<`` never closed is text)."""
    pieces: list[bytes] = []
    position = 0
    while True:
        opening = raw.find(b"<", position)
        if opening == -1:
            pieces.append(raw[position:])
            break
        pieces.append(raw[position:opening])
        closing = raw.find(b">", opening)
        if closing == -1:
            pieces.append(raw[opening:])
            break
        pieces.append(separator)
        position = closing + 1
    return b"".join(pieces)


def _html_text(fragment: bytes) -> str:
    return _clean(html.unescape(_decode(_strip_tags(fragment, b" "))))


def _from_html(raw: bytes) -> list[str]:
    low = raw.lower()
    title = _element_text(raw, low, b"title")
    heading = _element_text(raw, low, b"h1")
    title_text = _html_text(title) if title is not None else ""
    heading_text = _html_text(heading) if heading is not None else ""
    if title_text:
        # Play's error pages put the real reason in the first <h1> after a generic title.
        if heading_text and heading_text != title_text:
            return [f"{title_text}: {heading_text}"]
        return [title_text]
    if heading_text:
        return [heading_text]
    body = _strip_tags(_drop_hidden_blocks(raw), b"\n")
    for line in html.unescape(_decode(body)).splitlines():
        if line.strip():
            return [_clean(line)]
    return []


def _looks_like_html(raw: bytes, content_type: str) -> bool:
    if "html" in content_type:
        return True
    head = raw[:200].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<body"))


def parse_error_body(raw: bytes, content_type: str | None = None) -> ErrorBody:
    """Parse an error response body (already capped) into messages. Never raises."""
    content_type = (content_type or "").lower()
    text = _decode(raw[:_TEXT_KEEP])
    stripped = raw.strip()
    if not stripped:
        return ErrorBody(text=text)
    if stripped[:1] in (b"{", b"[", b'"') and not _looks_like_html(raw, content_type):
        try:
            data = orjson.loads(stripped)
        except orjson.JSONDecodeError:
            data = None
        else:
            messages, chain = _from_json(data)
            return ErrorBody(tuple(m for m in messages if m), chain, text)
    if _looks_like_html(raw, content_type):
        return ErrorBody(tuple(_from_html(raw)), None, text)
    first = next((line for line in _decode(raw).splitlines() if line.strip()), "")
    return ErrorBody((_clean(first),) if first.strip() else (), None, text)


# -- reading and turning statuses into errors ---------------------------------------------------


async def read_error_body(response: aiohttp.ClientResponse) -> bytes:
    """The start of an error body, up to :data:`ERROR_BODY_CAP` bytes (the rest is never read).

    A body may arrive in several pieces; a connection that breaks meanwhile leaves what came.
    """
    raw = bytearray()
    try:
        while len(raw) < ERROR_BODY_CAP:
            piece = await response.content.read(ERROR_BODY_CAP - len(raw))
            if not piece:
                break
            raw += piece
    except TRANSPORT_ERRORS:
        pass
    return bytes(raw)


async def status_error(
    response: aiohttp.ClientResponse, method: str, url: yarl.URL
) -> APIStatusError:
    """The typed error of a non-2xx answer, with the messages of its (capped) body and its
    ``Retry-After`` in seconds."""
    parsed = parse_error_body(await read_error_body(response), response.headers.get("Content-Type"))
    status = response.status
    reason = response.reason or ""
    detail = "; ".join(parsed.messages) if parsed.messages else "(no message)"
    message = f"{status} {reason}: {method} {url.path}: {detail}".replace("  ", " ")
    return status_error_class(status)(
        message,
        status=status,
        messages=parsed.messages,
        body=parsed.text,
        method=method,
        url=str(url.with_query(None)),
        retry_after=parse_retry_after(response.headers.get("Retry-After")),
        chain=parsed.chain,
    )


# -- transport failures -------------------------------------------------------------------------


def safe_cause(exc: BaseException) -> BaseException:
    """``exc``, made safe to chain to our error: without the token.

    aiohttp's response errors (``TooManyRedirects`` among them) keep ``request_info`` and the
    redirect ``history``, whose request headers include ``X-Auth-Token``; anything that prints
    an exception's cause or locals (debuggers, error trackers) would show it. The headers are
    replaced by a copy without the token, and the history (earlier responses) is dropped.
    """
    if isinstance(exc, aiohttp.ClientResponseError):
        info = exc.request_info
        headers = CIMultiDict(info.headers)
        headers.popall(TOKEN_HEADER, None)
        exc.request_info = aiohttp.RequestInfo(
            info.url, info.method, CIMultiDictProxy(headers), info.real_url
        )
        exc.history = ()
    return exc


def transport_error(exc: BaseException, method: str, url: yarl.URL) -> APIError:
    """The library's error for an aiohttp or socket failure, chained to it.

    ``exc`` is made safe to chain first (:func:`safe_cause`, in place), so ``raise
    transport_error(exc, ...) from exc`` is safe too.
    """
    error = _map_transport_error(exc, method, url)
    error.__cause__ = safe_cause(exc)
    return error


def _map_transport_error(exc: BaseException, method: str, url: yarl.URL) -> APIError:
    where = f"{method} {url.path}"
    public_url = str(url.with_query(None))
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return APITimeoutError(
            f"{where}: timed out connecting to {url.host}",
            method=method,
            url=public_url,
            request_sent=False,
        )
    if isinstance(exc, (aiohttp.ClientSSLError, aiohttp.ClientConnectorCertificateError)):
        return APIConnectionError(
            f"{where}: TLS error: {exc}",
            method=method,
            url=public_url,
            request_sent=False,
            transient=False,
        )
    if isinstance(exc, aiohttp.ClientConnectorError):
        return APIConnectionError(
            f"{where}: cannot connect to {url.host}:{url.port}: {exc.os_error.strerror or exc}",
            method=method,
            url=public_url,
            request_sent=False,
        )
    if isinstance(exc, (asyncio.TimeoutError, aiohttp.ServerTimeoutError)):
        return APITimeoutError(
            f"{where}: timed out waiting for the server", method=method, url=public_url
        )
    if isinstance(exc, aiohttp.TooManyRedirects):
        return APIConnectionError(
            f"{where}: too many redirects", method=method, url=public_url, transient=False
        )
    if isinstance(exc, aiohttp.ClientResponseError):
        # An answer aiohttp could not accept (e.g. a malformed status line). Its text would
        # carry the URL with its query, so name only aiohttp's reason (its first line).
        reason = str(exc.message).strip().splitlines()[0] if str(exc.message).strip() else ""
        return APIConnectionError(
            f"{where}: unusable answer: {reason or type(exc).__name__}",
            method=method,
            url=public_url,
        )
    if isinstance(exc, (aiohttp.InvalidURL, aiohttp.NonHttpUrlRedirectClientError)):
        return APIConnectionError(
            f"{where}: invalid redirect or URL: {type(exc).__name__}",
            method=method,
            url=public_url,
            transient=False,
        )
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return APIConnectionError(
            f"{where}: the server closed the connection without an answer",
            method=method,
            url=public_url,
        )
    if isinstance(exc, aiohttp.ClientPayloadError):
        return APIConnectionError(
            f"{where}: the answer was cut off: {exc}", method=method, url=public_url
        )
    return APIConnectionError(
        f"{where}: connection failed: {type(exc).__name__}: {exc}", method=method, url=public_url
    )
