"""Jobs ride out a server that refuses connections, until the client gives up on it.

A request whose every attempt found no server (connection refused, connect timeout) raises its
:class:`~wkapi.APIConnectionError` with ``request_sent=False`` once the client's retry policy has
run out, which takes seconds. A job working through thousands of items would then fail each of
them in turn against a server that is merely restarting, and hammer a dead one to the end.
Instead a job waits and tries the same call again, for as long as the client's
:class:`~wkapi._liveness.Liveness` counts a run of refusals that has not yet reached
``RetryPolicy.give_up_after``; from then on every call raises
:class:`~wkapi.ServerUnreachableError`, and the job stops.

Only a server that has answered this job before is waited for: one that refuses from the start
(a wrong URL, a server that is down) fails the job's first call at once, as it fails any call.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from wkapi._errors import APIConnectionError
from wkapi._liveness import found_no_server
from wkapi._session import Session

__all__ = ["Patience"]

T = TypeVar("T")


class Patience:
    """Waits out refused connections for a job (see the module docstring)."""

    def __init__(self, session: Session) -> None:
        self._liveness = session.liveness
        self._policy = session.config.retry
        self._session = session  # its ``sleep`` is a test seam: looked up at each wait
        #: Whether the server answered one of the job's calls (only then is it waited for).
        self.answered = False

    def waits_for(self, error: BaseException) -> bool:
        """Whether ``error`` found no server while a run of refusals heads for the give-up
        (so the call is worth making again after a wait)."""
        return (
            self.answered
            and found_no_server(error)
            and self._liveness.time_left(self._policy.give_up_after) is not None
        )

    async def wait(self, refused: int) -> None:
        """Wait before the next try after the ``refused``-th refusal in a row: the backoff,
        but not past the moment the server would count as unreachable."""
        delay = self._policy.backoff(refused)
        left = self._liveness.time_left(self._policy.give_up_after)
        await self._session.sleep(delay if left is None else min(delay, left))

    async def call(self, function: Callable[[], Awaitable[T]]) -> T:
        """``await function()``, made again after each refusal while :meth:`waits_for`."""
        refused = 0
        while True:
            try:
                result = await function()
            except APIConnectionError as exc:
                if not self.waits_for(exc):
                    raise
            else:
                self.answered = True
                return result
            refused += 1
            await self.wait(refused)
