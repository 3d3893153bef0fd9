"""Holding CPython's automatic garbage collection while a long answer is decoded and read.

Decoding a long JSON answer and structuring it allocate tens of thousands of containers that are
either garbage moments later (the JSON, freed by reference counting) or kept (the models); none
form cycles for the collector to find. Yet the collector, woken by every 700 allocations, scans
them again and again meanwhile and moves the half-read JSON into its older generations, whose
full scans then come sooner: for an answer of 1000 tasks that costs more than the decoding itself
(msgpack's documentation gives the same advice for large messages). Paused, it runs once the step
is over, over what survived.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

__all__ = ["collector_paused"]


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Hold automatic garbage collection for a short synchronous step.

    The pause is process-wide, so the step must not await or call back into the application. A
    collector the application has switched off is left off; ``gc.collect()`` still works.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
