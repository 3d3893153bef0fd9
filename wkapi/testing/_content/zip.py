"""Writing ZIP archives: small text entries deflated, the rest stored, files copied in chunks."""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

COPY_CHUNK = 1 << 20
# Larger text entries are stored: deflating hundreds of megabytes would make the fake server slow.
DEFLATE_MAX_SIZE = 32 << 20
_DEFLATED_SUFFIXES = (".nml", ".xml", ".json", ".txt")
# A fixed timestamp keeps archives byte-for-byte reproducible.
ZIP_DATE_TIME = (2020, 1, 1, 0, 0, 0)


def write_zip(entries: Iterable[tuple[str, Path | bytes]], dest: BinaryIO) -> None:
    """Write a ZIP archive of ``entries`` (name, file path or bytes) to ``dest``.

    Small NML, XML and JSON entries are deflated, others stored. Files are copied in 1 MiB chunks,
    never read whole; entries above 2 GiB get ZIP64 records. ``dest`` need not be seekable. The
    output is deterministic: a fixed timestamp and permissions, whatever the files' metadata.
    """
    with zipfile.ZipFile(dest, "w", allowZip64=True) as archive:
        for name, source in entries:
            if isinstance(source, bytes):
                archive.writestr(_zip_info(name, len(source)), source)
                continue
            info = _zip_info(name, source.stat().st_size)
            with source.open("rb") as src, archive.open(info, "w") as out:
                shutil.copyfileobj(src, out, COPY_CHUNK)


def repack_zip(source: Path, dest: Path) -> None:
    """Copy every file entry of the ZIP archive ``source`` into a new archive at ``dest``,
    written as :func:`write_zip` writes (fixed timestamps and permissions, its compression
    choice), in 1 MiB chunks. Raises ``zipfile.BadZipFile`` (and what a corrupt entry raises)
    for a source that is not a valid ZIP."""
    with (
        zipfile.ZipFile(source) as archive,
        dest.open("wb") as handle,
        zipfile.ZipFile(handle, "w", allowZip64=True) as out,
    ):
        for info in archive.infolist():
            if info.is_dir():
                continue
            with (
                archive.open(info) as src,
                out.open(_zip_info(info.filename, info.file_size), "w") as dst,
            ):
                shutil.copyfileobj(src, dst, COPY_CHUNK)


def _zip_info(name: str, size: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, ZIP_DATE_TIME)
    info.create_system = 3  # unix; the default depends on the platform writing the archive
    info.external_attr = 0o100644 << 16
    # A known size lets zipfile decide on ZIP64 records before it writes the local header.
    info.file_size = size
    deflate = name.lower().endswith(_DEFLATED_SUFFIXES) and size <= DEFLATE_MAX_SIZE
    info.compress_type = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
    return info
