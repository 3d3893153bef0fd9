"""Pager: lazy ``async for`` over the server's ``limit``/``pageNumber`` pages.

The server orders these lists newest id first and pages by offset, so items created while a
listing runs shift later pages; the pager drops items it has already yielded (by ``id``), so a
listing never yields the same item twice.

While the caller works through one page, the next one is already on its way (one page ahead at
most, and only when the listing goes on past this page): the server prepares it meanwhile
instead of waiting for the caller's next request. A listing left early (``break``, an error)
cancels that request at once and asks for nothing more.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any, Generic, TypeVar

from ._checks import INT32_MAX, INT64_MAX, check_int
from ._errors import InvalidResponseError
from ._session import QueryValue, Session

__all__ = ["DEFAULT_PAGE_SIZE", "MAX_PAGE_SIZE", "Pager"]

logger = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 1000
#: The largest page a client asks for; bigger pages make the server's answer slow and huge.
MAX_PAGE_SIZE = 10_000


class Pager(Generic[T]):
    """An async iterator over every item of a paged list route, fetched page by page.

    ``async for item in pager`` yields up to ``limit`` items (all when ``None``);
    ``await pager.total()`` asks the server for the total count (``X-Total-Count``);
    ``await pager.page(n)`` fetches one page (0-based) of ``page_size`` items;
    ``await pager.to_list()`` collects.

    Iterating with a ``limit`` smaller than ``page_size`` asks for pages of ``limit`` items, so
    no more is fetched than needed; :meth:`page` always uses ``page_size``, whatever ``limit``.
    While the caller works through a page, the next one is already requested (one page ahead,
    only when the listing goes on past this page); leaving the loop early cancels it.
    """

    def __init__(
        self,
        session: Session,
        path: str,
        decode: Callable[[Any], T],
        *,
        params: Mapping[str, QueryValue] | None = None,
        limit: int | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> None:
        if limit is not None:
            limit = check_int("limit", limit, minimum=0, maximum=INT64_MAX)
        page_size = check_int("page_size", page_size, minimum=1, maximum=MAX_PAGE_SIZE)
        self._session = session
        self._path = path
        self._decode = decode
        self._params = dict(params or {})
        self.limit = limit
        self.page_size = page_size
        # The server pages by offset (pageNumber * size), so one iteration keeps one size.
        self._iteration_size = page_size if limit is None else max(1, min(page_size, limit))

    def __repr__(self) -> str:
        return f"<Pager {self._path} page_size={self.page_size} limit={self.limit}>"

    async def _fetch(
        self, page_number: int, size: int, *, count: bool = False
    ) -> tuple[list[Any], str | None]:
        params: dict[str, QueryValue] = {
            **self._params,
            "limit": size,
            "pageNumber": page_number,
        }
        if count:
            params["includeTotalCount"] = True
        response = await self._session.request("GET", self._path, params=params)
        items = response.json()
        if not isinstance(items, list):
            raise InvalidResponseError(
                f"GET {response.url.path}: expected a JSON list, got {type(items).__name__}",
                method="GET",
                url=str(response.url.with_query(None)),
            )
        return items, response.headers.get("X-Total-Count")

    async def page(self, number: int) -> list[T]:
        """Fetch page ``number`` (0-based) of ``page_size`` items."""
        number = check_int("page number", number, minimum=0, maximum=INT32_MAX)
        items, _ = await self._fetch(number, self.page_size)
        return [self._decode(item) for item in items]

    async def total(self) -> int:
        """The total number of items the route has (ignoring ``limit``)."""
        _, header = await self._fetch(0, 1, count=True)
        if header is None:
            raise InvalidResponseError(f"GET {self._path}: the server sent no X-Total-Count header")
        try:
            return int(header)
        except ValueError:
            raise InvalidResponseError(
                f"GET {self._path}: X-Total-Count is not a number: {header!r}"
            ) from None

    async def to_list(self) -> list[T]:
        """Every item (up to ``limit``) in a list."""
        return [item async for item in self]

    def __aiter__(self) -> AsyncIterator[T]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[T]:
        remaining = self.limit
        size = self._iteration_size
        seen: set[str] = set()
        page_number = 0
        ahead: asyncio.Task[tuple[list[Any], str | None]] | None = None
        try:
            items, _ = await self._fetch(page_number, size)
            while True:
                # The next page is needed if this one is full and the limit lies beyond it; it
                # is asked for once this page has shown a new item (a page of repeats ends).
                prefetch = len(items) >= size and (remaining is None or remaining > len(items))
                fresh = 0
                for index, raw in enumerate(items):
                    # The page lets go of each item as it is handed on: decoded JSON that dies
                    # young costs the garbage collector nothing.
                    items[index] = None
                    key = raw.get("id") if isinstance(raw, dict) else None
                    if isinstance(key, str):  # anything else is the decoder's to refuse
                        if key in seen:
                            continue
                        seen.add(key)
                    if prefetch:
                        prefetch = False
                        ahead = asyncio.ensure_future(self._fetch(page_number + 1, size))
                        await asyncio.sleep(0)  # the request goes out before the items are used
                    fresh += 1
                    yield self._decode(raw)
                    if remaining is not None:
                        remaining -= 1
                        if remaining == 0:
                            return
                if len(items) < size:
                    return
                if not fresh:
                    # A full page of items already seen: the server ignores pageNumber (or the
                    # list shifted by a whole page). Going on could loop forever.
                    logger.warning(
                        "GET %s: page %d repeated items already listed; stopping",
                        self._path,
                        page_number,
                    )
                    return
                page_number += 1
                if ahead is None:
                    items, _ = await self._fetch(page_number, size)
                else:
                    next_page, ahead = ahead, None
                    items, _ = await next_page
        finally:
            if ahead is not None:  # the caller stopped early: the next page is not wanted
                ahead.cancel()
                ahead.add_done_callback(_retrieve)


def _retrieve(task: asyncio.Task[Any]) -> None:
    """Mark a cancelled prefetch's outcome as seen (an error it ended with is not wanted)."""
    if not task.cancelled():
        task.exception()
