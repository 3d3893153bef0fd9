"""Reading query parameters, path ids and JSON bodies the way Play does (HTML 400 on failure)."""

from __future__ import annotations

import re
import unicodedata

import orjson
from aiohttp import web

from .._errors import html_error, invalid_id

_ID = re.compile(r"[0-9a-f]{24}")
_BOOLS = {"true": True, "1": True, "false": False, "0": False}
_JAVA_INTEGER = re.compile(r"([+-]?)(\d+)")
_LAST_BMP_CHAR = "\uffff"
_MAX_LONG_DIGITS = len(str(1 << 63))
_INTEGER_BITS = {"Int": 32, "Long": 64}
_JAVA_TRIMMED = "".join(chr(code) for code in range(0x21))
_JSON_MEDIA_TYPE = re.compile(r"(application|text)/json|application/[^/\s;]+\+json")
JSON_BODY_LIMIT = 250 * 1024 * 1024


def object_id(value: str) -> str:
    """``value`` if it is a well-formed id, else the 400 "passed resource id is invalid"."""
    if _ID.fullmatch(value) is None:
        raise invalid_id(value)
    return value


def query_bool(request: web.Request, name: str) -> bool | None:
    """An optional Boolean parameter as Play binds it: ``true``/``1`` or ``false``/``0``,
    surrounding whitespace trimmed; anything else is the HTML 400."""
    raw = request.query.get(name)
    if raw is None:
        return None
    value = _BOOLS.get(_java_trim(raw))
    if value is None:
        detail = f"Cannot parse parameter {name} as Boolean: should be true, false, 0 or 1"
        raise html_error(request, 400, detail)
    return value


def query_int(request: web.Request, name: str) -> int | None:
    """An optional Int parameter (32 bits, Java syntax); unparsable: the HTML 400."""
    return _query_integer(request, name, "Int")


def query_long(request: web.Request, name: str) -> int | None:
    """An optional Long parameter (64 bits, Java syntax); unparsable: the HTML 400."""
    return _query_integer(request, name, "Long")


def require_query_long(request: web.Request, name: str) -> int:
    """A required Long parameter; absent: Play's HTML 400 "Missing parameter"."""
    value = query_long(request, name)
    if value is None:
        raise html_error(request, 400, f"Missing parameter: {name}")
    return value


def _query_integer(request: web.Request, name: str, kind: str) -> int | None:
    raw = request.query.get(name)
    if raw is None:
        return None
    value = parse_java_integer(raw, _INTEGER_BITS[kind])
    if value is None:
        detail = f'Cannot parse parameter {name} as {kind}: For input string: "{raw}"'
        raise html_error(request, 400, detail)
    return value


def parse_java_integer(text: str, bits: int) -> int | None:
    """``text`` as Java's ``Integer.parseInt``/``Long.parseLong`` read it, or None where Java
    would throw: an optional ASCII sign and decimal digits (any script's, as ``Character.digit``
    takes them, but none outside the BMP), nothing else, within ``bits`` signed bits.

    Python's ``int()`` is more lenient (``1_0``, surrounding spaces), hence the pattern; and it
    refuses strings of over 4300 digits, which Java reads (leading zeros) or refuses as too large.
    """
    match = _JAVA_INTEGER.fullmatch(text)
    if match is None or max(text) > _LAST_BMP_CHAR:
        return None
    sign, digits = match.groups()
    if not digits.isascii():
        digits = "".join(str(unicodedata.decimal(digit)) for digit in digits)
    digits = digits.lstrip("0") or "0"
    if len(digits) > _MAX_LONG_DIGITS:
        return None
    value = int(sign + digits)
    limit = 1 << (bits - 1)
    return value if -limit <= value < limit else None


def _java_trim(text: str) -> str:
    """Java's ``String.trim``: strips every character up to U+0020 from both ends."""
    return text.strip(_JAVA_TRIMMED)


async def json_body(request: web.Request) -> object:
    """The parsed JSON body; malformed JSON is Play's HTML 400, too large an HTML 413."""
    return parse_json(request, await json_body_bytes(request))


async def json_body_bytes(request: web.Request) -> bytes:
    """The raw body of a JSON request; parse it with :func:`parse_json`.

    As Play's JSON body parser: a content type other than ``application/json``, ``text/json`` or
    ``application/*+json`` (parameters such as ``charset`` allowed) is the HTML 415, checked
    first; a body above the limit the HTML 413.
    """
    if not is_json_content_type(request.headers.get("Content-Type", "")):
        raise html_error(request, 415, "Expecting text/json or application/json body")
    if request.content_length is not None and request.content_length > JSON_BODY_LIMIT:
        raise html_error(request, 413, "Request Entity Too Large")
    return await request.read()


def is_json_content_type(header: str) -> bool:
    """Whether a ``Content-Type`` header names a JSON media type (case-insensitive)."""
    media_type = header.split(";", 1)[0].strip().lower()
    return _JSON_MEDIA_TYPE.fullmatch(media_type) is not None


def parse_json(request: web.Request, raw: bytes) -> object:
    """The parsed body; malformed JSON is Play's HTML 400."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise html_error(request, 400, f"Invalid Json: {exc}") from None
