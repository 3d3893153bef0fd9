"""Plain helpers shared by the test folders (fixtures live in the conftest files): the server
generations, the scripted server that the ``serve`` fixture starts, and mutating JSON documents
one part at a time (shared by the fuzz tests)."""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import attrs
import pytest
from aiohttp import web

#: The two server generations of server-behavior.md: the default newer one and a v5-era one.
GENERATIONS = [pytest.param(None, id="new"), pytest.param("23.08", id="old")]

TOKEN = "s3cr3t-t0ken-value-0123456789abcdef"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@attrs.define
class Seen:
    """One request as the test server saw it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    at: float


@attrs.define
class ScriptedServer:
    """A server started by the ``serve`` fixture: its URL and the requests it received."""

    url: str
    seen: list[Seen]

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def hits(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]


#: The type of the ``serve`` fixture (in the suite's conftest).
Serve = Callable[[Mapping[tuple[str, str], Handler] | Handler], Awaitable[ScriptedServer]]


def json_paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path (keys and indexes) into a JSON document, the root ``()`` included."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += json_paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += json_paths(item, (*prefix, index))
    return found


def replaced_at(document: Any, path: tuple[Any, ...], new: Any, *, delete: bool) -> Any:
    """A copy of ``document`` with the part at ``path`` replaced by ``new`` (or deleted)."""
    if not path:
        return new
    document = copy.deepcopy(document)
    parent = document
    for step in path[:-1]:
        parent = parent[step]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = new
    return document
