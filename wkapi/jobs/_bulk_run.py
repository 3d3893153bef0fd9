"""One bulk creation: pre-flight, batches delivered concurrently, each exactly once.

Every batch is delivered by its own worker (at most ``concurrency`` at a time):

1. Send it (``POST /tasks``; the core retries only failures that surely never reached the
   server).
2. An answer with per-item results settles every item: created, or refused by the server
   (recorded with its status and message, never sent again).
3. Otherwise (after the client's backoff, unless the answer was an error status), look up
   which of the batch's markers now exist in their projects, scanning back only to the batch's
   send time, and record those items as created. Then:
   - after a lost answer (connection cut after sending, timeout, 5xx, 429, unreadable 200), send
     the missing items again, up to ``attempts`` sends in all;
   - after an error status (400, 403, 404, 413, ...), fail the missing items with it: a 400
     may come after part of the batch was created, but never means "try again". The one
     exception is the server's batch limit, which splits the batch into batches of 100.

A run can resume an earlier one (``run_id`` of its report): it then keeps that run's markers,
scans each project once before sending, records the items it finds as created (when the task
found matches the input item; otherwise the item fails as a changed input) and sends only the
rest. So a job killed mid-way, run again with its run id, creates nothing twice. The server may
still be working on a batch of the earlier run when the resumed one looks (it finishes requests
whose client is gone); so the items a resumed run sends are looked up once more at the end, like
items sent again after a lost answer, and a task created twice that way is reported.

A refused connection (or a connect timeout) reached no server: the batch is sent again without
counting as a send (``sends``, ``resent`` and ``requests`` count only sends that may have reached
the server), for as long as the client's :class:`~wkapi._liveness.Liveness` has not declared the
server unreachable (``RetryPolicy.give_up_after``). Then the run stops: every item not sent yet
fails as "not sent" (``sends == 0``), items whose fate is open as "outcome unknown", the report
says ``unreachable``, and the same ``run_id`` resumes it.

Once batches go out, nothing is raised: an unexpected exception in a batch (a bug, a failing
progress callback aside) fails that batch's unsettled items with its text, and the other batches
go on.

Reconciling per batch, right after its failure, keeps each scan short (back to that batch's send
time) instead of scanning a whole round's worth of tasks, and needs no barrier between rounds.
Items sent again after a lost answer are checked once more at the end: if the server finished
the first send after the scan looked (a slow batch behind a timeout), the task exists twice, and
the report says so (``duplicate_task_ids``) instead of hiding it.
"""

from __future__ import annotations

import enum
import logging
import operator
from collections.abc import Awaitable, Callable, Collection, Iterable, Sequence

import anyio
import attrs

from wkapi._errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    InvalidResponseError,
    ServerUnreachableError,
)
from wkapi._liveness import Liveness, found_no_server
from wkapi._progress import ProgressFunction
from wkapi._records import record_builder
from wkapi.models import Task, TaskCreationReport, TaskSpec
from wkapi.models.common import JsonObject
from wkapi.models.task_spec import spec_json
from wkapi.resources.projects import ProjectsResource
from wkapi.resources.task_types import TaskTypesResource

from ._bulk_markers import MarkerMatcher, marked_creation_info, marker_prefix, new_run_id
from ._bulk_plan import VOLUME_LIMIT, BatchKey, plan_batches
from ._bulk_preflight import Preflight, Refusal, Verdict
from ._bulk_reconcile import floor_before, scan_project
from ._bulk_report import BulkTaskItem, BulkTaskReport

__all__ = ["BulkRun", "PostBatch", "RunSettings"]

#: Sends one batch (its task bodies, built as they are read) and returns the server's structured
#: answer.
PostBatch = Callable[[Iterable[JsonObject]], Awaitable[TaskCreationReport]]

_LIMIT_ERROR = "limitExceeded"

logger = logging.getLogger(__name__)


class _Fate(enum.Enum):
    """How one send of a batch ended."""

    ANSWERED = "answered"  # per-item results arrived
    NOT_SENT = "not sent"  # surely never reached the server (refused: send again)
    UNSENDABLE = "unsendable"  # surely never reached the server, and never will (TLS, ...)
    UNREACHABLE = "unreachable"  # the server is given up on: stop the run
    UNKNOWN = "unknown"  # may or may not have been processed
    REFUSED = "refused"  # an error status: do not send again


def _fate(exc: APIError) -> _Fate:
    if isinstance(exc, ServerUnreachableError):
        return _Fate.UNREACHABLE
    if isinstance(exc, APIConnectionError):
        if not exc.request_sent:
            return _Fate.NOT_SENT if exc.transient else _Fate.UNSENDABLE
        return _Fate.UNKNOWN if exc.transient else _Fate.REFUSED
    if isinstance(exc, APIStatusError):
        lost = exc.status >= 500 or exc.status in (408, 429)
        return _Fate.UNKNOWN if lost else _Fate.REFUSED
    return _Fate.UNKNOWN  # InvalidResponseError: a 200 whose body could not be read


def _max_floor(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    return a if b is None else max(a, b)


@attrs.define(eq=False)
class _Item:
    """The run's mutable state of one input item."""

    index: int
    spec: TaskSpec
    marker: str
    key: BatchKey | None = None
    project_id: str = ""
    project_floor: int | None = None
    task: Task | None = None
    status: int | None = None
    error: str | None = None
    done: bool = False
    sends: int = 0
    floor: int | None = None  # scan floor of the latest send
    needs_verify: bool = False  # sent again after a lost answer
    verify_floor: int | None = None  # scan floor of the first send whose answer was lost
    reconciled: bool = False
    resumed: bool = False  # created by the earlier run this one resumes
    outcome: BulkTaskItem | None = None  # the report's item, built while batches are out


@attrs.frozen
class RunSettings:
    """How a run batches, paces and reports.

    ``attempts`` bounds the sends of one item; ``backoff(n)`` is the wait before retry ``n``;
    ``sleep`` waits (a test seam); ``progress(done, total)`` is told of settled items.
    ``liveness`` and ``give_up_after`` (the client's) bound the resends of refused batches: they
    go on while a run of refusals heads for the give-up, and stop when the server is unreachable.
    """

    batch_size: int | None
    concurrency: int
    attempts: int
    volume_task_types: Collection[str] | None
    backoff: Callable[[int], float]
    sleep: Callable[[float], Awaitable[None]]
    progress: ProgressFunction | None = None
    liveness: Liveness | None = None
    give_up_after: float | None = None


class BulkRun:
    """The state and workers of one ``create_many`` call (see the module docstring)."""

    def __init__(
        self,
        *,
        post: PostBatch,
        task_types: TaskTypesResource,
        projects: ProjectsResource,
        settings: RunSettings,
        run_id: str | None = None,
        resume: bool = False,
    ) -> None:
        self._post = post
        self._task_types = task_types
        self._projects = projects
        self._settings = settings
        self._resuming = resume
        self.run_id = run_id if run_id is not None else new_run_id()
        self._matcher = MarkerMatcher(self.run_id)
        self._items: list[_Item] = []
        self._warnings: dict[str, None] = {}
        self._duplicates: dict[str, int] = {}  # extra task id -> input index
        self._newest_created: int | None = None
        self._markers_trusted = True
        self._requests = 0
        self._done = 0
        self._unreachable: ServerUnreachableError | None = None
        self._progress_failed = False

    async def run(self, specs: Sequence[TaskSpec]) -> BulkTaskReport:
        """Create every spec at most once and report each one's outcome."""
        settings = self._settings
        preflight = Preflight(
            self._task_types, self._projects, volume_task_types=settings.volume_task_types
        )
        verdicts = await preflight.check(specs, concurrency=settings.concurrency)
        sendable = self._prepare(specs, verdicts)
        logger.info(
            "bulk task creation run %s: %d items (resume it with run_id=%r)",
            self.run_id,
            len(self._items),
            self.run_id,
        )
        if self._resuming:
            sendable = await self._resume(sendable)
        self._report_progress()
        batches = plan_batches(sendable, _batch_key, settings.batch_size)
        limiter = anyio.CapacityLimiter(settings.concurrency)

        async def deliver(batch: list[_Item]) -> None:
            async with limiter:
                try:
                    await self._deliver(batch)
                except Exception as exc:  # reported per item, never raised
                    self._unexpected(batch, exc)

        async with anyio.create_task_group() as group:
            for batch in batches:
                group.start_soon(deliver, batch)
        try:
            await self._look_for_duplicates()
        except Exception as exc:  # the report says it
            logger.exception(
                "bulk task creation run %s: checking for duplicates failed", self.run_id
            )
            self._warnings[f"could not check for tasks created twice: {_describe(exc)}"] = None
        return self._report()

    # -- preparation --------------------------------------------------------------------------

    def _prepare(self, specs: Sequence[TaskSpec], verdicts: Sequence[Verdict]) -> list[_Item]:
        """The run's items, one per spec: each cleared one ready to send (its marker, batch
        key and project), each refused one failed. Returns the cleared ones."""
        prefix = marker_prefix(self.run_id)
        items = self._items = []
        sendable: list[_Item] = []
        refused: list[tuple[_Item, Refusal]] = []
        for index, (spec, verdict) in enumerate(zip(specs, verdicts, strict=True)):
            marker = f"{prefix}{index}]"  # make_marker(), without a call per item
            if isinstance(verdict, Refusal):
                item = _Item(index, spec, marker)
                refused.append((item, verdict))
            else:
                project = verdict.project
                item = _Item(index, spec, marker, verdict.key, project.id, project.floor)
                sendable.append(item)
            items.append(item)
        for item, refusal in refused:
            self._fail([item], refusal.status, refusal.message)
        return sendable

    async def _resume(self, sendable: list[_Item]) -> list[_Item]:
        """Settle the items an earlier run with this run id created; the ones left to send.

        Each project is scanned whole (the earlier run's tasks may be of any age). An item
        whose task differs from the input (another project, dataset, task type or position: the
        input changed between the runs) fails instead of being sent or taken for created. The
        items left to send are checked for duplicates at the end (see the module docstring).
        """
        found = await self._scan_earlier_run(sendable)
        pending = {item.index: item for item in sendable}
        for index, tasks in found.items():
            item = pending.get(index)
            if item is not None and not item.done:
                self._settle_resumed(item, tasks)
        left = [item for item in sendable if not item.done]
        for item in left:
            item.needs_verify = True
            item.verify_floor = item.project_floor
        return left

    async def _scan_earlier_run(self, sendable: list[_Item]) -> dict[int, list[Task]]:
        """The tasks of this run's markers in the projects of ``sendable``, by input index; the
        items of a project that cannot be scanned fail unsent."""
        by_project: dict[str, list[_Item]] = {}
        for item in sendable:
            by_project.setdefault(item.project_id, []).append(item)
        found: dict[int, list[Task]] = {}
        for project_id, items in by_project.items():
            try:
                in_project = await self._scan(project_id, None)
            except APIError as exc:
                self._note_unreachable(exc)
                self._fail(
                    items,
                    None,
                    f"not sent: could not look up the earlier run's tasks ({exc.message})",
                )
                continue
            for index, tasks in in_project.items():
                found.setdefault(index, []).extend(tasks)
        return found

    def _settle_resumed(self, item: _Item, tasks: list[Task]) -> None:
        """Record the earlier run's task of ``item`` as created, or fail the item if the task
        differs from the input. A second task with the item's marker is a duplicate."""
        tasks = sorted(tasks, key=lambda task: task.project_id != item.project_id)
        mismatch = _mismatch(item, tasks[0])
        if mismatch is not None:
            self._fail(
                [item],
                None,
                f"run {self.run_id} created item {item.index} as task {tasks[0].id}, but "
                f"{mismatch}: the input changed since that run; not sent",
            )
            return
        item.resumed = True
        self._created(item, tasks[0])
        for task in tasks[1:]:
            self._duplicates[task.id] = item.index

    # -- delivery -----------------------------------------------------------------------------

    async def _deliver(self, batch: list[_Item]) -> None:
        """Send ``batch`` until each item is created, refused, or out of attempts (or the
        server is unreachable)."""
        attempts = self._settings.attempts
        last: APIError | None = None
        attempt = 0  # sends that may have reached the server
        refused = 0  # sends in a row that surely did not
        while attempt < attempts:
            if self._unreachable is not None:
                self._stop_unreachable(batch)
                return
            error = await self._send(batch)
            if error is None:
                return
            last = error
            fate = _fate(error)
            if fate is _Fate.UNREACHABLE:
                assert isinstance(error, ServerUnreachableError)
                self._unreachable = self._unreachable or error
                self._stop_unreachable(batch)
                return
            if fate is _Fate.UNSENDABLE:
                self._fail(batch, None, f"not sent: {error.message}")
                return
            if fate is _Fate.NOT_SENT:
                refused += 1
                if not self._resend_refused(refused, attempts):
                    break
                await self._settings.sleep(self._refused_wait(refused))
                continue
            refused = 0
            attempt += 1
            if fate is not _Fate.REFUSED:
                # Pace the next send, and give a server still working on the batch (behind a
                # timeout) time to finish before looking for its tasks.
                await self._settings.sleep(self._settings.backoff(attempt))
            missing = await self._reconcile(batch, error)
            if missing is None or not missing:
                return
            if fate is _Fate.REFUSED:
                await self._refused(missing, error)
                return
            if not self._markers_trusted:
                self._fail(missing, None, f"outcome unknown ({error.message}); {_UNTRUSTED}")
                return
            batch = missing
            for item in batch:
                if not item.needs_verify:
                    item.needs_verify = True
                    item.verify_floor = item.floor
        assert last is not None
        status = last.status if isinstance(last, APIStatusError) else None
        if all(item.sends == 0 for item in batch):
            self._fail(batch, status, f"not sent: {last.message}")
        else:
            self._fail(batch, status, f"not created after {attempts} attempts: {last.message}")

    def _resend_refused(self, refused: int, attempts: int) -> bool:
        """Whether a batch whose ``refused``-th send in a row found no server goes again: up to
        ``attempts`` times, and beyond while a run of refusals heads for the client's give-up
        (which then stops it)."""
        if refused < attempts:
            return True
        liveness = self._settings.liveness
        return liveness is not None and liveness.time_left(self._settings.give_up_after) is not None

    def _refused_wait(self, refused: int) -> float:
        """The wait before resending a refused batch: the backoff, but not past the moment the
        server would count as unreachable (so the run stops on time)."""
        wait = self._settings.backoff(refused)
        liveness = self._settings.liveness
        if liveness is not None:
            left = liveness.time_left(self._settings.give_up_after)
            if left is not None:
                wait = min(wait, left)
        return wait

    def _stop_unreachable(self, batch: list[_Item]) -> None:
        """Fail the batch's unsettled items because the server is unreachable: "not sent" if
        no send of theirs may have reached it, else "outcome unknown"."""
        assert self._unreachable is not None
        self._fail_pending(batch, f"the server is unreachable ({self._unreachable.message})")

    def _unexpected(self, batch: list[_Item], exc: Exception) -> None:
        """Fail the batch's unsettled items with an exception nothing expected (a bug)."""
        logger.exception("bulk task creation run %s: a batch failed unexpectedly", self.run_id)
        self._fail_pending(batch, f"unexpected error: {_describe(exc)}")

    def _fail_pending(self, batch: list[_Item], reason: str) -> None:
        """Fail the batch's unsettled items for ``reason``: "not sent" if no send of theirs may
        have reached the server, else "outcome unknown"."""
        pending = [item for item in batch if not item.done]
        self._fail([i for i in pending if i.sends == 0], None, f"not sent: {reason}")
        self._fail(
            [i for i in pending if i.sends > 0],
            None,
            f"outcome unknown: {reason}; resume with run_id={self.run_id!r} to find out",
        )

    async def _send(self, batch: list[_Item]) -> APIError | None:
        """One ``POST /tasks``; records the answer's outcomes. Returns the error, if any."""
        floor = floor_before(self._newest_created)
        floors = [item.floor for item in batch]
        for item in batch:
            item.sends += 1
            item.floor = _max_floor(item.project_floor, floor)
        self._requests += 1
        try:
            answer = await self._post(_body(item) for item in batch)
            if len(answer.results) != len(batch):
                raise InvalidResponseError(
                    f"POST /tasks: {len(answer.results)} results for {len(batch)} tasks",
                    method="POST",
                )
        except APIError as exc:
            if isinstance(exc, APIConnectionError) and not exc.request_sent:
                # It never reached the server: no send, nothing to reconcile or resend.
                self._requests -= 1
                for item, earlier in zip(batch, floors, strict=True):
                    item.sends -= 1
                    item.floor = earlier
            return exc
        self._warnings.update(dict.fromkeys(answer.warnings))
        for item, result in zip(batch, answer.results, strict=True):
            task = result.task
            if task is not None:
                info = task.creation_info
                if info is None or not info.endswith(item.marker):  # else: as sent
                    self._check_marker(item, task)
                self._created(item, task)
            else:
                self._fail([item], result.status, result.error or "refused without a message")
            # The report's item now, while other batches are with the server, not all at the end
            # (as _outcome() would, without its check: the item has just changed).
            item.outcome = _new_outcome(
                item.index, item.spec, item.marker, item.task, item.status, item.error, item.sends
            )
        self._report_progress()
        return None

    async def _refused(self, missing: list[_Item], error: APIError) -> None:
        """Fail the items an error status left uncreated, or re-split on the batch limit."""
        status = error.status if isinstance(error, APIStatusError) else None
        messages = error.messages if isinstance(error, APIStatusError) else []
        if len(missing) > VOLUME_LIMIT and any(_LIMIT_ERROR in m for m in messages):
            # The caller's word on volume task types was wrong: the server wants batches of 100.
            for start in range(0, len(missing), VOLUME_LIMIT):
                await self._deliver(missing[start : start + VOLUME_LIMIT])
            return
        detail = "; ".join(messages) if messages else error.message
        self._fail(missing, status, detail)

    def _check_marker(self, item: _Item, task: Task) -> None:
        info = task.creation_info
        if info is not None and info.endswith(item.marker):
            return  # as sent: the marker is the last one of this run in the text
        if self._markers_trusted and self._matcher.index(info) != item.index:
            self._markers_trusted = False
            self._warnings[
                f"the server answered task {task.id} without the creationInfo it was sent; "
                "batches whose answer is lost will not be sent again"
            ] = None

    # -- reconciliation -----------------------------------------------------------------------

    async def _reconcile(self, batch: list[_Item], error: APIError) -> list[_Item] | None:
        """Record the batch's items that exist as created; the missing ones, or ``None`` if the
        lookup itself failed (then the items fail as outcome unknown)."""
        by_project: dict[str, list[_Item]] = {}
        for item in batch:
            by_project.setdefault(item.project_id, []).append(item)
        for project_id, items in by_project.items():
            floor = _min_floor(item.floor for item in items)
            try:
                found = await self._scan(project_id, floor)
            except APIError as scan_error:
                self._note_unreachable(scan_error)
                pending = [item for item in batch if not item.done]
                self._fail(
                    pending,
                    None,
                    f"outcome unknown: the batch failed ({error.message}) and looking up which "
                    f"tasks exist failed too ({scan_error.message})",
                )
                return None
            self._apply_found(found, {item.index for item in items})
        self._report_progress()
        return [item for item in batch if not item.done]

    async def _scan(self, project_id: str, floor: int | None) -> dict[int, list[Task]]:
        """:func:`scan_project`, tried ``attempts`` times (the core already retries each GET);
        refused connections are waited out until the server counts as unreachable."""
        attempt = 1
        refused = 0
        while True:
            try:
                return await scan_project(self._projects, project_id, self._matcher, floor)
            except ServerUnreachableError:
                raise
            except APIError as exc:
                if found_no_server(exc) and self._resend_refused(refused + 1, 0):
                    refused += 1
                    await self._settings.sleep(self._refused_wait(refused))
                    continue
                if attempt >= self._settings.attempts:
                    raise
            await self._settings.sleep(self._settings.backoff(attempt))
            attempt += 1

    def _apply_found(self, found: dict[int, list[Task]], settle: Collection[int]) -> None:
        """Record found tasks: items of ``settle`` (or sent and already finished without a task)
        become created; a second task for an item is a duplicate. Items another worker still has
        in flight, and items that failed without being sent, are left as they are."""
        for index, tasks in found.items():
            if index >= len(self._items):
                continue  # a marker of the resumed run past this input (the input changed)
            item = self._items[index]
            if item.task is None:
                if item.sends == 0 or (index not in settle and not item.done):
                    continue  # failed unsent (its task, if any, is not this run's), or in flight
                item.reconciled = True
                if item.done:  # failed earlier, yet it exists: count it as created
                    self._done -= 1
                self._created(item, tasks[0])
            kept = item.task.id if item.task is not None else None
            for task in tasks:
                if task.id != kept:
                    self._duplicates[task.id] = index

    async def _look_for_duplicates(self) -> None:
        """Look once more for items sent again after a lost answer, and the items a resumed run
        sent (see the module docstring)."""
        floors: dict[str, list[int | None]] = {}
        for item in self._items:
            if item.needs_verify and item.sends > 0:
                floors.setdefault(item.project_id, []).append(item.verify_floor)
        if floors and self._unreachable is not None:
            self._warnings[
                "could not check for tasks created twice: the server is unreachable; resume "
                f"with run_id={self.run_id!r} to check"
            ] = None
            return
        for project_id, project_floors in floors.items():
            floor = _min_floor(project_floors)
            try:
                found = await self._scan(project_id, floor)
            except APIError as exc:
                self._note_unreachable(exc)
                self._warnings[
                    f"could not check project {project_id} for tasks created twice: {exc.message}"
                ] = None
                continue
            self._apply_found(found, ())

    # -- outcomes -----------------------------------------------------------------------------

    def _created(self, item: _Item, task: Task) -> None:
        item.task = task
        item.status = 200
        item.error = None
        item.done = True
        self._done += 1
        if self._newest_created is None or task.created > self._newest_created:
            self._newest_created = task.created

    def _fail(self, items: Iterable[_Item], status: int | None, message: str) -> None:
        for item in items:
            item.status = status
            item.error = message
            item.done = True
            self._done += 1
        self._report_progress()

    def _note_unreachable(self, exc: APIError) -> None:
        if isinstance(exc, ServerUnreachableError) and self._unreachable is None:
            self._unreachable = exc

    def _report_progress(self) -> None:
        progress = self._settings.progress
        if progress is None or self._progress_failed:
            return
        try:
            progress(self._done, len(self._items))
        except Exception as exc:  # the run goes on; the report says it
            self._progress_failed = True
            logger.exception("bulk task creation run %s: the progress callback failed", self.run_id)
            self._warnings[
                f"the progress callback raised {_describe(exc)}; it was not called again"
            ] = None

    def _report(self) -> BulkTaskReport:
        warnings = dict(self._warnings)
        if self._unreachable is not None:
            not_sent = sum(1 for item in self._items if item.task is None and item.sends == 0)
            warnings[
                f"the server became unreachable, so the run stopped: {not_sent} items were not "
                f"sent; resume with run_id={self.run_id!r} once it is back "
                f"({self._unreachable.message})"
            ] = None
        for task_id, index in self._duplicates.items():
            item = self._items[index]
            warnings[
                f"DUPLICATE: task {task_id} repeats item {index} (marker {item.marker}), "
                f"which was created as task {item.task.id if item.task else '?'}"
            ] = None
        outcomes: list[BulkTaskItem] = []
        resent = reconciled = resumed = 0
        for item in self._items:  # one pass: a run has tens of thousands of items
            outcomes.append(_outcome(item))
            if item.sends > 1:
                resent += 1
            if item.reconciled and item.task is not None:
                reconciled += 1
            if item.resumed:
                resumed += 1
        return BulkTaskReport(
            run_id=self.run_id,
            items=tuple(outcomes),
            warnings=tuple(warnings),
            requests=self._requests,
            resent=resent,
            reconciled=reconciled,
            resumed=resumed,
            duplicate_task_ids=tuple(self._duplicates),
            unreachable=self._unreachable is not None,
        )


#: The batch key of a sendable item (set by ``_prepare``), read without a Python call per item.
_batch_key: Callable[[_Item], BatchKey] = operator.attrgetter("key")

_UNTRUSTED = (
    "not sent again because the server does not return creationInfo as sent, so the client "
    "cannot check what was created"
)


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _outcome(item: _Item) -> BulkTaskItem:
    """The report's item for ``item``: the one built earlier if the item is still as it was."""
    outcome = item.outcome
    if (
        outcome is None
        or outcome.task is not item.task
        or outcome.status != item.status
        or outcome.error != item.error
        or outcome.sends != item.sends
    ):
        # Positional (index, spec, marker, task, status, error, sends), through the slots:
        # there is one per input item.
        outcome = item.outcome = _new_outcome(
            item.index, item.spec, item.marker, item.task, item.status, item.error, item.sends
        )
    return outcome


_new_outcome = record_builder(BulkTaskItem)


def _body(item: _Item) -> JsonObject:
    """The item's task body with its marker. Built for each send, not kept: a body lives only
    until the request is encoded, so a large run holds no second copy of its input. Its
    positions are the spec's tuples (JSON arrays to the encoder, and no copies)."""
    spec = item.spec
    return spec_json(spec, marked_creation_info(spec.creation_info, item.marker), tuple)


def _mismatch(item: _Item, task: Task) -> str | None:
    """How ``task`` differs from ``item``'s input in what identifies a row, or ``None``."""
    spec = item.spec
    if task.project_id != item.project_id:
        return f"its project is {task.project_name!r}, not {spec.project_name!r}"
    if task.dataset_name != spec.dataset:
        return f"its dataset is {task.dataset_name!r}, not {spec.dataset!r}"
    if task.type.id != spec.task_type_id:
        return f"its task type is {task.type.id}, not {spec.task_type_id}"
    if tuple(task.edit_position) != tuple(spec.edit_position):
        return f"its edit position is {list(task.edit_position)}, not {list(spec.edit_position)}"
    return None


def _min_floor(floors: Iterable[int | None]) -> int | None:
    """The lowest floor; ``None`` (no bound) wins."""
    lowest: int | None = None
    for floor in floors:
        if floor is None:
            return None
        lowest = floor if lowest is None else min(lowest, floor)
    return lowest
