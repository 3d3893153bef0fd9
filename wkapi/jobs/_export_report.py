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
        error: why it failed (``"404 Annotation could not be found"``), else ``None``.
    """

    typ: str
    id: str
    status: ExportStatus
    path: Path | None = None
    size: int | None = None
    sha256: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the file is on disk (downloaded now or skipped as complete)."""
        return self.status is not ExportStatus.FAILED


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
        items: every annotation found, in the order they were settled.
        succeeded: downloaded in this run.
        skipped: already complete from an earlier run.
        failed: failed in this run (see :attr:`failures`).
        bytes: bytes downloaded in this run.
        seconds: wall time of the run, listing included.
        manifest_path: the manifest (JSON Lines) in the destination.
        warnings: notes that do not make the run fail (none are given at present; kept so
            that callers reading it go on working).
        listing_errors: lists that could not be read (e.g. one task's annotations, or a
            project's tasks while a task type past the server's 1000-task cap is listed
            project by project), so some annotations may be missing from :attr:`items`; they
            make :attr:`ok` false.
        unreachable: the server refused connections and answered nothing for the client's
            ``RetryPolicy.give_up_after`` seconds, so the run stopped early (a listing error
            says so): what was not fetched is fetched by running the export again.
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
        return self.failed == 0 and not self.listing_errors

    @property
    def failures(self) -> tuple[ExportItem, ...]:
        """The items that failed, with their ``error``."""
        return tuple(item for item in self.items if item.status is ExportStatus.FAILED)

    @property
    def total(self) -> int:
        """How many annotations the run covered (succeeded + skipped + failed)."""
        return len(self.items)
