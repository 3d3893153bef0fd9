"""Route tables: each route module (in ``_routes``) lists its routes; ``/api`` and ``/api/vN``
serve them all."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_API_PATH = re.compile(r"^/api(?:/v(\d+))?(/.*)?$")


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    handler: Handler


def split_api_path(path: str) -> tuple[int | None, str]:
    """``/api/v5/tasks`` -> ``(5, "/tasks")``; ``/api/tasks`` -> ``(None, "/tasks")``."""
    match = _API_PATH.match(path)
    if match is None:
        return None, path
    version = int(match.group(1)) if match.group(1) else None
    return version, match.group(2) or "/"


def v5_adapter(request: web.Request) -> bool:
    """Whether a request reaches a route through the v5 path (``/api/v5/...``), where newer
    servers answer through their legacy adapter (which adds ``dataSet`` back to tasks)."""
    return split_api_path(request.path)[0] == 5


def register(app: web.Application, routes: Iterable[Route], versions: Iterable[int]) -> None:
    """Add every route under ``/api`` and ``/api/v{N}``, keeping the given order (a literal path
    such as ``/projects/assignments`` must come before ``/projects/{id}``).

    The supported ``versions`` get literal prefixes (``/api/v5/tasks``), because aiohttp indexes
    routes by their literal prefix: behind one ``/api/v{N}`` pattern every route would be tried
    in turn, tens of microseconds per request. Any other ``N`` still reaches the handlers (and
    the version check answers it).
    """
    routes = list(routes)
    prefixes = ["/api", *(f"/api/v{n}" for n in versions), r"/api/v{api_version:\d+}"]
    for prefix in prefixes:
        for route in routes:
            app.router.add_route(route.method, prefix + route.path, route.handler)
