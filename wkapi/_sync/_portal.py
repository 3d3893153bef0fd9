"""The loop thread of a sync client: one event loop in a thread of its own, entered from others.

A :class:`Portal` starts one (non-daemon) thread running one asyncio event loop for the life of a
:class:`~wkapi.SyncClient`. :meth:`Portal.call` runs an async function there and blocks the
calling thread until it has finished; :meth:`Portal.host` runs an async iterator in one task
there and hands its items out in batches (pagers, download bodies).

- Any thread may call, several at once: the calls are tasks on the one loop, so they share the
  async client's connection pool and limits. A call runs in a copy of the caller's
  ``contextvars`` context (as :func:`asyncio.to_thread` does the other way round).
- The calling thread may have an event loop of its own running (a Jupyter kernel): it is not
  used, only blocked, as by any blocking call.
- Calling from the loop thread itself (from a progress callback) would wait for itself: it
  raises :class:`RuntimeError` instead.
- Ctrl-C in a blocked caller (:class:`KeyboardInterrupt`) cancels its task on the loop, waits up
  to :data:`CANCEL_GRACE` seconds for the task's cleanup (a download removes its part file), then
  raises the :class:`KeyboardInterrupt`. The caller waits in short slices, so an interrupt is
  seen even where Python cannot break a lock wait (``_thread.interrupt_main``, Windows).
- :meth:`Portal.close` cancels the tasks still running (their callers get
  :class:`~wkapi.ClientClosedError` once the cleanup is done), runs the ``on_close`` coroutine
  (the async client's ``close``), stops the loop and joins the thread. A portal nobody refers to
  any more stops itself the same way (without waiting), and so does one that was never closed
  once the main thread has finished and no call is running, so that the interpreter can exit.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import threading
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Generic, ParamSpec, TypeVar, cast

from .._errors import ClientClosedError

__all__ = ["CANCEL_GRACE", "Hosted", "Portal"]

logger = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")
Y = TypeVar("Y")

#: How long a caller blocks at once before looking again: it notices Ctrl-C and a loop that died
#: at these moments (Python runs a signal's handler between bytecodes, not inside every wait).
_WAIT_SLICE = 0.1
#: Seconds an interrupted caller waits for its cancelled task to clean up before it gives up
#: waiting (the task goes on cleaning up on the loop) and raises the interrupt.
CANCEL_GRACE = 10.0
#: How often an idle loop looks whether the main thread has finished.
_WATCH_INTERVAL = 0.5

_CLOSED_DURING_CALL = "client is closed (it was closed while this call was running)"


class _Reply(Generic[T]):
    """One result or error, put by the loop thread, awaited by a calling thread."""

    __slots__ = ("_error", "_event", "_value")

    def __init__(self) -> None:
        self._event = threading.Event()
        self._value: T | None = None
        self._error: BaseException | None = None

    @property
    def done(self) -> bool:
        return self._event.is_set()

    def wait(self, timeout: float) -> bool:
        return self._event.wait(timeout)

    def succeed(self, value: T) -> None:
        self._value = value
        self._event.set()

    def fail(self, error: BaseException) -> None:
        self._error = error
        self._event.set()

    def outcome(self) -> T:
        error, self._error = self._error, None  # no traceback cycle through the reply
        if error is not None:
            raise error
        return cast(T, self._value)


class _Job(Generic[T]):
    """One :meth:`Portal.call`: its reply is set when its task has finished, cleanup included."""

    __slots__ = ("reply", "task")

    def __init__(self) -> None:
        self.reply: _Reply[T] = _Reply()
        self.task: asyncio.Task[None] | None = None

    def cancel(self) -> None:  # on the loop
        if self.task is not None:
            self.task.cancel()


class _LoopThread:
    """The thread, its loop, and the tasks running on it (what the loop side needs; holds no
    reference to the :class:`Portal`, so that an unreferenced portal can be collected)."""

    def __init__(self, name: str, on_close: Callable[[], Awaitable[None]]) -> None:
        self._on_close = on_close
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._watch: asyncio.TimerHandle | None = None
        self._failure: BaseException | None = None
        self.tasks: set[asyncio.Task[Any]] = set()
        #: Calls running, and hosted iterators working on a demand (idle ones do not count).
        self.busy = 0
        #: No call starts once this is set (by close, in any thread, or by the loop itself).
        self.closing = False
        self.thread = threading.Thread(target=self._run, name=name, daemon=False)
        self.thread.start()
        self._ready.wait()
        if self._failure is not None:
            raise RuntimeError("the sync client's event loop did not start") from self._failure

    # -- in the loop thread --------------------------------------------------------------------

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # the loop failed to start, or crashed
            self._failure = exc
            self.closing = True
            logger.exception("the event loop of a sync client stopped with an error")
        finally:
            self._ready.set()

    async def _main(self) -> None:
        loop = self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        self._watch = loop.call_later(_WATCH_INTERVAL, self._check_interpreter)
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            self.closing = True
            self._watch.cancel()
            while self.tasks:  # tasks cancelled now clean up (part files) before the pool closes
                pending = list(self.tasks)
                for task in pending:
                    task.cancel()
                await asyncio.wait(pending)
            try:
                await self._on_close()
            except Exception:
                logger.warning("closing the async client failed", exc_info=True)

    def _check_interpreter(self) -> None:
        """Stop once the main thread has finished and nothing runs: a client that was never
        closed must not keep the interpreter from exiting (it joins non-daemon threads)."""
        if not threading.main_thread().is_alive() and not self.busy:
            logger.debug("the main thread has finished: closing an unclosed sync client")
            self._request_stop_here()
            return
        assert self._loop is not None
        self._watch = self._loop.call_later(_WATCH_INTERVAL, self._check_interpreter)

    def _request_stop_here(self) -> None:
        self.closing = True
        if self._stop is not None:
            self._stop.set()

    def start_call(
        self,
        job: _Job[T],
        function: Callable[..., Awaitable[T]],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> None:
        if self.closing:
            job.reply.fail(ClientClosedError())
            return
        try:
            awaitable = function(*args, **kwargs)
        except BaseException as exc:  # a plain function that raised before returning
            job.reply.fail(exc)
            return
        assert self._loop is not None
        task = self._loop.create_task(self._run_call(job, awaitable))
        job.task = task
        self.tasks.add(task)
        self.busy += 1

    async def _run_call(self, job: _Job[T], awaitable: Awaitable[T]) -> None:
        """Await the call and answer its caller from inside the task (not from a done
        callback, which would take one more turn of the loop)."""
        try:
            result = await awaitable
        except asyncio.CancelledError:
            job.reply.fail(self.cancelled_error())
            raise
        except BaseException as exc:
            job.reply.fail(exc)
        else:
            job.reply.succeed(result)
        finally:
            if job.task is not None:
                self.tasks.discard(job.task)
            self.busy -= 1

    def cancelled_error(self) -> BaseException:
        """What the caller of a task cancelled on the loop gets (unless it was interrupted)."""
        if self.closing:
            return ClientClosedError(_CLOSED_DURING_CALL)
        return RuntimeError("the call was cancelled on the client's event loop")

    # -- in any thread -------------------------------------------------------------------------

    @property
    def in_loop_thread(self) -> bool:
        # The Thread object, not its ident: a later thread may get the ident of an ended one.
        return threading.current_thread() is self.thread

    def schedule(self, callback: Callable[..., None], *args: Any) -> None:
        """Run ``callback(*args)`` on the loop in a copy of the caller's context."""
        if self.closing:
            raise ClientClosedError()
        if self.in_loop_thread:
            raise RuntimeError(
                "a SyncClient cannot be called from its own event loop thread (from a progress "
                "callback, for example): the call would wait for itself"
            )
        assert self._loop is not None
        try:
            self._loop.call_soon_threadsafe(callback, *args, context=contextvars.copy_context())
        except RuntimeError:  # the loop has closed meanwhile
            raise ClientClosedError() from None

    def wait(
        self, reply: _Reply[Any], *, cancel: Callable[[], None], finished: _Reply[Any]
    ) -> None:
        """Block until ``reply`` is set. When interrupted, run ``cancel`` on the loop, wait
        (bounded) until ``finished`` is set, and re-raise."""
        try:
            while not reply.wait(_WAIT_SLICE):
                if not self.thread.is_alive():
                    break
        except BaseException:  # KeyboardInterrupt, or SystemExit from a signal handler
            self._interrupted(cancel, finished)
            raise
        if not reply.done:
            raise ClientClosedError("client is closed (its event loop has stopped)")

    def _interrupted(self, cancel: Callable[[], None], finished: _Reply[Any]) -> None:
        if finished.done or self._loop is None:
            return
        try:
            self._loop.call_soon_threadsafe(cancel)
        except RuntimeError:  # the loop has closed: nothing is running any more
            return
        deadline = time.monotonic() + CANCEL_GRACE
        while not finished.wait(_WAIT_SLICE):
            if time.monotonic() >= deadline or not self.thread.is_alive():
                logger.warning(
                    "an interrupted call is still cleaning up after %.0f s; not waiting longer",
                    CANCEL_GRACE,
                )
                return

    def request_stop(self) -> None:
        """Ask the loop to close down, without waiting (safe from any thread, a finalizer too)."""
        self.closing = True
        loop = self._loop
        if loop is None or not self.thread.is_alive():
            return
        with contextlib.suppress(RuntimeError):  # closed already
            loop.call_soon_threadsafe(self._request_stop_here)

    def close(self) -> None:
        """Stop the loop after cancelling what runs, and wait for the thread to end."""
        self.request_stop()
        if self.in_loop_thread:
            return  # from a callback: the loop finishes closing once the callback returns
        while self.thread.is_alive():
            self.thread.join(_WAIT_SLICE)


class Portal:
    """One event loop in a background thread, and a way to run async code on it from others.

    Args:
        on_close: awaited on the loop when the portal closes, after the running calls were
            cancelled (the async client's ``close``).
        name: the thread's name.
    """

    def __init__(self, on_close: Callable[[], Awaitable[None]], *, name: str) -> None:
        self._loop = _LoopThread(name, on_close)
        # A portal nobody refers to any more (a client dropped without close) stops its thread.
        finalizer = weakref.finalize(self, self._loop.request_stop)
        finalizer.atexit = False

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"<Portal {self._loop.thread.name!r} {state}>"

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called (or the loop stopped)."""
        return self._loop.closing

    @property
    def thread(self) -> threading.Thread:
        """The loop's thread."""
        return self._loop.thread

    def check_open(self) -> None:
        """Raise :class:`~wkapi.ClientClosedError` if the portal is closed."""
        if self._loop.closing:
            raise ClientClosedError()

    def call(self, function: Callable[P, Awaitable[T]], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``await function(*args, **kwargs)`` on the loop; block until it is done and
        return its result or raise its error (see the module docstring for Ctrl-C)."""
        job: _Job[T] = _Job()
        loop = self._loop
        loop.schedule(loop.start_call, job, function, args, kwargs)
        loop.wait(job.reply, cancel=job.cancel, finished=job.reply)
        return job.reply.outcome()

    def host(self, source: AsyncIterator[Y], *, batch: int) -> Hosted[Y]:
        """Run ``source`` in one task on the loop, handing out up to ``batch`` items at a time."""
        return Hosted(self._loop, source, batch)

    def close(self) -> None:
        """Cancel the calls still running and wait for their cleanup, run ``on_close``, stop the
        loop and join its thread. Closing again is harmless. From the loop thread itself (a
        callback), the close is only started: it completes when the callback has returned."""
        self._loop.close()


_END: Any = object()


class Hosted(Generic[Y]):
    """An async iterator advanced by one task on the loop, for a consumer in another thread.

    Keeping one task for the whole iteration keeps what the iterator enters (an open response,
    a request slot) in one task from start to end, as under ``async for``. Items come in batches
    of up to ``batch`` items, fetched on demand only (nothing is read ahead). An error after
    some items of a batch is raised on the next demand, after those items.
    """

    def __init__(self, loop: _LoopThread, source: AsyncIterator[Y], batch: int) -> None:
        self._loop = loop
        self._source = source
        self._batch = batch
        self._inbox: asyncio.Queue[_Reply[tuple[list[Y], bool]] | None] = asyncio.Queue()
        self._pending: _Reply[tuple[list[Y], bool]] | None = None
        self._deferred: BaseException | None = None
        self._task: asyncio.Task[None] | None = None
        self._finished: _Reply[None] = _Reply()
        self._exhausted = False
        self._closed = False
        loop.schedule(self._start)

    # -- in the loop thread --------------------------------------------------------------------

    def _start(self) -> None:
        if self._loop.closing:
            self._finished.succeed(None)
            return
        task = asyncio.get_running_loop().create_task(self._serve())
        self._task = task
        self._loop.tasks.add(task)
        task.add_done_callback(self._done)

    async def _serve(self) -> None:
        source = self._source
        try:
            while (demand := await self._inbox.get()) is not None:
                self._pending = demand
                self._loop.busy += 1
                try:
                    if not await self._answer(source, demand):
                        return
                finally:
                    self._loop.busy -= 1
        finally:
            aclose = getattr(source, "aclose", None)
            if aclose is not None:
                await aclose()

    async def _answer(self, source: AsyncIterator[Y], demand: _Reply[tuple[list[Y], bool]]) -> bool:
        """Answer one demand; whether the iteration goes on."""
        if self._deferred is not None:
            demand.fail(self._deferred)
            return False
        batch: list[Y] = []
        try:
            while len(batch) < self._batch:
                batch.append(await source.__anext__())
        except StopAsyncIteration:
            demand.succeed((batch, True))
            return False
        except Exception as exc:
            if not batch:
                demand.fail(exc)
                return False
            self._deferred = exc
        demand.succeed((batch, False))
        return True

    def _done(self, task: asyncio.Task[None]) -> None:
        self._loop.tasks.discard(task)
        error: BaseException | None = None
        if task.cancelled():
            error = self._loop.cancelled_error()
        elif task.exception() is not None:  # closing the source failed
            error = task.exception()
        pending = self._pending
        if pending is not None and not pending.done:
            pending.fail(error or RuntimeError("the iteration ended without an answer"))
        if error is not None and not task.cancelled():
            self._finished.fail(error)
        else:
            self._finished.succeed(None)

    def _cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()

    # -- in the consumer's thread --------------------------------------------------------------

    def next_batch(self) -> tuple[list[Y], bool]:
        """The next items, and whether the source is exhausted after them."""
        if self._exhausted:
            return [], True
        if self._closed:
            raise RuntimeError("the iteration is closed")
        if self._finished.done:  # the loop cancelled it (closing)
            self._exhausted = True
            self._finished.outcome()
            raise self._loop.cancelled_error()
        demand: _Reply[tuple[list[Y], bool]] = _Reply()
        self._loop.schedule(self._inbox.put_nowait, demand)
        try:
            self._loop.wait(demand, cancel=self._cancel, finished=self._finished)
            items, self._exhausted = demand.outcome()
        except BaseException:
            self._exhausted = True  # like a generator that raised: over
            raise
        return items, self._exhausted

    def close(self, *, wait: bool) -> None:
        """End the iteration: the task closes the source (``aclose``) and ends. With ``wait``,
        block until it has (and raise what closing the source raised)."""
        if self._closed:
            return
        self._closed = True
        if self._finished.done:
            if wait:
                self._finished.outcome()
            return
        if self._loop.in_loop_thread:  # dropped (collected) in the loop thread: no waiting
            self._inbox.put_nowait(None)
            return
        try:
            self._loop.schedule(self._inbox.put_nowait, None)
        except ClientClosedError:
            return  # closing down: the loop cancels the task
        if wait:
            self._loop.wait(self._finished, cancel=self._cancel, finished=self._finished)
            self._finished.outcome()
