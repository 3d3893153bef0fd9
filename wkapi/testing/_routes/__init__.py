"""The fake server's routes, one module per area, and the application that serves them.

The route modules (``annotations``, ``tasks``, ...) each list their ``ROUTES``. The modules with a
leading underscore are their helpers: reading a request (``_params``, ``_validation``,
``_multipart``), the caller and the entity it names (``_auth``, ``_lookup``), paged lists
(``_paging``), and task creation as two route modules do it (``_task_creation``).
"""

# No ``from __future__ import annotations`` here: it binds the name ``annotations``, and
# ``from . import annotations`` would then hand back that instead of the route module.
from aiohttp import web

from .._context import CONTEXT, Context
from .._middleware import record_and_inject
from .._routing import register
from . import annotations, datasets, downloads, meta, projects, tasks, uploads, users
from ._params import JSON_BODY_LIMIT

# Within one literal prefix aiohttp tries routes in this order: downloads, the most frequent
# annotation route, go before the other /annotations/{typ}/{id}/... routes (no path matches two).
_ROUTE_MODULES = (
    meta,
    users,
    datasets,
    uploads,
    downloads,
    annotations,
    tasks,
    projects,
)


def build_app(ctx: Context) -> web.Application:
    """The application serving every route under ``/api`` and ``/api/vN``."""
    app = web.Application(middlewares=[record_and_inject], client_max_size=JSON_BODY_LIMIT)
    app[CONTEXT] = ctx
    oldest, current = ctx.api_versions
    routes = [route for module in _ROUTE_MODULES for route in module.ROUTES]
    register(app, routes, range(oldest, current + 1))
    return app
