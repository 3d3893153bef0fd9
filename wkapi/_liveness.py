"""Whether the server is still there: when it last answered, and the connections it refused since.

A client's :class:`Liveness` is told of every answer (any status: the server is up) and of every
attempt that surely never reached the server (connection refused, connect timeout, DNS failure).
The server counts as *unreachable* once at least :data:`MIN_REFUSALS` attempts in a row failed
that way and nothing has answered since the first of them started, ``give_up_after`` seconds ago
or more (:attr:`~wkapi.RetryPolicy.give_up_after`). Requests then stop retrying
(:class:`~wkapi.ServerUnreachableError`), and so do the jobs: a server that is down is not
hammered until every retry of every item has run out.

Connections cut after the request went out, timeouts waiting for an answer and error statuses are
not refusals: they say nothing about whether the server is up.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from ._errors import APIConnectionError

__all__ = ["MIN_REFUSALS", "Liveness", "found_no_server"]

#: Attempts in a row that must have found no server before it counts as unreachable.
MIN_REFUSALS = 2


def found_no_server(error: BaseException) -> bool:
    """Whether ``error`` is a refusal: an attempt that surely never reached the server (a
    transient connection failure before the request went out)."""
    return isinstance(error, APIConnectionError) and not error.request_sent and error.transient


class Liveness:
    """What a client saw of the server lately (one per client, updated by every attempt)."""

    __slots__ = ("_clock", "refusals", "since")

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self._clock = clock
        #: Attempts in a row that found no server (reset by any answer).
        self.refusals = 0
        #: When the first of those attempts started (``None`` when ``refusals`` is 0).
        self.since: float | None = None

    def answered(self) -> None:
        """An answer arrived (any status): the server is there."""
        self.refusals = 0
        self.since = None

    def refused(self, started: float) -> None:
        """An attempt started at ``started`` (``time.perf_counter()``) found no server."""
        if self.since is None:  # the first of a run (``since`` is None exactly when no refusal)
            self.since = started
        self.refusals += 1

    def silent_for(self) -> float:
        """Seconds since the first refused attempt of the current run of refusals (0 if none)."""
        return 0.0 if self.since is None else max(0.0, self._clock() - self.since)

    def unreachable(self, give_up_after: float | None) -> bool:
        """Whether the server counts as unreachable (see the module docstring)."""
        if give_up_after is None or self.refusals < MIN_REFUSALS:
            return False
        return self.silent_for() >= give_up_after

    def time_left(self, give_up_after: float | None) -> float | None:
        """Seconds until the server would count as unreachable if nothing answers (``None``:
        no refusal yet, or no limit)."""
        if give_up_after is None or self.since is None:
            return None
        return max(0.0, give_up_after - self.silent_for())
