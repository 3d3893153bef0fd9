"""Reading query parameters, path ids and JSON bodies the way Play does (HTML 400 on failure)."""

from __future__ import annotations

import re

import orjson
from aiohttp import web

from ._errors import html_error, invalid_id

_ID = re.compile(r"[0-9a-f]{24}")
_BOOLS = {"true": True, "1": True, "false": False, "0": False}
JSON_BODY_LIMIT = 250 * 1024 * 1024


def object_id(value: str) -> str:
    """``value`` if it is a well-formed id, else the 400 "passed resource id is invalid"."""
    if _ID.fullmatch(value) is None:
        raise invalid_id(value)
    return value


def query_bool(request: web.Request, name: str) -> bool | None:
    raw = request.query.get(name)
    if raw is None:
        return None
    if raw not in _BOOLS:
        detail = f"Cannot parse parameter {name} as Boolean: should be true, false, 0 or 1"
        raise html_error(request, 400, detail)
    return _BOOLS[raw]


def query_int(request: web.Request, name: str) -> int | None:
    raw = request.query.get(name)
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        detail = f'Cannot parse parameter {name} as Int: For input string: "{raw}"'
        raise html_error(request, 400, detail) from None


def require_query_int(request: web.Request, name: str) -> int:
    value = query_int(request, name)
    if value is None:
        raise html_error(request, 400, f"Missing parameter: {name}")
    return value


async def json_body(request: web.Request) -> object:
    """The parsed JSON body; malformed JSON is Play's HTML 400, too large an HTML 413."""
    return parse_json(request, await json_body_bytes(request))


async def json_body_bytes(request: web.Request) -> bytes:
    """The raw body of a JSON request (HTML 413 if it is too large); parse it with
    :func:`parse_json`."""
    if request.content_length is not None and request.content_length > JSON_BODY_LIMIT:
        raise html_error(request, 413, "Request Entity Too Large")
    return await request.read()


def parse_json(request: web.Request, raw: bytes) -> object:
    """The parsed body; malformed JSON is Play's HTML 400."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise html_error(request, 400, f"Invalid Json: {exc}") from None
