"""Plain helpers of the resource tests (fixtures live in the conftest): the recording proxy's
records, what the client sent, byte for byte."""

from __future__ import annotations

import email.parser
import email.policy
from typing import Any

import attrs
import orjson


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
