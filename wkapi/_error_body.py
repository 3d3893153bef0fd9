"""Read the server's error messages out of whichever body form it used.

WEBKNOSSOS answers errors in several shapes (``server-behavior.md`` section 5):

- controller errors: ``{"messages": [{"error": "..."}, {"chain": "..."}]}``
- Play's form validation: ``{"obj.taskTypeId": [{"msg": ["error.path.missing"], "args": []}]}``
- JSON validation: ``{"errors": [{"field": "/name", "error": "..."}], "messages": [...]}``
- the authentication layer: ``{"success": false, "message": "silhouette.not.authenticated"}``
- router, parser and crash pages: HTML (title or first line of text)
- proxies: HTML or plain text; sometimes nothing at all.
"""

from __future__ import annotations

import html
import re
from typing import Any

import attrs
import orjson

__all__ = ["ERROR_BODY_CAP", "ErrorBody", "parse_error_body"]

#: How much of an error body is read and kept (the rest is never read).
ERROR_BODY_CAP = 64 * 1024
_TEXT_KEEP = 2000
_MESSAGE_MAX = 500

_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_H1 = re.compile(rb"<h1[^>]*>(.*?)</h1>", re.IGNORECASE | re.DOTALL)
_DROP_BLOCKS = re.compile(rb"<(script|style|head)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(rb"<[^>]*>")
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


def _from_html(raw: bytes) -> list[str]:
    for pattern in (_TITLE, _H1):
        match = pattern.search(raw)
        if match:
            text = _clean(html.unescape(_decode(_TAG.sub(b" ", match.group(1)))))
            if text:
                # Play's error pages put the real reason in the first <h1> after a generic title.
                heading = _H1.search(raw)
                if pattern is _TITLE and heading:
                    detail = _clean(html.unescape(_decode(_TAG.sub(b" ", heading.group(1)))))
                    if detail and detail != text:
                        return [f"{text}: {detail}"]
                return [text]
    body = _TAG.sub(b"\n", _DROP_BLOCKS.sub(b"", raw))
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
