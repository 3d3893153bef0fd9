"""Routes about the server itself: buildinfo, tokens, datastores and tracingstores."""

from __future__ import annotations

from aiohttp import web

from .._context import caller, context
from .._errors import (
    bad_request,
    forbidden,
    form_error,
    json_response,
    not_found,
    success_messages,
)
from .._json import buildinfo_json, datastore_json, tracingstore_json
from .._routing import Route
from .._state import Datastore
from ._auth import require_admin, require_user
from ._params import json_body
from ._validation import Field, field_errors, form_fields

_STORE_FIELDS = (
    Field("name", "string"),
    Field("url", "string"),
    Field("publicUrl", "string"),
    Field("isScratch", "bool", required=False),
    Field("isForeign", "bool", required=False),
    Field("allowsUpload", "bool", required=False),
)
_TRACINGSTORE_FIELDS = (
    Field("name", "string"),
    Field("url", "string"),
    Field("publicUrl", "string"),
)


async def buildinfo(request: web.Request) -> web.StreamResponse:
    return json_response(buildinfo_json(context(request)))


async def auth_token(request: web.Request) -> web.StreamResponse:
    return json_response({"token": require_user(request).token})


async def user_token_generate(request: web.Request) -> web.StreamResponse:
    """A one-day datastore token; anonymous callers get one too (for public datasets)."""
    ctx = context(request)
    user = caller(request)
    label = f"datastore:{user.id if user else 'anonymous'}:{ctx.request_count}"
    return json_response({"token": ctx.state.make_token(label)})


async def list_datastores(request: web.Request) -> web.StreamResponse:
    ctx = context(request)
    return json_response([datastore_json(ctx, s) for s in ctx.state.datastores.values()])


async def _store_body(request: web.Request, fields: tuple[Field, ...]) -> dict[str, object]:
    body = await json_body(request)
    errors = field_errors(body, fields, path="", separator="/")
    if errors:
        raise form_error(form_fields(errors))
    assert isinstance(body, dict)
    return body


async def create_datastore(request: web.Request) -> web.StreamResponse:
    require_admin(request)
    ctx = context(request)
    body = await _store_body(request, (*_STORE_FIELDS, Field("key", "string")))
    name = str(body["name"])
    if name in ctx.state.datastores:
        raise bad_request(f"A datastore with the name {name} already exists")
    store = Datastore(
        name=name,
        url=str(body["url"]),
        public_url=str(body["publicUrl"]),
        key=str(body["key"]),
        is_scratch=bool(body.get("isScratch", False)),
        allows_upload=bool(body.get("allowsUpload", True)),
    )
    ctx.state.datastores[name] = store
    return json_response(datastore_json(ctx, store))


async def update_datastore(request: web.Request) -> web.StreamResponse:
    require_admin(request)
    ctx = context(request)
    name = request.match_info["name"]
    store = ctx.state.datastores.get(name)
    if store is None:
        raise not_found("Datastore could not be found")
    body = await _store_body(request, _STORE_FIELDS)
    if body["name"] != name:
        raise bad_request("The datastore name in the body must equal the name in the URL")
    store.url = str(body["url"])
    store.public_url = str(body["publicUrl"])
    # As on a real server, a flag that is not sent goes back to its default.
    store.is_scratch = bool(body.get("isScratch", False))
    store.allows_upload = bool(body.get("allowsUpload", True))
    return json_response(datastore_json(ctx, store))


async def delete_datastore(request: web.Request) -> web.StreamResponse:
    if not require_user(request).is_super_user:
        raise forbidden("Only super users may delete datastores")
    ctx = context(request)
    name = request.match_info["name"]
    if name not in ctx.state.datastores:
        raise not_found("Datastore could not be found")
    del ctx.state.datastores[name]
    return success_messages("Datastore was deleted")


async def update_tracingstore(request: web.Request) -> web.StreamResponse:
    require_admin(request)
    ctx = context(request)
    name = request.match_info["name"]
    store = ctx.state.tracingstores.get(name)
    if store is None:
        raise not_found("Tracingstore could not be found")
    body = await _store_body(request, _TRACINGSTORE_FIELDS)
    if body["name"] != name:
        raise bad_request("The tracingstore name in the body must equal the name in the URL")
    store.url = str(body["url"])
    store.public_url = str(body["publicUrl"])
    return json_response(tracingstore_json(ctx, store))


ROUTES = [
    Route("GET", "/buildinfo", buildinfo),
    Route("GET", "/auth/token", auth_token),
    Route("POST", "/userToken/generate", user_token_generate),
    Route("GET", "/datastores", list_datastores),
    Route("POST", "/datastores", create_datastore),
    Route("PUT", "/datastores/{name}", update_datastore),
    Route("DELETE", "/datastores/{name}", delete_datastore),
    Route("PUT", "/tracingstores/{name}", update_tracingstore),
]
