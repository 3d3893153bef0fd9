"""Authentication checks used by the route handlers (the token itself is resolved by the
request middleware)."""

from __future__ import annotations

from aiohttp import web

from .._context import caller
from .._errors import forbidden, not_authenticated
from .._state import User


def require_user(request: web.Request) -> User:
    """The logged-in user; a secured route answers 401 without one."""
    user = caller(request)
    if user is None:
        raise not_authenticated(request)
    return user


def require_admin(request: web.Request) -> User:
    """An organization admin, else 403."""
    user = require_user(request)
    if not user.is_admin:
        raise forbidden()
    return user
