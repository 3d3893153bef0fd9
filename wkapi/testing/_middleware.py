"""The middleware every request passes: it records the request and injects faults around
:func:`answer`, which checks the API version and turns refusals and crashes into the real
server's error bodies.

A request the client abandons (cancelled, timed out, disconnected) before its answer was
complete is recorded with status 499, nginx's "client closed request", and logged at DEBUG:
it is the client's doing, never a crash of the server."""

from __future__ import annotations

import asyncio
import logging
from http import HTTPStatus

from aiohttp import web
from aiohttp.typedefs import Handler

from ._context import Context, context
from ._errors import ApiError, action_not_found, html_response, json_response
from ._faults import Fault, FaultKind
from ._log import RecordedRequest, masked_query
from ._routing import split_api_path
from ._writer import cut_connection, send

logger = logging.getLogger(__name__)

CLIENT_CLOSED_REQUEST = 499

_NGINX_PAGE = (
    "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
    "<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)


@web.middleware
async def record_and_inject(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Log the request, resolve its token, apply ``latency`` and any fault rule that fires; the
    request itself is answered by :func:`answer`."""
    ctx = context(request)
    version, route = split_api_path(request.path)
    token = request.headers.get("X-Auth-Token")
    user = ctx.user_for_token(token)
    record = RecordedRequest(
        method=request.method,
        path=request.path,
        query=masked_query(request.query),
        authenticated=user is not None,
        role=user.role if user is not None else None,
        route=route,
        api_version=version,
        had_token_header=token is not None,
    )
    ctx.requests.append(record)
    ctx.request_count += 1
    if ctx.latency > 0:
        await asyncio.sleep(ctx.latency)
    fault = ctx.faults.pick(request.method, route)
    if fault is not None:
        record.fault = fault.kind.value
        if fault.kind is FaultKind.LATENCY:
            await asyncio.sleep(fault.delay)
        elif fault.kind is FaultKind.DROP:
            cut_connection(request)
            return web.Response()
        elif _is_replacing(fault) and not fault.after_processing:
            replacement = _fault_response(fault)
            record.status = replacement.status
            return replacement
    try:
        response = await answer(request, handler, ctx, version)
    except asyncio.CancelledError:
        _abandoned(request, record)  # aiohttp cancels a handler whose client went away
        raise
    if fault is not None and fault.kind is FaultKind.PROCESS_THEN_DROP:
        cut_connection(request)
        return web.Response()
    if fault is not None and _is_replacing(fault):
        response = _fault_response(fault)
    if response.status == CLIENT_CLOSED_REQUEST or _client_gone(request):
        _abandoned(request, record)
        return response
    record.status = response.status
    try:
        sent = await send(request, response, fault)
    except asyncio.CancelledError:
        _abandoned(request, record)
        raise
    if getattr(sent, "abandoned", False):
        _abandoned(request, record)
    return sent


def _client_gone(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


def _abandoned(request: web.Request, record: RecordedRequest) -> None:
    record.status = CLIENT_CLOSED_REQUEST
    logger.debug("client closed the request %s %s before its answer", request.method, request.path)


def _is_replacing(fault: Fault) -> bool:
    return fault.kind in (FaultKind.STATUS, FaultKind.HTML_ERROR, FaultKind.INVALID_JSON)


def _fault_response(fault: Fault) -> web.Response:
    if fault.kind is FaultKind.INVALID_JSON:
        return web.Response(
            body=b'{"messages": [{"success": "cut short', content_type="application/json"
        )
    reason = _reason(fault.status)
    headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else None
    if fault.kind is FaultKind.HTML_ERROR:
        page = _NGINX_PAGE.format(status=fault.status, reason=reason)
        return web.Response(
            text=page, status=fault.status, content_type="text/html", headers=headers
        )
    if fault.json_body:
        body = {"messages": [{"error": f"{reason} (injected fault)"}]}
        return json_response(body, fault.status, headers)
    return web.Response(text=reason, status=fault.status, headers=headers)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


async def answer(
    request: web.Request, handler: Handler, ctx: Context, version: int | None
) -> web.StreamResponse:
    """Refuse unsupported API versions; map refusals, router misses and crashes to responses."""
    oldest, current = ctx.api_versions
    if version is not None and not oldest <= version <= current:
        text = (
            "This WEBKNOSSOS instance does not support the requested HTTP API version. "
            f"Client requested {version} but must be at least {oldest} and at most {current}."
        )
        return json_response({"messages": [{"error": text}]}, 404)
    try:
        return await handler(request)
    except ConnectionError:
        # The connection was lost while the handler read the body: the client went away.
        return web.Response(status=CLIENT_CLOSED_REQUEST)
    except ApiError as refusal:
        return refusal.response
    except web.HTTPException as exc:
        if exc.status in (404, 405):
            return action_not_found(request)
        return html_response(request, exc.status, exc.reason)
    except Exception:
        logger.exception("fake WEBKNOSSOS crashed on %s %s", request.method, request.path)
        return html_response(request, 500, "Internal server error")
