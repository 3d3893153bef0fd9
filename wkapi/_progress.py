"""Progress reporting for transfers: a callback or an object with ``update``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

from ._errors import InputError

__all__ = ["ProgressCallback", "ProgressReporter", "progress_function"]


@runtime_checkable
class ProgressReporter(Protocol):
    """An object told how far a transfer is (a progress bar, a logger, ...)."""

    def update(self, done: int, total: int | None) -> object:
        """``done`` bytes of ``total`` (``None`` when the size is unknown) have been moved."""
        ...


#: Either ``callback(done, total)`` or an object with ``update(done, total)``.
#:
#: It is called on the event loop thread after each chunk reached the disk (downloads) or the
#: socket (uploads), and once more at the end; keep it quick. ``done`` restarts at 0 when a broken
#: download is restarted from the beginning. An exception it raises aborts the transfer.
ProgressCallback = Callable[[int, int | None], object] | ProgressReporter

ProgressFunction = Callable[[int, int | None], object]


def progress_function(
    progress: ProgressCallback | None, name: str = "progress"
) -> ProgressFunction | None:
    """The plain function to call for ``progress`` (its ``update`` method if it has one).

    Anything else (a number, a string) is an :class:`~wkapi.InputError` naming ``name``, raised
    before the job or transfer starts rather than at its first report.
    """
    if progress is None:
        return None
    if isinstance(progress, ProgressReporter) and callable(progress.update):
        return progress.update
    if callable(progress):
        return progress
    raise InputError(
        f"{name} must be callable as {name}(done, total) or have an update(done, total) "
        f"method, got {progress!r}"
    )
