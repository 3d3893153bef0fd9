"""Safe local file names from a download's ``Content-Disposition`` header.

The server names the file (``attachment;filename="<name>.nml"``, RFC 5987 ``filename*=`` for
non-ASCII names). That name comes from annotation and project names that users type, so it is
treated as hostile: only its last path component is kept, control and reserved characters are
replaced, leading dots are dropped (no hidden files, no ``..``) and the length is bounded. A name
without ``.nml`` or ``.zip`` gets the one its content type calls for, and no name ends in
``.part`` (the suffix of downloads in progress). When nothing usable is left, the caller's
fallback name is used with a suffix chosen by content type.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote

__all__ = ["safe_filename"]

#: Longest name in bytes (UTF-8). File systems allow 255; a part file's suffix needs room.
MAX_NAME_BYTES = 200

#: The suffixes of the files a download is: an NML, or a ZIP (of NMLs, or with volume data).
_OUR_SUFFIXES = (".nml", ".zip")
#: Content types that say which of them a body is.
_TYPED_SUFFIXES = {"application/xml": ".nml", "text/xml": ".nml", "application/zip": ".zip"}
#: The suffix of part files (see :mod:`wkapi._partfile`); no final name may end in it.
_PART_SUFFIX = ".part"

# Characters that are not allowed (Windows) or are separators somewhere; replaced by "_".
_RESERVED = re.compile(r'[<>:"/\\|?*]')
# Windows device names, refused as a stem even with a suffix ("con.nml").
_DEVICE_NAMES = frozenset(
    ["con", "prn", "aux", "nul"]
    + [f"com{i}" for i in range(1, 10)]
    + [f"lpt{i}" for i in range(1, 10)]
)
_TOKEN = re.compile(r"[^\s;=\"]+")


def _split_params(value: str) -> list[tuple[str, str]]:
    """The ``name=value`` parameters of a header value, quoted strings unescaped.

    Tolerant by design: a missing space after ``;``, unquoted values and junk between
    parameters are all accepted; what cannot be parsed is skipped.
    """
    params: list[tuple[str, str]] = []
    i, n = 0, len(value)
    while i < n:
        semi = value.find(";", i)
        if semi < 0:
            break
        i = semi + 1
        while i < n and value[i] in " \t":
            i += 1
        match = _TOKEN.match(value, i)
        if match is None:
            continue
        name = match.group().lower()
        i = match.end()
        while i < n and value[i] in " \t":
            i += 1
        if i >= n or value[i] != "=":
            continue
        i += 1
        while i < n and value[i] in " \t":
            i += 1
        if i < n and value[i] == '"':
            chars: list[str] = []
            i += 1
            while i < n and value[i] != '"':
                if value[i] == "\\" and i + 1 < n:
                    i += 1
                chars.append(value[i])
                i += 1
            i += 1  # the closing quote
            params.append((name, "".join(chars)))
        else:
            end = value.find(";", i)
            end = n if end < 0 else end
            params.append((name, value[i:end].strip()))
            i = end
    return params


def _decode_ext_value(value: str) -> str | None:
    """Decode an RFC 5987 ``charset'lang'pct-encoded`` value; ``None`` if it is not one."""
    parts = value.split("'", 2)
    if len(parts) != 3:
        return None
    charset = parts[0].strip().lower() or "utf-8"
    if charset not in ("utf-8", "utf8", "iso-8859-1", "latin-1", "latin1", "us-ascii"):
        return None
    try:
        return unquote(parts[2], encoding=charset, errors="strict")
    except (UnicodeDecodeError, LookupError):
        return None


def disposition_filename(content_disposition: str | None) -> str | None:
    """The raw file name a ``Content-Disposition`` value proposes (``filename*`` wins), or
    ``None``. Not safe to use as a path: see :func:`safe_filename`."""
    if not content_disposition:
        return None
    # A leading ";" lets the parser treat the disposition type like the parameters that follow.
    params = dict(_split_params(";" + content_disposition.split(";", 1)[-1]))
    extended = params.get("filename*")
    if extended is not None:
        decoded = _decode_ext_value(extended)
        if decoded:
            return decoded
    return params.get("filename") or None


def truncate_utf8(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` bytes of UTF-8, never inside a character."""
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    return encoded[:limit].decode("utf-8", errors="ignore")


def sanitize(name: str) -> str | None:
    """``name`` made safe as one file name in a directory, or ``None`` if nothing usable is left."""
    name = unicodedata.normalize("NFC", name)
    # Only the last component survives, whichever separator the sender had in mind.
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(
        "_" if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp") else ch
        for ch in name
    )
    name = _RESERVED.sub("_", name)
    # No hidden files and no "." or "..": drop leading dots and blanks; Windows drops trailing ones.
    name = name.lstrip(". ").rstrip(". ")
    if not name or not name.strip("_"):
        return None
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    if stem.lower() in _DEVICE_NAMES or name.lower() in _DEVICE_NAMES:
        name = "_" + name
        stem = "_" + stem
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        if dot and 0 < len(suffix.encode("utf-8")) <= 16:
            room = MAX_NAME_BYTES - len(suffix.encode("utf-8")) - 1
            name = truncate_utf8(stem, room).rstrip(". ") + "." + suffix
        else:
            name = truncate_utf8(name, MAX_NAME_BYTES).rstrip(". ")
    return name or None


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def suffix_for(content_type: str | None) -> str:
    """``.nml`` for XML answers, ``.zip`` for anything else (ZIPs and unknown binary types)."""
    return ".nml" if _media_type(content_type).endswith("xml") else ".zip"


def _with_suffix(name: str, suffix: str) -> str:
    """``name`` plus ``suffix``, cut so that the whole stays within :data:`MAX_NAME_BYTES`."""
    room = MAX_NAME_BYTES - len(suffix.encode("utf-8"))
    return truncate_utf8(name, room).rstrip(". ") + suffix


def _server_name_suffix(name: str, content_type: str | None) -> str | None:
    """The suffix a safe server name lacks: the one its content type calls for when it has
    neither ``.nml`` nor ``.zip``, or, for a name ending in ``.part`` whatever the type, the
    fallback's; ``None`` when it is fine as it is."""
    lowered = name.lower()
    if lowered.endswith(_OUR_SUFFIXES):
        return None
    typed = _TYPED_SUFFIXES.get(_media_type(content_type))
    if typed is None and lowered.endswith(_PART_SUFFIX):
        return suffix_for(content_type)
    return typed


def safe_filename(
    content_disposition: str | None, fallback_name: str, content_type: str | None
) -> str:
    """The local file name for a download.

    The name proposed by ``content_disposition`` (``filename*=`` preferred over ``filename=``,
    quoted or not), made safe: no directory parts, no control or reserved characters, no leading
    dot, at most :data:`MAX_NAME_BYTES` bytes with the suffix kept. A name with neither ``.nml``
    nor ``.zip`` gets ``.nml`` (``application/xml``, ``text/xml``) or ``.zip``
    (``application/zip``) by ``content_type`` (other types leave it as it is), and a name ending
    in ``.part`` always gets one (``.zip`` for other types), so no final name looks like a
    download in progress. When the header is missing or leaves nothing usable,
    ``fallback_name`` (made safe too) plus ``.nml`` or ``.zip`` by ``content_type``, unless it
    already ends in one of them.
    """
    proposed = disposition_filename(content_disposition)
    if proposed is not None:
        safe = sanitize(proposed)
        if safe is not None:
            suffix = _server_name_suffix(safe, content_type)
            return safe if suffix is None else _with_suffix(safe, suffix)
    base = sanitize(fallback_name) or "download"
    if not base.lower().endswith(_OUR_SUFFIXES):
        base = _with_suffix(base, suffix_for(content_type))
    return base
