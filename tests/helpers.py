"""Mutating JSON documents one part at a time (shared by the fuzz tests)."""

from __future__ import annotations

import copy
from typing import Any


def json_paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path (keys and indexes) into a JSON document, the root ``()`` included."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += json_paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += json_paths(item, (*prefix, index))
    return found


def replaced_at(document: Any, path: tuple[Any, ...], new: Any, *, delete: bool) -> Any:
    """A copy of ``document`` with the part at ``path`` replaced by ``new`` (or deleted)."""
    if not path:
        return new
    document = copy.deepcopy(document)
    parent = document
    for step in path[:-1]:
        parent = parent[step]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = new
    return document
