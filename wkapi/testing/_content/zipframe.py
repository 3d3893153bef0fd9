"""Hand-written ZIP records for STORED entries whose data is produced elsewhere.

``zipfile`` needs the data in hand to write an entry; synthetic bodies only know each entry's size
and CRC-32, and stream the data themselves between the records built here.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass

from .zip import ZIP_DATE_TIME

_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_END = struct.Struct("<IHHHHIIH")
_END64 = struct.Struct("<IQHHIIQQQQ")
_LOCATOR64 = struct.Struct("<IIQI")
_ZIP64_EXTRA_ID = 0x0001
_UTF8_NAME_FLAG = 0x0800
_MAX32 = 0xFFFFFFFF
_UNIX_FILE_MODE = 0o100644 << 16


def _dos_date_time() -> tuple[int, int]:
    year, month, day, hour, minute, second = ZIP_DATE_TIME
    return (year - 1980) << 9 | month << 5 | day, hour << 11 | minute << 5 | second // 2


_DOS_DATE, _DOS_TIME = _dos_date_time()


@dataclass(frozen=True)
class StoredEntry:
    """One STORED (uncompressed) entry: its name, CRC-32, size and local header offset."""

    name: str
    crc: int
    size: int
    offset: int
    zip64: bool = False


def local_header(entry: StoredEntry) -> bytes:
    """The local file header that precedes ``entry``'s data."""
    name, flags = _encode_name(entry.name)
    extra = b""
    size = entry.size
    if entry.zip64:
        extra = struct.pack("<HHQQ", _ZIP64_EXTRA_ID, 16, entry.size, entry.size)
        size = _MAX32
    record = _LOCAL.pack(
        0x04034B50,
        _version(entry.zip64),
        flags,
        0,
        _DOS_TIME,
        _DOS_DATE,
        entry.crc,
        size,
        size,
        len(name),
        len(extra),
    )
    return record + name + extra


def central_directory(entries: Sequence[StoredEntry], *, offset: int) -> bytes:
    """The central directory of ``entries`` starting at ``offset``, and the end records.

    ZIP64 end records are added when any entry is ZIP64 or an offset needs more than 32 bits.
    """
    records = b"".join(_central_record(entry) for entry in entries)
    zip64 = any(entry.zip64 for entry in entries) or offset >= _MAX32
    count = len(entries)
    end = b""
    if zip64:
        end64_offset = offset + len(records)
        end = _END64.pack(
            0x06064B50, _END64.size - 12, _made_by(True), 45, 0, 0, count, count,
            len(records), offset,
        )  # fmt: skip
        end += _LOCATOR64.pack(0x07064B50, 0, end64_offset, 1)
    end += _END.pack(0x06054B50, 0, 0, count, count, len(records), min(offset, _MAX32), 0)
    return records + end


def _central_record(entry: StoredEntry) -> bytes:
    name, flags = _encode_name(entry.name)
    zip64_fields: list[int] = []
    size = entry.size
    if entry.zip64:
        zip64_fields += [entry.size, entry.size]
        size = _MAX32
    offset = entry.offset
    if offset >= _MAX32:
        zip64_fields.append(offset)
        offset = _MAX32
    extra = b""
    if zip64_fields:
        extra = struct.pack(
            f"<HH{len(zip64_fields)}Q", _ZIP64_EXTRA_ID, 8 * len(zip64_fields), *zip64_fields
        )
    needs_zip64 = bool(zip64_fields)
    record = _CENTRAL.pack(
        0x02014B50,
        _made_by(needs_zip64),
        _version(needs_zip64),
        flags,
        0,
        _DOS_TIME,
        _DOS_DATE,
        entry.crc,
        size,
        size,
        len(name),
        len(extra),
        0,
        0,
        0,
        _UNIX_FILE_MODE,
        offset,
    )
    return record + name + extra


def _encode_name(name: str) -> tuple[bytes, int]:
    if name.isascii():
        return name.encode("ascii"), 0
    return name.encode("utf-8"), _UTF8_NAME_FLAG


def _version(zip64: bool) -> int:
    return 45 if zip64 else 20


def _made_by(zip64: bool) -> int:
    return 3 << 8 | _version(zip64)
