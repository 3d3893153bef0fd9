"""The error bodies a real WEBKNOSSOS server sends, and the exception that carries them.

Handlers ``raise ApiError(...)``; a middleware turns it into the response. The forms:

- controller errors: ``{"messages": [{"error": text}, {"chain": "..."}]}`` (``chain`` only on some)
- Play's body validation map: ``{"obj.taskTypeId": [{"msg": ["error.path.missing"], "args": []}]}``
- form validation of projects, datastores, teams: ``{"errors": [...], "messages": [...]}``
- router and parser errors: Play's HTML pages
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable, Iterable, Mapping
from typing import TypeVar

import orjson
from aiohttp import web

from ._gc import gc_paused

NOT_AUTHORIZED = "You are not authorized to view or edit this resource"
NOT_FOUND_GENERIC = "Couldn't find the requested resource."
ANNOTATION_NOT_FOUND = "Annotation could not be found"
ANNOTATION_NOT_PUBLIC = (
    "Annotation could not be found. If the annotation is not public, you need to log in to see it."
)

T = TypeVar("T")
_HTML_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    404: "Action Not Found",
    413: "Request Entity Too Large",
    415: "Unsupported Media Type",
    500: "Internal Server Error",
}


class ApiError(Exception):
    """A handler's refusal, carrying the complete response to send."""

    def __init__(self, response: web.Response) -> None:
        super().__init__(response.status)
        self.response = response


def json_response(
    data: object, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    """A JSON response serialized with orjson."""
    return web.Response(
        body=orjson.dumps(data), status=status, content_type="application/json", headers=headers
    )


def json_list_response(
    items: Iterable[T], render: Callable[[T], object], headers: Mapping[str, str] | None = None
) -> web.Response:
    """A JSON array of ``render(item)`` for each item (a page of a list route).

    Rendered with the collector paused (see :func:`gc_paused`): a thousand rendered objects
    alive at once would otherwise be promoted and then trigger full collections over the store.
    """
    with gc_paused():
        return json_response([render(item) for item in items], headers=headers)


def with_messages(data: Mapping[str, object], success: str) -> dict[str, object]:
    """``data`` plus ``"messages": [{"success": success}]``, as finish/reopen/... answer."""
    return {**data, "messages": [{"success": success}]}


def success_messages(text: str) -> web.Response:
    return json_response({"messages": [{"success": text}]})


def _chain(text: str) -> str:
    stamp = time.strftime("%a %b %d %H:%M:%S UTC %Y", time.gmtime())
    return f"[Server Time {stamp}] <~ {text}"


def messages_error(status: int, text: str, *, chain: str | None = None) -> ApiError:
    """The controller form; ``chain`` adds the ``{"chain": ...}`` entry with that cause."""
    messages: list[dict[str, str]] = [{"error": text}]
    if chain is not None:
        messages.append({"chain": _chain(chain)})
    return ApiError(json_response({"messages": messages}, status))


def bad_request(text: str) -> ApiError:
    return messages_error(400, text)


def not_found(text: str) -> ApiError:
    """404 with a ``chain`` entry, as real servers add on failed lookups."""
    return messages_error(404, text, chain="Failed to find the requested object in the database")


def forbidden(text: str = NOT_AUTHORIZED) -> ApiError:
    return messages_error(403, text)


def invalid_id(value: str) -> ApiError:
    return bad_request(f"The passed resource id '{value}' is invalid")


def play_map_error(errors: Mapping[str, Iterable[str]]) -> ApiError:
    """Play's JSON validation map: ``{path: [{"msg": [key], "args": []}, ...]}``, 400."""
    body = {path: [{"msg": [key], "args": []} for key in keys] for path, keys in errors.items()}
    return ApiError(json_response(body, 400))


def form_error(errors: Iterable[tuple[str, str]]) -> ApiError:
    """The ``{"errors": [{"field", "error"}], "messages": [...]}`` form, 400."""
    body = {
        "errors": [{"field": field_path, "error": error} for field_path, error in errors],
        "messages": [{"error": "Invalid Json format"}],
    }
    return ApiError(json_response(body, 400))


def html_response(request: web.BaseRequest, status: int, detail: str) -> web.Response:
    """Play's production error page: a title and ``For request 'GET /path' [detail]``."""
    title = _HTML_TITLES.get(status, "Error")
    target = html.escape(f"{request.method} {request.path_qs}")
    page = (
        '<!DOCTYPE html>\n<html lang="en">\n  <head>\n'
        f"    <title>{title}</title>\n"
        '    <meta charset="utf-8">\n  </head>\n  <body>\n'
        f"    <h1>{title}</h1>\n"
        f"    <p id=\"detail\">For request '{target}' [{html.escape(detail)}]</p>\n"
        "  </body>\n</html>\n"
    )
    return web.Response(text=page, status=status, content_type="text/html")


def html_error(request: web.BaseRequest, status: int, detail: str) -> ApiError:
    return ApiError(html_response(request, status, detail))


def action_not_found(request: web.BaseRequest) -> web.Response:
    return html_response(request, 404, "Action not found")


def not_authenticated(request: web.BaseRequest) -> ApiError:
    """401: JSON only when the request asks for JSON, else an HTML page."""
    if "application/json" in request.headers.get("Accept", ""):
        body = {"success": False, "message": "silhouette.not.authenticated"}
        return ApiError(json_response(body, 401))
    return html_error(request, 401, "silhouette.not.authenticated")
