"""The synchronous face of wkapi: :class:`SyncClient`, a thin, typed layer over the async client.

One event loop per client runs in a background thread (:mod:`._portal`); the resource classes
and :class:`SyncClient` are generated from the async ones by ``tools/generate_sync.py``
(:mod:`._generated`); pagers and download streams have sync faces of their own (:mod:`._pager`,
:mod:`._download`). No behaviour is implemented twice: every call runs the async code.
"""

from ._download import SyncDownloadBody
from ._generated import SyncClient
from ._pager import SyncPager

__all__ = ["SyncClient", "SyncDownloadBody", "SyncPager"]
