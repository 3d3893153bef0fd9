"""SIGTERM handled as Ctrl-C: the running job is cancelled and cleans up, then the command ends
with exit status 143.

``timeout``, Slurm's ``scancel``, ``docker stop`` and Kubernetes stop a process with SIGTERM,
whose default action ends it on the spot: part files and an empty export manifest stay behind.
:func:`handle_sigterm` replaces that action for the length of a command. While :func:`run_main` runs
a coroutine, SIGTERM cancels it, as ``asyncio.run`` does on Ctrl-C, so every ``finally`` and
cleanup of the library runs (part files removed, manifest lines whole, an empty manifest removed),
and :exc:`Terminated` is raised once it has finished. Outside :func:`run_main`, :exc:`Terminated` is
raised where the program is. A second SIGTERM during the cleanup is ignored; SIGKILL still ends
the process at once.
"""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any, TypeVar

import attrs

__all__ = ["Terminated", "handle_sigterm", "run_main"]

T = TypeVar("T")


class Terminated(KeyboardInterrupt):
    """The process got SIGTERM. A :exc:`KeyboardInterrupt`, so whatever handles Ctrl-C
    handles it the same way; only the exit status (143) and the message differ."""


@attrs.define
class _State:
    """What the handler needs to know: the coroutine :func:`run_main` is running, and whether
    SIGTERM has come."""

    task: asyncio.Task[Any] | None = None
    loop: asyncio.AbstractEventLoop | None = None
    terminated: bool = False


_STATE = _State()


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    first = not _STATE.terminated
    _STATE.terminated = True
    task, loop = _STATE.task, _STATE.loop
    if task is not None and loop is not None and not task.done():
        if first:
            # What asyncio.Runner does on Ctrl-C: cancel the main task, wake the loop.
            task.cancel()
            loop.call_soon_threadsafe(lambda: None)
        return
    raise Terminated()


@contextmanager
def handle_sigterm() -> Iterator[None]:
    """Treat SIGTERM as described in the module docstring while the block runs (only in the
    main thread, where signal handlers can be set)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    _STATE.terminated = False
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_main(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)``; on SIGTERM, ``main`` is cancelled, and :exc:`Terminated` raised
    after it has cleaned up."""

    async def tracked() -> T:
        _STATE.task, _STATE.loop = asyncio.current_task(), asyncio.get_running_loop()
        try:
            return await main
        finally:
            _STATE.task = _STATE.loop = None

    try:
        result = asyncio.run(tracked())
    except Terminated:
        raise
    except BaseException as exc:
        if _STATE.terminated:
            raise Terminated() from exc
        raise
    if _STATE.terminated:  # the job finished before the cancellation reached it
        raise Terminated()
    return result
