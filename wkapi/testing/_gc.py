"""Pausing the cyclic garbage collector over a synchronous burst of short-lived allocations."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Keep the cyclic collector from running inside the block; never use across an ``await``.

    Creating a thousand tasks allocates tens of thousands of containers that die within the
    request (the parsed body, the specs, the rendered results). With the collector running, many
    of them are alive at some collection and get promoted to the oldest generation, which then
    triggers full collections over every entity in the store: with 100,000 tasks stored, those
    cost more than the request itself. Paused, the transient containers are freed by reference
    counting before the collector looks, and only what the request keeps survives. A collector
    the application disabled stays disabled.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
