"""Assembling the aiohttp application of one fake server."""

from __future__ import annotations

from aiohttp import web

from . import (
    _routes_annotations,
    _routes_datasets,
    _routes_downloads,
    _routes_meta,
    _routes_projects,
    _routes_tasks,
    _routes_uploads,
    _routes_users,
)
from ._context import CONTEXT, Context
from ._middleware import record_and_inject
from ._params import JSON_BODY_LIMIT
from ._routing import register

# Within one literal prefix aiohttp tries routes in this order: downloads, the most frequent
# annotation route, go before the other /annotations/{typ}/{id}/... routes (no path matches two).
_ROUTE_MODULES = (
    _routes_meta,
    _routes_users,
    _routes_datasets,
    _routes_uploads,
    _routes_downloads,
    _routes_annotations,
    _routes_tasks,
    _routes_projects,
)


def build_app(ctx: Context) -> web.Application:
    """The application serving every route under ``/api`` and ``/api/vN``."""
    app = web.Application(middlewares=[record_and_inject], client_max_size=JSON_BODY_LIMIT)
    app[CONTEXT] = ctx
    oldest, current = ctx.api_versions
    routes = [route for module in _ROUTE_MODULES for route in module.ROUTES]
    register(app, routes, range(oldest, current + 1))
    return app
