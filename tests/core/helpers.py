"""Plain helpers of the core tests (their fixtures are in the suite's conftest, ``serve`` and
``make_session``, and in the folder's, ``mocked`` and ``session``)."""

from __future__ import annotations

import inspect
from typing import Any

from aiohttp import ClientResponse, web

#: The URL of the aioresponses-mocked session (never resolved).
BASE = "http://wk.invalid"


def json_response(data: Any, status: int = 200, **headers: str) -> web.Response:
    return web.json_response(data, status=status, headers=headers)


# aioresponses with aiohttp >= 3.14: aiohttp 3.14 made ``stream_writer`` a required argument of
# ``ClientResponse`` and aioresponses 0.7.x does not pass it (pnuckowski/aioresponses#289). The
# mock response never wrote a request, so a writer that reports zero bytes sent is all it needs.
_NEEDS_WRITER = "stream_writer" in inspect.signature(ClientResponse.__init__).parameters


class _SentNothing:
    output_size = 0


class CompatResponse(ClientResponse):
    """A ``ClientResponse`` that aioresponses can build on every aiohttp version."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if _NEEDS_WRITER:
            kwargs.setdefault("stream_writer", _SentNothing())
        super().__init__(*args, **kwargs)
