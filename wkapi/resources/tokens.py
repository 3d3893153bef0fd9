"""Tokens: the personal API token and short-lived datastore tokens."""

from __future__ import annotations

from typing import Any

from wkapi._errors import InvalidResponseError

from ._base import Resource

__all__ = ["TokensResource"]


def _token(data: Any, route: str) -> str:
    token = data.get("token") if isinstance(data, dict) else None
    if not isinstance(token, str) or not token:
        # Never echo the body: it may hold a token.
        raise InvalidResponseError(f"{route}: expected a JSON object with a token string")
    return token


class TokensResource(Resource):
    """Tokens (``wk.tokens``).

    The returned strings are secrets: keep them out of logs.
    """

    async def personal(self) -> str:
        """``GET /auth/token``: the caller's personal API token (effectively permanent)."""
        data = await self._session.request_json("GET", "/auth/token")
        return _token(data, "GET /auth/token")

    async def generate_datastore_token(self) -> str:
        """``POST /userToken/generate``: a token valid for one day on datastores and
        tracingstores (``?token=`` on ``/data`` and ``/tracings`` routes)."""
        # Generating a second token is harmless, so a lost answer may be retried.
        data = await self._session.request_json("POST", "/userToken/generate", idempotent=True)
        return _token(data, "POST /userToken/generate")
