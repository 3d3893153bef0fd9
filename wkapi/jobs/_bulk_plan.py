"""Cutting task specs into ``POST /tasks`` batches the server accepts.

The server refuses a whole request with more than 1000 items, or more than 100 when any item's
task type is volume or hybrid, and a request whose items are on different datasets. So items are
grouped by dataset and by limit class (a skeleton item never rides in a volume batch and is not
throttled to 100 by it), input order is kept inside a group, and each group is cut into batches
of at most ``min(batch_size, limit)`` items.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

import attrs

__all__ = ["SKELETON_LIMIT", "VOLUME_LIMIT", "BatchKey", "plan_batches"]

T = TypeVar("T")

#: The most items of one ``POST /tasks`` when every task type is skeleton.
SKELETON_LIMIT = 1000
#: The most items of one ``POST /tasks`` when any task type is volume or hybrid.
VOLUME_LIMIT = 100


@attrs.frozen
class BatchKey:
    """What items must share to travel in one request.

    ``task_type_id`` is set only when task types were not looked up (the caller named the volume
    types): then a wrong id, which the server answers by refusing the whole request, costs only
    the items of that task type.
    """

    dataset: str
    volume: bool
    task_type_id: str | None = None

    @property
    def limit(self) -> int:
        """The server's batch limit for items of this key."""
        return VOLUME_LIMIT if self.volume else SKELETON_LIMIT


def plan_batches(
    items: Iterable[T], key: Callable[[T], BatchKey], batch_size: int | None = None
) -> list[list[T]]:
    """Group ``items`` by ``key`` and cut each group into batches within the server's limits.

    Batches come out ordered by their first item's input position; inside a batch, items keep
    their input order.
    """
    groups: dict[BatchKey, tuple[list[int], list[T]]] = {}
    last_key: BatchKey | None = None
    group: tuple[list[int], list[T]] = ([], [])
    for position, item in enumerate(items):
        item_key = key(item)
        if item_key is not last_key:  # runs of items share one key object: hash it once a run
            found = groups.get(item_key)
            group = groups[item_key] = ([], []) if found is None else found
            last_key = item_key
        group[0].append(position)
        group[1].append(item)
    batches: list[tuple[int, list[T]]] = []
    for group_key, (positions, members) in groups.items():
        size = group_key.limit if batch_size is None else min(batch_size, group_key.limit)
        batches.extend(
            (positions[start], members[start : start + size])
            for start in range(0, len(members), size)
        )
    batches.sort(key=lambda batch: batch[0])
    return [batch for _, batch in batches]
