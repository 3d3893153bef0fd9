"""Route tables: each route module lists its routes; both ``/api`` and ``/api/vN`` serve them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    handler: Handler


def register(app: web.Application, routes: Iterable[Route]) -> None:
    """Add every route under ``/api`` and ``/api/v{N}``, keeping the given order (a literal path
    such as ``/projects/assignments`` must come before ``/projects/{id}``)."""
    routes = list(routes)
    for prefix in ("/api", r"/api/v{api_version:\d+}"):
        for route in routes:
            app.router.add_route(route.method, prefix + route.path, route.handler)
