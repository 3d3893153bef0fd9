"""One client's request-rate bucket, concurrency limit and shared pause.

All calls of one client share a :class:`RateLimiter`: at most ``concurrency`` requests are in
flight, at most ``rate`` start per second (with a burst), and a 429/503 answer carrying
``Retry-After`` pauses every request of the client until then, not only the one that received it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

__all__ = ["RateLimiter"]


class RateLimiter:
    """A concurrency limit plus a GCRA token bucket plus a client-wide pause.

    Args:
        concurrency: requests in flight at once.
        rate: requests started per second at most, ``None`` for no cap.
        burst: how many may start back to back before the rate applies (default ``1 + rate``).
    """

    def __init__(
        self,
        *,
        concurrency: int,
        rate: float | None = None,
        burst: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.concurrency = concurrency
        self._semaphore = asyncio.Semaphore(concurrency)
        self._interval = None if rate is None else 1.0 / rate
        burst = burst if burst is not None else (1 + int(rate) if rate is not None else 1)
        self._tolerance = 0.0 if self._interval is None else self._interval * (burst - 1)
        self._theoretical_arrival = 0.0
        self._paused_until = 0.0
        self._clock = clock
        self._sleep = sleep

    def pause_for(self, seconds: float) -> None:
        """Hold every request that has not started yet for ``seconds`` (never shortens a pause)."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    async def _wait_for_pause(self) -> None:
        while (remaining := self._paused_until - self._clock()) > 0:
            await self._sleep(remaining)

    async def _wait_for_rate(self) -> None:
        if self._interval is None:
            return
        # GCRA: reserve the next slot synchronously, then sleep until it comes.
        now = self._clock()
        arrival = max(self._theoretical_arrival, now)
        self._theoretical_arrival = arrival + self._interval
        delay = arrival - self._tolerance - now
        if delay > 0:
            await self._sleep(delay)

    def acquire(self) -> Awaitable[object]:
        """Wait for the pause, a free slot and the rate; pair with :meth:`release`."""
        if self._paused_until or self._interval is not None:
            return self._acquire_paced()
        return self._semaphore.acquire()  # the common case, without a further coroutine

    async def _acquire_paced(self) -> None:
        if self._paused_until:
            await self._wait_for_pause()
        await self._semaphore.acquire()
        try:
            if self._paused_until:
                await self._wait_for_pause()
            if self._interval is not None:
                await self._wait_for_rate()
        except BaseException:
            self._semaphore.release()
            raise

    def release(self) -> None:
        """Give back the slot taken by :meth:`acquire`."""
        self._semaphore.release()
