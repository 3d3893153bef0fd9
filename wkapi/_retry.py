"""When to retry a failed request, and how long to wait before the next attempt.

The rules (see the README's "Reliability" section):

- Idempotent methods (GET, HEAD, OPTIONS, PUT, DELETE) are retried on connection errors, timeouts
  and the statuses 408, 429, 500, 502, 503, 504.
- POST and PATCH are retried only when the request surely never reached the server (connection
  refused, DNS failure, connect timeout) or when the answer is 429 or 503, which proxies send before
  passing a request on. A POST that may have been processed is never sent again by the core: the
  bulk task job reconciles such batches itself.
- Waits grow exponentially with full jitter (0.5 s doubling up to 8 s by default); a
  ``Retry-After`` header (seconds or HTTP date) replaces the computed wait, capped.
- A retry budget (retries may be at most ``budget_ratio`` of recent requests, plus a floor) stops a
  failing server from being hammered by retry storms.
- A server that refused every connection for ``give_up_after`` seconds, answering nothing, is
  given up on (:class:`~wkapi.ServerUnreachableError`, see :mod:`wkapi._liveness`): the waits
  before retries of refused connections end by then, and no request retries past it.

:class:`RetryPolicy` holds the rules, :class:`RetryBudget` the client's budget, and
:class:`Retries` applies both to one request whose first attempt failed (the session's loops
ask it after each failure).
"""

from __future__ import annotations

import email.utils
import logging
import math
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Protocol

import attrs

from ._checks import as_status_set, valid_int, valid_seconds, valid_statuses
from ._deprecation import positional_fields_deprecated
from ._errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    ServerUnreachableError,
)
from ._liveness import Liveness, found_no_server

__all__ = ["IDEMPOTENT_METHODS", "Retries", "RetryBudget", "RetryPolicy", "parse_retry_after"]

logger = logging.getLogger(__name__)

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


@positional_fields_deprecated
@attrs.frozen(kw_only=True)
class RetryPolicy:
    """How a client retries failed requests.

    Args:
        attempts: total attempts per request, the first included (1 disables retries).
        backoff_initial: the first backoff ceiling in seconds; each retry doubles it.
        backoff_max: the largest backoff ceiling in seconds.
        retry_after_cap: the longest ``Retry-After`` honoured, in seconds.
        idempotent_statuses: statuses retried for idempotent methods.
        unprocessed_statuses: statuses retried for every method (answered before processing).
        budget_ratio: at most this share of the requests of the last ``budget_window`` seconds
            may be retries (plus ``budget_floor``); ``None`` disables the budget.
        give_up_after: seconds of refused connections (or connect timeouts), with no answer
            in between, after which the server counts as unreachable: requests stop retrying
            with :class:`~wkapi.ServerUnreachableError`, and so do the jobs (``create_many``,
            the export), which then report what they did not send. Raise it for a server that
            takes longer to restart; ``None`` never gives up (the attempts still end).
    """

    attempts: int = attrs.field(default=3, validator=valid_int(minimum=1))
    backoff_initial: float = attrs.field(
        default=0.5, validator=valid_seconds(optional=False, zero=True)
    )
    backoff_max: float = attrs.field(
        default=8.0, validator=valid_seconds(optional=False, zero=True)
    )
    retry_after_cap: float = attrs.field(
        default=60.0, validator=valid_seconds(optional=False, zero=True)
    )
    idempotent_statuses: frozenset[int] = attrs.field(
        default=frozenset({408, 429, 500, 502, 503, 504}),
        converter=as_status_set,
        validator=valid_statuses,
    )
    unprocessed_statuses: frozenset[int] = attrs.field(
        default=frozenset({429, 503}), converter=as_status_set, validator=valid_statuses
    )
    budget_ratio: float | None = attrs.field(
        default=0.2, validator=valid_seconds(optional=True, zero=True)
    )
    budget_floor: int = attrs.field(default=20, validator=valid_int(minimum=0))
    budget_window: float = attrs.field(default=10.0, validator=valid_seconds(optional=False))
    give_up_after: float | None = attrs.field(default=20.0, validator=valid_seconds(optional=True))

    @classmethod
    def disabled(cls) -> RetryPolicy:
        """A policy that never retries."""
        return cls(attempts=1)

    @classmethod
    def for_tests(cls, *, attempts: int = 3, retry_after_cap: float = 0.01) -> RetryPolicy:
        """The default policy's decisions without its waits, for test suites.

        Retries the same failures as ``RetryPolicy()`` the same number of times, but
        backs off at most 2 ms and honours a ``Retry-After`` for at most ``retry_after_cap``
        seconds, so a test of a flaky server runs in milliseconds::

            wkapi.Client(server.url, token, retry=wkapi.RetryPolicy.for_tests())

        Pass ``retry_after_cap=60`` to see real ``Retry-After`` waits; use
        :func:`attrs.evolve` to change anything else.
        """
        return cls(
            attempts=attempts,
            backoff_initial=0.001,
            backoff_max=0.002,
            retry_after_cap=retry_after_cap,
        )

    def retries_status(self, method: str, status: int, *, idempotent: bool | None = None) -> bool:
        """Whether an answer with this status may be retried for this method."""
        if status in self.unprocessed_statuses:
            return True
        safe = method.upper() in IDEMPOTENT_METHODS if idempotent is None else idempotent
        return safe and status in self.idempotent_statuses

    def backoff(self, retry_number: int, *, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number ``retry_number`` (1 for the first retry)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.retry_after_cap)
        ceiling = min(self.backoff_max, self.backoff_initial * 2 ** (retry_number - 1))
        return random.uniform(0.0, ceiling)  # full jitter


class RetryBudget:
    """A sliding-window budget: retries may be a bounded share of recent requests."""

    def __init__(self, policy: RetryPolicy, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._policy = policy
        self._clock = clock
        self._requests: deque[float] = deque()
        self._retries: deque[float] = deque()

    def _expire(self, now: float) -> None:
        horizon = now - self._policy.budget_window
        for times in (self._requests, self._retries):
            while times and times[0] < horizon:
                times.popleft()

    def record_request(self) -> None:
        """Count one first attempt."""
        if self._policy.budget_ratio is not None:
            now = self._clock()
            self._expire(now)  # here too: a client that never retries must not keep them all
            self._requests.append(now)

    def try_spend(self) -> bool:
        """Take one retry from the budget; ``False`` when it is exhausted."""
        ratio = self._policy.budget_ratio
        if ratio is None:
            return True
        now = self._clock()
        self._expire(now)
        allowed = self._policy.budget_floor + ratio * len(self._requests)
        if len(self._retries) >= allowed:
            return False
        self._retries.append(now)
        return True


class LostAnswers(Protocol):
    """Whether a hop of the request was sent and its connection closed before the answer."""

    lost: bool


def _maybe_processed(error: APIError) -> bool:
    """Whether the server may have carried out the request that failed with ``error``: it
    was sent, and no answer says it was refused before processing (as 408, 429 and 503 do)."""
    if isinstance(error, APIConnectionError):
        return error.request_sent
    if isinstance(error, APIStatusError):
        return error.status in (500, 502, 504)
    return True  # an unreadable 2xx


class Retries:
    """The retries of one request, made after its first attempt failed.

    :meth:`after` decides on each failed attempt: it raises the error when it is final (the
    policy does not retry it, no attempt is left, or the client's retry budget is spent), or
    logs the retry at INFO with its reason (never the token or the query string), waits and
    gives the next attempt's number.

    Args:
        sleep: how to wait (the session's test seam).
        path: the request's path, for the log line.
        idempotent: overrides the method's idempotency (a read-only POST).
        hops: what aiohttp's own resends of the request ran into (PUT and DELETE).
        liveness: the client's record of the server's answers and refusals; with it, a
            refused attempt past ``give_up_after`` raises :class:`~wkapi.ServerUnreachableError`.
    """

    __slots__ = (
        "_budget",
        "_hops",
        "_idempotent",
        "_liveness",
        "_method",
        "_path",
        "_policy",
        "_sleep",
        "number",
        "unanswered",
    )

    def __init__(
        self,
        policy: RetryPolicy,
        budget: RetryBudget,
        sleep: Callable[[float], Awaitable[None]],
        method: str,
        path: str,
        *,
        idempotent: bool | None = None,
        hops: LostAnswers | None = None,
        liveness: Liveness | None = None,
    ) -> None:
        self._policy = policy
        self._liveness = liveness
        self._budget = budget
        self._sleep = sleep
        self._method = method
        self._path = path
        self._idempotent = idempotent
        self._hops = hops
        self.number = 1  # of the attempt that failed last
        self.unanswered = False  # an earlier attempt reached the server, its answer was lost

    def _retryable(self, error: APIError) -> bool:
        if isinstance(error, APIStatusError):
            return self._policy.retries_status(
                self._method, error.status, idempotent=self._idempotent
            )
        if isinstance(error, APIConnectionError):
            if not error.transient:
                return False
            if not error.request_sent:
                return True
            if self._idempotent is None:
                return self._method.upper() in IDEMPOTENT_METHODS
            return self._idempotent
        return False

    async def after(self, error: APIError) -> int:
        """Raise ``error`` if it is final; otherwise wait and return the next attempt's number."""
        policy = self._policy
        # The record of refusals matters only when this attempt found no server either.
        liveness = self._liveness if found_no_server(error) else None
        if liveness is not None and liveness.unreachable(policy.give_up_after):
            raise self._unreachable(error, liveness) from error
        if (
            self.number >= policy.attempts
            or not self._retryable(error)
            or not self._budget.try_spend()
        ):
            # aiohttp resends an idempotent request itself when the connection closes
            # before the answer: an answer after such a hop follows a lost one too.
            hops = self._hops
            error.earlier_attempt_unanswered = self.unanswered or (
                hops is not None and hops.lost and isinstance(error, APIStatusError)
            )
            raise error
        self.unanswered = self.unanswered or _maybe_processed(error)
        retry_after = error.retry_after if isinstance(error, APIStatusError) else None
        delay = policy.backoff(self.number, retry_after=retry_after)
        if liveness is not None:
            # The next attempt is made by the time the server would count as unreachable.
            left = liveness.time_left(policy.give_up_after)
            if left is not None:
                delay = min(delay, left)
        logger.info(
            "retrying %s %s in %.2fs (attempt %d of %d): %s",
            self._method,
            self._path,
            delay,
            self.number + 1,
            policy.attempts,
            error.message,
        )
        # A Retry-After on a 429 or 503 has also paused the whole client (until about now);
        # on any other status it holds only this request.
        await self._sleep(delay)
        self.number += 1
        return self.number

    def _unreachable(self, error: APIError, liveness: Liveness) -> ServerUnreachableError:
        silent = liveness.silent_for()
        final = ServerUnreachableError(
            f"{self._method} {self._path}: the server is unreachable: {liveness.refusals} "
            f"connection attempts in a row over {silent:.1f} s found no server and nothing "
            f"answered ({error.message}); gave up after RetryPolicy.give_up_after="
            f"{self._policy.give_up_after:g} s",
            method=self._method,
            url=error.url,
            request_sent=self.unanswered,
            silent_for=silent,
            refusals=liveness.refusals,
        )
        final.earlier_attempt_unanswered = self.unanswered
        return final


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header: delta-seconds or an HTTP date; ``None`` if absent
    or unparsable (``nan`` and ``inf`` included). Negative results become 0."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        # "nan" and "inf" parse as floats but are no delay a server can mean.
        return max(seconds, 0.0) if math.isfinite(seconds) else None
    try:
        when = email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError, OSError):
        return None  # not a date, or one beyond what datetime can hold
    current = time.time() if now is None else now
    return max(when - current, 0.0)
