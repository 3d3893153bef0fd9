"""The per-hop authentication middleware: ``X-Auth-Token`` only to trusted origins.

aiohttp runs client middlewares once per redirect hop, and on a cross-origin redirect strips only
``Authorization`` and cookies, not custom headers. So the token is never put into the session's or
the request's headers: this middleware adds it to each hop whose origin is trusted (the configured
server and the datastores/tracingstores it names) and removes it from every other hop.
"""

from __future__ import annotations

import yarl
from aiohttp import ClientRequest, ClientResponse
from aiohttp.client_middlewares import ClientHandlerType

__all__ = ["TOKEN_HEADER", "TokenAuth", "origin_of"]

TOKEN_HEADER = "X-Auth-Token"

Origin = tuple[str, str, int]


def origin_of(url: yarl.URL | str) -> Origin:
    """``(scheme, host, port)`` of a URL, with the default port filled in."""
    parsed = url if isinstance(url, yarl.URL) else yarl.URL(url)
    scheme = (parsed.scheme or "").lower()
    return scheme, (parsed.host or "").lower(), parsed.port or (443 if scheme == "https" else 80)


class TokenAuth:
    """A client middleware that sends the token to trusted origins only."""

    __slots__ = ("_origins", "_token")

    def __init__(self, token: str | None, server_url: yarl.URL) -> None:
        self._token = token
        self._origins: set[Origin] = {origin_of(server_url)}

    def __repr__(self) -> str:
        return f"TokenAuth(token={'***' if self._token else None}, origins={len(self._origins)})"

    def trust(self, url: str | yarl.URL) -> None:
        """Also send the token to this URL's origin (a datastore or tracingstore the server
        named)."""
        try:
            origin = origin_of(url)
        except (TypeError, ValueError):
            return
        if origin[0] in ("http", "https") and origin[1]:
            self._origins.add(origin)

    async def __call__(self, request: ClientRequest, handler: ClientHandlerType) -> ClientResponse:
        if self._token is not None and origin_of(request.url) in self._origins:
            request.headers[TOKEN_HEADER] = self._token
        else:
            request.headers.popall(TOKEN_HEADER, None)
        return await handler(request)
