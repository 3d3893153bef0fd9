"""Plain helpers of the resource tests (fixtures live in the conftest): the recording proxy's
records, what the client sent, byte for byte, and the published v5 route list
(``v5_routes.txt`` beside this file) with what a route tour left unreached (the async tour's and
the sync client's)."""

from __future__ import annotations

import email.parser
import email.policy
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import orjson

from tests.resources.route_table import ROUTE_METHODS, RouteCall
from wkapi import Client
from wkapi.testing import FakeWebknossos

#: ``connect(server, role="admin", **options)``, the ``connect`` fixture's client factory.
ClientFactory = Callable[..., Client]


@attrs.define
class Recorded:
    """One request as the proxy forwarded it."""

    method: str
    path: str
    query: dict[str, str]
    raw_query: str
    content_type: str
    body: bytes

    def json(self) -> Any:
        return orjson.loads(self.body)

    def form(self) -> dict[str, bytes]:
        """The parts of a ``multipart/form-data`` body by their ``name``."""
        head = f"Content-Type: {self.content_type}\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + self.body)
        assert message.is_multipart(), self.content_type
        parts: dict[str, bytes] = {}
        for part in message.iter_parts():  # type: ignore[attr-defined]
            name = part.get_param("name", header="content-disposition")
            parts[name] = part.get_payload(decode=True)
        return parts


@attrs.define
class RecordingProxy:
    """Forwards every request to a fake server and records it exactly as the client sent it."""

    url: str
    seen: list[Recorded]

    def only(self, method: str, suffix: str) -> Recorded:
        """The one recorded request with this method whose path ends with ``suffix``."""
        hits = [r for r in self.seen if r.method == method and r.path.endswith(suffix)]
        assert len(hits) == 1, f"expected one {method} *{suffix}, saw {self.seen}"
        return hits[0]


ROUTES_FILE = Path(__file__).with_name("v5_routes.txt")


_ROUTE_LINE = re.compile(r"(GET|POST|PUT|PATCH|DELETE) (/\S*)")


# Ids in paths are object ids, so a literal route such as /projects/assignments never counts
# as a request of /projects/:id.
_ID_PARAMS = {":id", ":mergedId"}


def spec_routes() -> list[tuple[str, str]]:
    """``(method, path)`` of every route of the published route list, in its order."""
    routes = []
    for number, line in enumerate(ROUTES_FILE.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        match = _ROUTE_LINE.fullmatch(line)
        assert match is not None, f"{ROUTES_FILE.name}:{number}: not 'METHOD /path': {line!r}"
        routes.append((match[1], match[2]))
    assert len(routes) >= 40, f"only {len(routes)} routes read from {ROUTES_FILE}"
    assert len(set(routes)) == len(routes), f"a route is listed twice in {ROUTES_FILE}"
    return routes


def route_pattern(path: str) -> re.Pattern[str]:
    """A pattern of the concrete paths of a spec path (``:id`` an object id)."""
    parts = []
    for part in path.split("/"):
        if part in _ID_PARAMS:
            parts.append("[0-9a-f]{24}")
        elif part.startswith(":"):
            parts.append("[^/]+")
        else:
            parts.append(re.escape(part))
    return re.compile("/".join(parts))


def unreached(calls: list[RouteCall]) -> list[str]:
    """The spec routes that no successful request reached while the route's own client method
    (per :data:`ROUTE_METHODS`) was the outermost call in flight."""
    missing = []
    for method, path in spec_routes():
        route = f"{method} {path}"
        owner = ROUTE_METHODS[route]
        pattern = route_pattern(path)
        if not any(
            c.ok and c.outermost == owner and c.method == method and pattern.fullmatch(c.path)
            for c in calls
        ):
            missing.append(route)
    return missing


def successful_requests(server: FakeWebknossos) -> list[tuple[str, str]]:
    """``(method, route)`` of every request the fake server answered with a 2xx."""
    return [
        (r.method, r.route)
        for r in server.requests
        if r.status is not None and 200 <= r.status < 300
    ]
