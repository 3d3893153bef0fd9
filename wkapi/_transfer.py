"""Streamed transfers, the import surface resources use.

- Downloads (:mod:`wkapi._download`): :func:`open_download` yields a :class:`DownloadBody` to
  iterate; :func:`download_to` writes its own ``<name>.<random>.part``, checks the length,
  fsyncs and renames. Body-level retries live in :mod:`wkapi._fetch`, the disk side in
  :mod:`wkapi._partfile`.
- Uploads (:mod:`wkapi._upload`): :func:`post_files` sends a replayable ``multipart/form-data``
  body with a ``Content-Length``, read from disk in chunks after :func:`check_upload_files`.
- File names (:mod:`wkapi._filenames`): :func:`safe_filename` from ``Content-Disposition``.
- Progress (:mod:`wkapi._progress`): a ``callback(done, total)`` or an object with ``update``.
"""

from __future__ import annotations

from ._download import (
    CHUNK_SIZE,
    DestinationExistsError,
    DownloadBody,
    DownloadResult,
    download_to,
    open_download,
)
from ._filenames import safe_filename
from ._progress import ProgressCallback, ProgressReporter
from ._upload import UPLOAD_SUFFIXES, check_upload_files, post_files

__all__ = [
    "CHUNK_SIZE",
    "UPLOAD_SUFFIXES",
    "DestinationExistsError",
    "DownloadBody",
    "DownloadResult",
    "ProgressCallback",
    "ProgressReporter",
    "check_upload_files",
    "download_to",
    "open_download",
    "post_files",
    "safe_filename",
]
