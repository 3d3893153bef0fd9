"""What an export run reports: one :class:`ExportItem` per annotation and the totals."""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from pathlib import Path

import attrs

__all__ = ["ExportItem", "ExportReport", "ExportStatus", "ListingCallback", "ListingProgress"]


class ExportStatus(str, enum.Enum):
    """How one annotation fared in an export run."""

    OK = "ok"
    """Downloaded in this run."""
    SKIPPED = "skipped"
    """Complete on disk from an earlier run (per the manifest); nothing was sent."""
    FAILED = "failed"
    """The download failed; ``error`` says why. The next run tries again."""
    NOT_FETCHED = "not fetched"
    """Found, but the run stopped before it was fetched (the server became unreachable);
    ``error`` says why. Nothing was recorded for it: the next run fetches it."""


@attrs.frozen
class ExportItem:
    """One annotation (or compound ZIP) of an export.

    Attributes:
        typ: the annotation type (``"Task"``, ``"Explorational"``, ``"CompoundProject"``, ...).
        id: the annotation id (for compound types: the project, task or task type id).
        status: :class:`ExportStatus`.
        path: the file (absolute), ``None`` when it failed.
        size: its size in bytes, ``None`` when it failed.
        sha256: the SHA-256 of its content (hex), ``None`` when it failed.
        error: why it failed (``"404 Annotation could not be found"``) or was not fetched,
            else ``None``.
        sent: whether a download request for it may have reached the server in this run
            (``False`` for a skipped item, and for one whose every connection was refused or
            that was never started; as :attr:`BulkTaskItem.sent <wkapi.jobs.BulkTaskItem.sent>`).
    """

    typ: str
    id: str
    status: ExportStatus
    path: Path | None = None
    size: int | None = None
    sha256: str | None = None
    error: str | None = None
    sent: bool = False

    @property
    def ok(self) -> bool:
        """Whether the file is on disk (downloaded now or skipped as complete)."""
        return self.status in (ExportStatus.OK, ExportStatus.SKIPPED)


@attrs.frozen
class ListingProgress:
    """How far an export's listing is: what it has found so far (``on_listing`` gets one).

    An export finds what to fetch by reading lists (a project's tasks, then each task's
    annotations; a user's annotations; the explicit ids' infos) while it downloads; for a large
    project that takes a while, and this says how it goes. The callback is told once when the
    listing starts, after each annotation found and each task listed, and once at the end
    (``done``).

    Attributes:
        found: annotations found so far (each once, however many sources name it).
        sources: annotations found so far per source (``"project <id>"``, ``"task type <id>"``,
            ``"user <id>"``, ``"annotation ids"``), in the order of the export's arguments;
            an annotation two sources name counts for the first that found it.
        tasks_listed: tasks whose annotations have been listed so far.
        done: the listing is complete (``found`` is the export's total).
    """

    found: int
    sources: Mapping[str, int]
    tasks_listed: int = 0
    done: bool = False


#: Told how the listing goes (on the event loop; keep it quick). An exception it raises stops
#: the export, as one raised by ``on_item`` does.
ListingCallback = Callable[[ListingProgress], object]


@attrs.frozen
class ExportReport:
    """The outcome of :meth:`ExportJobs.annotations` or :meth:`ExportJobs.compound`.

    Attributes:
        items: every annotation found, in the order they were settled, then those the run
            did not get to (:attr:`ExportStatus.NOT_FETCHED`, in the order they were found).
        succeeded: downloaded in this run.
        skipped: already complete from an earlier run.
        failed: failed in this run (see :attr:`failures`).
        bytes: bytes downloaded in this run.
        seconds: wall time of the run, listing included.
        manifest_path: the manifest (JSON Lines) in the destination.
        warnings: notes on the run, e.g. that it stopped because the server became
            unreachable (once the listing was complete; else that is a listing error).
        listing_errors: lists that could not be read (e.g. one task's annotations, or a
            project's tasks while a task type past the server's 1000-task cap is listed
            project by project), so some annotations may be missing from :attr:`items`; they
            make :attr:`ok` false.
        unreachable: the server refused connections and answered nothing for the client's
            ``RetryPolicy.give_up_after`` seconds, so the run stopped early (a warning says
            so, or a listing error if the listing was not complete): the annotations found but
            not fetched are items with status :attr:`ExportStatus.NOT_FETCHED`, and running
            the same export again fetches them (the manifest keeps what is done).
    """

    items: tuple[ExportItem, ...]
    succeeded: int
    skipped: int
    failed: int
    bytes: int
    seconds: float
    manifest_path: Path
    warnings: tuple[str, ...] = ()
    listing_errors: tuple[str, ...] = ()
    unreachable: bool = False

    @property
    def ok(self) -> bool:
        """Whether every annotation found is on disk and every list could be read."""
        return (
            self.failed == 0
            and not self.listing_errors
            and not self.unreachable
            and self.not_fetched == 0
        )

    @property
    def not_fetched(self) -> int:
        """How many annotations were found but not fetched because the run stopped."""
        return sum(1 for item in self.items if item.status is ExportStatus.NOT_FETCHED)

    @property
    def not_sent(self) -> int:
        """How many annotations are not on disk and had no request that may have reached the
        server (see :attr:`ExportItem.sent`)."""
        return sum(1 for item in self.items if not item.ok and not item.sent)

    @property
    def failures(self) -> tuple[ExportItem, ...]:
        """The items that failed, with their ``error`` (not those the run did not get to: see
        :attr:`not_fetched`)."""
        return tuple(item for item in self.items if item.status is ExportStatus.FAILED)

    @property
    def total(self) -> int:
        """How many annotations the run found (succeeded + skipped + failed + not fetched)."""
        return len(self.items)

    def summary(self) -> str:
        """One line for logs: counts of downloaded, skipped, failed and not fetched."""
        text = (
            f"{self.succeeded} downloaded, {self.skipped} skipped, {self.failed} failed of "
            f"{self.total} ({self.bytes} bytes in {self.seconds:.1f} s)"
        )
        if self.listing_errors:
            text += f", {len(self.listing_errors)} listing errors"
        if self.unreachable:
            text += (
                f"; the server became unreachable: {self.not_fetched} not fetched "
                "(run the same export again to fetch them)"
            )
        return text
