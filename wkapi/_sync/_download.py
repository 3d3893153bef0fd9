"""The sync face of a streamed download: a context manager giving a :class:`SyncDownloadBody`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from types import TracebackType
from typing import cast

from .._download import DownloadBody
from ._portal import Hosted, Portal

__all__ = ["SyncDownloadBody", "SyncDownloadStream"]


async def _body_then_chunks(
    opener: AbstractAsyncContextManager[DownloadBody],
) -> AsyncIterator[DownloadBody | bytes]:
    """The opened body first, then its chunks, all inside one ``async with``."""
    async with opener as body:
        yield body
        async for chunk in body:
            yield chunk


class SyncDownloadBody:
    """An open download: ``filename``, ``content_type``, ``size`` and its bytes.

    .. code-block:: python

        with wk.annotations.stream("Explorational", annotation_id) as body:
            for chunk in body:
                ...

    The sync face of :class:`~wkapi.DownloadBody`, with its semantics: ``size`` is ``None`` for
    a chunked answer without ``Content-Length``; iterate once; each chunk is read from the socket
    only when the loop asks for it (nothing is read ahead), so memory stays flat and a slow reader
    slows the server down; a broken body is continued with ``Range`` where the server allows,
    otherwise :class:`~wkapi.IncompleteDownloadError` (or the connection error) is raised.
    """

    def __init__(self, body: DownloadBody, hosted: Hosted[DownloadBody | bytes]) -> None:
        self._body = body
        self._hosted = hosted
        self._started = False
        #: A safe local file name: the server's, sanitised, or the fallback.
        self.filename = body.filename

    @property
    def content_type(self) -> str:
        """The media type of the body (``application/xml``, ``application/zip``)."""
        return self._body.content_type

    @property
    def size(self) -> int | None:
        """The body's length in bytes, ``None`` when the server did not announce it."""
        return self._body.size

    @property
    def received(self) -> int:
        """Bytes handed out so far."""
        return self._body.received

    def __repr__(self) -> str:
        return f"<SyncDownloadBody {self.filename!r} {self.content_type} size={self.size}>"

    def __iter__(self) -> Iterator[bytes]:
        if self._started:
            raise RuntimeError("a download body can be iterated only once")
        self._started = True
        return self._chunks()

    def _chunks(self) -> Iterator[bytes]:
        while True:
            items, exhausted = self._hosted.next_batch()
            for item in items:
                yield cast(bytes, item)
            if exhausted:
                return


class SyncDownloadStream(AbstractContextManager[SyncDownloadBody]):
    """``with wk.annotations.stream(...) as body:`` in a sync client.

    Entering sends the request (a request slot is held from then on); leaving closes the
    response and gives the slot back, also when the body was not read to its end.
    """

    def __init__(self, portal: Portal, opener: AbstractAsyncContextManager[DownloadBody]) -> None:
        portal.check_open()
        self._portal = portal
        self._opener = opener
        self._hosted: Hosted[DownloadBody | bytes] | None = None

    def __enter__(self) -> SyncDownloadBody:
        if self._hosted is not None:
            raise RuntimeError("a download stream can be entered only once")
        hosted = self._hosted = self._portal.host(_body_then_chunks(self._opener), batch=1)
        try:
            items, _ = hosted.next_batch()
        except BaseException:
            hosted.close(wait=False)  # its task has ended (or was cancelled and cleaned up)
            raise
        return SyncDownloadBody(cast(DownloadBody, items[0]), hosted)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._hosted is not None:
            self._hosted.close(wait=True)
