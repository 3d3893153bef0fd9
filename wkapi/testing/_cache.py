"""A least-recently-used cache bounded by the bytes its values hold."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class ByteBudgetCache(Generic[K, V]):
    """Values made on first request and kept while their sizes sum to at most ``budget`` bytes;
    beyond it the least recently used go first. A value larger than the budget is not kept."""

    def __init__(self, budget: int, size_of: Callable[[V], int]) -> None:
        self.budget = budget
        self._size_of = size_of
        self._entries: OrderedDict[K, V] = OrderedDict()
        self._held = 0
        self._lock = threading.Lock()

    def get(self, key: K, make: Callable[[], V]) -> V:
        """The cached value for ``key``, made (outside the lock) and kept when missing."""
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
                return value
        value = make()
        size = self._size_of(value)
        if size > self.budget:
            return value
        with self._lock:
            if key not in self._entries:
                self._entries[key] = value
                self._held += size
                while self._held > self.budget:
                    _, dropped = self._entries.popitem(last=False)
                    self._held -= self._size_of(dropped)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._held = 0

    @property
    def held_bytes(self) -> int:
        return self._held

    def __len__(self) -> int:
        return len(self._entries)
