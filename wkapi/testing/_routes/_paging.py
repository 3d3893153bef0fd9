"""``limit`` / ``pageNumber`` / ``includeTotalCount`` as the real list routes read them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from aiohttp import web

from .._errors import json_list_response
from ._params import query_bool, query_int

T = TypeVar("T")


def paged_response(
    request: web.Request,
    newest_first: Sequence[T],
    render: Callable[[T], Any],
    *,
    default_limit: int | None,
) -> web.Response:
    """One page of ``newest_first`` (offset ``pageNumber * limit``), with ``X-Total-Count`` when
    ``includeTotalCount=true``."""
    limit = query_int(request, "limit")
    page_number = query_int(request, "pageNumber") or 0
    include_total = query_bool(request, "includeTotalCount") or False
    if limit is None:
        limit = default_limit
    if limit is None:  # unbounded: the first page is everything, later pages are empty
        selected = newest_first if page_number == 0 else newest_first[0:0]
    else:
        start = max(page_number, 0) * max(limit, 0)
        selected = newest_first[start : start + max(limit, 0)]
    headers = {"X-Total-Count": str(len(newest_first))} if include_total else None
    return json_list_response(selected, render, headers)


def finished_filter(request: web.Request) -> Callable[[str], bool]:
    """``isFinished``: true -> Finished, false -> Active, absent -> all but Cancelled."""
    finished = query_bool(request, "isFinished")
    if finished is None:
        return lambda state: state != "Cancelled"
    wanted = "Finished" if finished else "Active"
    return lambda state: state == wanted
