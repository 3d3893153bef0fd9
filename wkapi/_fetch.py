"""One logical download over one or more HTTP answers: the body, reopened when it breaks.

A body that breaks mid-stream (reset, cut short, read timeout) is fetched again within the
client's :class:`~wkapi.RetryPolicy` (attempts, backoff, retry budget): continued with
``Range: bytes=<n>-`` where the server answers ``206`` with a ``Content-Range`` for the same total
size (and ``If-Range`` when it sent a validator), otherwise from byte 0, which the consumer must
accept (a file download truncates its ``.part``) or the download fails.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AsyncExitStack
from types import TracebackType

import aiohttp
from aiohttp import hdrs

from ._errors import APIError, APIStatusError, IncompleteDownloadError, InvalidResponseError
from ._failures import TRANSPORT_ERRORS, parse_error_body, read_error_body, transport_error
from ._session import QueryValue, Session

__all__ = ["Fetch", "RestartHook"]

logger = logging.getLogger(__name__)

_CONTENT_RANGE = re.compile(r"\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*", re.IGNORECASE)

RestartHook = Callable[[], Awaitable[None]]

# An annotation file is never sent as these: a 200 with one is a proxy's or a login page, or
# an error in JSON, and must not be saved as the file.
_NOT_A_FILE = frozenset({"application/json", "text/html"})


#: asyncio's socket transports read at most 256 KiB per call; a bulk body arrives in fewer,
#: larger reads (half the CPU per GiB on 127.0.0.1) when the transport may read 1 MiB at once.
_READ_SIZE = 1 << 20


def _read_in_big_pieces(response: aiohttp.ClientResponse) -> None:
    """Let the connection's transport read up to :data:`_READ_SIZE` per call, where it can."""
    connection = response.connection
    transport = connection.transport if connection is not None else None
    if transport is not None and getattr(transport, "max_size", _READ_SIZE) < _READ_SIZE:
        transport.max_size = _READ_SIZE  # type: ignore[attr-defined]


class Fetch:
    """One logical download: the open response, and reopening it when the body breaks."""

    def __init__(
        self, session: Session, path: str, params: Mapping[str, QueryValue] | None
    ) -> None:
        self._session = session
        self._path = path
        self._params = params
        self._url = str(session.url(path))
        self._stack: AsyncExitStack | None = None
        self._response: aiohttp.ClientResponse | None = None
        self._validator: str | None = None
        self._resumable = True
        self._failures = 0
        self.size: int | None = None
        self.content_type = "application/octet-stream"
        self.content_disposition: str | None = None
        #: Bytes of the body handed out so far (since the last restart).
        self.received = 0

    async def __aenter__(self) -> Fetch:
        response = await self._open({})
        self._adopt_full(response)
        self.content_type = response.content_type
        self.content_disposition = response.headers.get(hdrs.CONTENT_DISPOSITION)
        etag = response.headers.get(hdrs.ETAG)
        if etag and not etag.startswith("W/"):
            self._validator = etag
        else:
            self._validator = response.headers.get(hdrs.LAST_MODIFIED)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._close()

    async def _open(self, headers: dict[str, str]) -> aiohttp.ClientResponse:
        stack = AsyncExitStack()
        try:
            response = await stack.enter_async_context(
                self._session.stream("GET", self._path, params=self._params, headers=headers)
            )
        except BaseException:
            await stack.aclose()
            raise
        self._stack, self._response = stack, response
        _read_in_big_pieces(response)
        if response.content_type in _NOT_A_FILE:
            raise await self._not_a_file(response)
        return response

    async def _not_a_file(self, response: aiohttp.ClientResponse) -> InvalidResponseError:
        """The error for a 2xx answer that is a page or JSON instead of the file (closes it)."""
        try:
            raw = await read_error_body(response)
        finally:
            await self._close()
        parsed = parse_error_body(raw, response.content_type)
        detail = "; ".join(parsed.messages) if parsed.messages else "(empty)"
        return InvalidResponseError(
            f"GET {self._path}: expected a file, got {response.content_type}: {detail}",
            method="GET",
            url=self._url,
        )

    async def _close(self) -> None:
        stack, self._stack, self._response = self._stack, None, None
        if stack is not None:
            await stack.aclose()

    def _adopt_full(self, response: aiohttp.ClientResponse) -> None:
        """Take the size from an answer that starts at byte 0."""
        encoded = response.headers.get(hdrs.CONTENT_ENCODING, "identity").lower() != "identity"
        # A compressed body is decoded on the fly: its length says nothing about what we get.
        self._resumable = not encoded
        self.size = None if encoded else response.content_length

    async def pieces(self, *, on_restart: RestartHook | None) -> AsyncIterator[bytes]:
        """The body as it arrives from the socket, reopened when it breaks.

        Pieces are handed on as aiohttp received them (a few hundred KiB at most), without
        copying. When the body must restart from byte 0 after bytes were handed out,
        ``on_restart`` is awaited first (the consumer forgets them), or, without it, the
        download fails.
        """
        while True:
            error: APIError
            if self._response is None:
                raise RuntimeError("the download was closed")
            try:
                piece = await self._response.content.readany()
                if not piece and self.size is not None and self.received < self.size:
                    raise IncompleteDownloadError(
                        self.size, self.received, method="GET", url=self._url
                    )
            except IncompleteDownloadError as exc:
                error = exc
            except TRANSPORT_ERRORS as exc:
                error = transport_error(exc, "GET", self._session.url(self._path))
            else:
                if not piece:
                    return
                self.received += len(piece)
                yield piece
                continue
            await self._recover(error, on_restart)

    def _give_up(self, error: APIError) -> APIError:
        if self.size is None or isinstance(error, IncompleteDownloadError):
            return error
        final = IncompleteDownloadError(self.size, self.received, method="GET", url=self._url)
        final.__cause__ = error
        return final

    async def _recover(self, error: APIError, on_restart: RestartHook | None) -> None:
        """Reopen the download after its body broke, or raise when the policy says stop."""
        policy = self._session.config.retry
        self._failures += 1
        if self._failures >= policy.attempts or not self._session.budget.try_spend():
            await self._close()
            raise self._give_up(error)
        delay = policy.backoff(self._failures)
        logger.info(
            "retrying GET %s in %.2fs after %d bytes (attempt %d of %d): %s",
            self._path,
            delay,
            self.received,
            self._failures + 1,
            policy.attempts,
            error.message,
        )
        await self._close()
        await self._session.sleep(delay)
        response: aiohttp.ClientResponse | None = None
        if self.received and self._resumable:
            response = await self._open_range()
            if response is not None and response.status == 206:
                return
        if self.received and on_restart is None:
            await self._close()
            raise self._give_up(error)
        if response is None:
            response = await self._open({})
        self._adopt_full(response)
        if self.received:
            self.received = 0
            assert on_restart is not None
            await on_restart()

    async def _open_range(self) -> aiohttp.ClientResponse | None:
        """Ask for the rest of the body. The answer: a matching 206 (continue), a 200 (the whole
        body again), or ``None`` when the server's 206 or 416 cannot be used."""
        headers: dict[str, str] = {hdrs.RANGE: f"bytes={self.received}-"}
        if self._validator:
            headers[hdrs.IF_RANGE] = self._validator
        try:
            response = await self._open(headers)
        except APIStatusError as exc:
            if exc.status == 416:
                return None
            raise
        if response.status != 206:
            return response
        if self._range_matches(response):
            return response
        await self._close()
        return None

    def _range_matches(self, response: aiohttp.ClientResponse) -> bool:
        """Whether a 206 continues exactly where we are, for the same total size."""
        match = _CONTENT_RANGE.fullmatch(response.headers.get(hdrs.CONTENT_RANGE, ""))
        if match is None:
            return False
        start, end, total = int(match[1]), int(match[2]), match[3]
        if start != self.received or response.content_length not in (None, end - start + 1):
            return False
        if total == "*":
            return self.size is None
        if self.size is None:  # a chunked first answer: the server now tells the size
            self.size = int(total)
        return int(total) == self.size and end == self.size - 1
