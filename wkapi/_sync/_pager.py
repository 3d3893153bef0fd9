"""SyncPager: the sync face of :class:`~wkapi.Pager`, a plain iterator over a paged list."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, TypeVar

from .._pagination import Pager
from ._portal import Portal

__all__ = ["SyncPager"]

T = TypeVar("T")


class SyncPager(Generic[T]):
    """Every item of a paged list route, fetched page by page as a loop asks for them.

    .. code-block:: python

        for annotation in wk.users.annotations(me.id, is_finished=True):
            ...
        print(wk.users.annotations(me.id).total())

    ``for item in pager`` yields up to ``limit`` items (all when ``None``); ``pager.total()``
    asks the server for the total count (``X-Total-Count``); ``pager.page(n)`` fetches one page
    (0-based) of ``page_size`` items; ``pager.to_list()`` collects. Each loop over the pager
    starts from the first page again.

    The semantics are those of :class:`~wkapi.Pager`, which does the work on the client's event
    loop: while a loop works through one page, the next one is already requested (one page
    ahead at most; leaving the loop cancels it and asks for nothing more); an item already
    yielded (by ``id``) is not yielded again when the list shifts during the listing.
    """

    def __init__(self, portal: Portal, pager: Pager[T]) -> None:
        portal.check_open()
        self._portal = portal
        self._pager = pager

    def __repr__(self) -> str:
        return f"<Sync{repr(self._pager).removeprefix('<')}"

    @property
    def limit(self) -> int | None:
        """At most this many items are yielded by a loop (``None``: all)."""
        return self._pager.limit

    @property
    def page_size(self) -> int:
        """Items per request."""
        return self._pager.page_size

    def __iter__(self) -> Iterator[T]:
        # One page per batch: the async pager fetches a page when its first item is asked for.
        hosted = self._portal.host(aiter(self._pager), batch=self._pager.page_size)
        try:
            while True:
                items, exhausted = hosted.next_batch()
                yield from items
                if exhausted:
                    return
        finally:
            hosted.close(wait=False)

    def page(self, number: int) -> list[T]:
        """Fetch page ``number`` (0-based) of ``page_size`` items."""
        return self._portal.call(self._pager.page, number)

    def total(self) -> int:
        """The total number of items the route has (ignoring ``limit``)."""
        return self._portal.call(self._pager.total)

    def to_list(self) -> list[T]:
        """Every item (up to ``limit``) in a list."""
        return self._portal.call(self._pager.to_list)
