"""What ``create_many`` answers: one outcome per input item, in input order, and the counts."""

from __future__ import annotations

import attrs

from wkapi.models import Task, TaskSpec

__all__ = ["BulkTaskItem", "BulkTaskReport"]


@attrs.frozen
class BulkTaskItem:
    """The outcome of one input item of :meth:`~wkapi.jobs.BulkTasksResource.create_many`.

    Attributes:
        index: the item's position in the input (0-based).
        spec: the spec as given (without the marker), ready to be sent again if it failed.
        marker: the marker appended to the task's ``creationInfo`` (``[wkapi:<run>:<index>]``).
        task: the created task, or ``None`` if the item failed.
        status: 200 for a created task; for a failure the HTTP status that decided it (of the
            lookup, of the item, or of its batch), ``None`` when no answer decided it.
        error: why the item failed (``None`` when it was created).
        sends: how many times the item was sent, counting only sends that may have reached
            the server (0: never sent: refused before sending, or every connection refused).
    """

    index: int
    spec: TaskSpec
    marker: str
    task: Task | None = None
    status: int | None = None
    error: str | None = None
    sends: int = 0

    @property
    def ok(self) -> bool:
        """Whether the task was created."""
        return self.task is not None

    @property
    def sent(self) -> bool:
        """Whether the item may have reached the server (``sends > 0``)."""
        return self.sends > 0


@attrs.frozen
class BulkTaskReport:
    """The report of one bulk creation.

    Attributes:
        run_id: the run id in every marker of this run.
        items: one :class:`BulkTaskItem` per input item, in input order.
        warnings: the server's warnings (each once) and the job's own, e.g. about duplicates.
        requests: ``POST /tasks`` requests that may have reached the server (resends
            included; a refused connection is none).
        resent: items sent more than once because an earlier send was lost (never for a
            refused connection: nothing was lost).
        reconciled: items whose creation was learnt by looking up the project's tasks (their
            batch's answer was lost or an error) rather than from an answer.
        resumed: items an earlier run with the same ``run_id`` had created (found before
            sending; only when resuming).
        duplicate_task_ids: tasks found carrying a marker another task also carries, i.e.
            created twice (never expected; delete them if they are unwanted).
        unreachable: the server stopped answering and refused connections for the client's
            ``RetryPolicy.give_up_after`` seconds, so the run stopped early: the items not
            sent fail as "not sent"; run again with ``run_id`` to resume.
    """

    run_id: str
    items: tuple[BulkTaskItem, ...]
    warnings: tuple[str, ...] = ()
    requests: int = 0
    resent: int = 0
    reconciled: int = 0
    resumed: int = 0
    duplicate_task_ids: tuple[str, ...] = ()
    unreachable: bool = False

    @property
    def created(self) -> int:
        """How many items were created."""
        return sum(1 for item in self.items if item.ok)

    @property
    def failed(self) -> int:
        """How many items were not created."""
        return sum(1 for item in self.items if not item.ok)

    @property
    def not_sent(self) -> int:
        """How many items failed without being sent (see :attr:`BulkTaskItem.sent`)."""
        return sum(1 for item in self.items if not item.ok and not item.sent)

    @property
    def duplicates(self) -> int:
        """How many extra tasks were found for items already created (should be 0)."""
        return len(self.duplicate_task_ids)

    @property
    def ok(self) -> bool:
        """Whether every item was created, and none twice."""
        return self.failed == 0 and not self.duplicate_task_ids

    @property
    def failures(self) -> tuple[BulkTaskItem, ...]:
        """The items that were not created, in input order."""
        return tuple(item for item in self.items if not item.ok)

    @property
    def tasks(self) -> tuple[Task, ...]:
        """The created tasks, in input order."""
        return tuple(item.task for item in self.items if item.task is not None)

    def summary(self) -> str:
        """One line for logs: counts of created, failed, requests, resent, reconciled."""
        resumed = f", {self.resumed} from run {self.run_id}" if self.resumed else ""
        text = (
            f"{self.created} created{resumed}, {self.failed} failed of {len(self.items)} "
            f"({self.requests} requests, {self.resent} resent, {self.reconciled} reconciled)"
        )
        if self.duplicate_task_ids:
            text += f", {self.duplicates} DUPLICATES"
        if self.unreachable:
            text += f"; the server became unreachable: {self.not_sent} not sent"
        return text
