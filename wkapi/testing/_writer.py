"""The one place response bodies are written, so body faults apply to every response alike.

Handlers return ordinary responses, or a :class:`DeferredBody` for downloads. The fault
middleware hands every response to :func:`send`, which streams deferred bodies in chunks with
backpressure and applies ``TRUNCATE`` and ``SLOW_BODY``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping

from aiohttp import web

from ._bodies import BodySource, BytesSource
from ._faults import Fault, FaultKind

_BODY_FAULTS = (FaultKind.TRUNCATE, FaultKind.SLOW_BODY)


class DeferredBody(web.StreamResponse):
    """A response whose body :func:`send` streams from ``source`` after the handler returned.

    ``abandoned`` tells afterwards whether the client went away before the whole body was sent.
    """

    abandoned = False

    def __init__(
        self,
        source: BodySource,
        *,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        start: int = 0,
        chunked: bool = False,
    ) -> None:
        super().__init__(status=status, headers=headers)
        self.source = source
        self.start = start
        self.content_type = source.content_type
        if chunked:
            self.enable_chunked_encoding()
        else:
            self.content_length = source.size - start


def cut_connection(request: web.BaseRequest) -> None:
    """Close the client's connection now (buffered bytes are flushed first)."""
    if request.transport is not None:
        request.transport.close()


async def send(
    request: web.Request, response: web.StreamResponse, fault: Fault | None
) -> web.StreamResponse:
    """Send ``response``'s body through the fault-aware path where needed; return what aiohttp
    should finish (an already prepared response is left alone by aiohttp)."""
    body_fault = fault if fault is not None and fault.kind in _BODY_FAULTS else None
    if isinstance(response, DeferredBody):
        return await _stream(request, response, response.source.chunks(response.start), body_fault)
    if body_fault is None or not isinstance(response, web.Response) or response.prepared:
        return response
    body = response.body
    data = body if isinstance(body, bytes) else b""
    replacement = DeferredBody(
        BytesSource(data, response.content_type), status=response.status, headers=response.headers
    )
    return await _stream(request, replacement, replacement.source.chunks(), body_fault)


async def _stream(
    request: web.Request,
    response: web.StreamResponse,
    chunks: AsyncIterator[bytes],
    fault: Fault | None,
) -> web.StreamResponse:
    try:
        try:
            await response.prepare(request)
            sent = 0
            async for chunk in chunks:
                if fault is not None and fault.kind is FaultKind.TRUNCATE:
                    room = fault.after_bytes - sent
                    if len(chunk) >= room:
                        await response.write(chunk[:room])
                        cut_connection(request)
                        return response
                if fault is not None and fault.kind is FaultKind.SLOW_BODY:
                    await _write_slowly(response, chunk, fault)
                else:
                    await response.write(chunk)
                sent += len(chunk)
        except ConnectionError:
            if isinstance(response, DeferredBody):
                response.abandoned = True  # the client went away before the end of the body
            return response
        if fault is not None and fault.kind is FaultKind.TRUNCATE:
            cut_connection(request)  # the body was shorter than after_bytes: cut at its end
            return response
        with contextlib.suppress(ConnectionError):  # every byte is out; the client may be gone
            await response.write_eof()
        return response
    finally:
        await _close(chunks)


async def _write_slowly(response: web.StreamResponse, chunk: bytes, fault: Fault) -> None:
    step = max(fault.piece_size, 1)
    for offset in range(0, len(chunk), step):
        await response.write(chunk[offset : offset + step])
        await asyncio.sleep(fault.delay)


async def _close(chunks: AsyncIterator[bytes]) -> None:
    close = getattr(chunks, "aclose", None)
    if close is not None:
        await close()
