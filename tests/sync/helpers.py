"""Plain helpers of the sync client's tests (fixtures live in the conftest): the factories'
types, the part files a download may leave, and a peak-RSS sampler."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

import psutil

from tests.helpers import ThreadedServer
from wkapi import SyncClient

#: ``threaded(**options)``: a started fake server in a thread of its own.
ServerFactory = Callable[..., ThreadedServer]
#: ``connect(server, role="admin", **options)``: a sync client of that server.
SyncFactory = Callable[..., SyncClient]

#: The route pattern of annotation downloads, for fault rules.
DOWNLOADS = "/annotations/*/download"


def part_files(directory: Path) -> list[Path]:
    """Every ``*.part`` file below ``directory``."""
    return sorted(directory.rglob("*.part"))


class PeakRss:
    """The process's peak resident set size while the ``with`` block runs, sampled every
    ``interval`` seconds by a thread of its own (so a blocked caller does not stop it)."""

    def __init__(self, interval: float = 0.02) -> None:
        self._process = psutil.Process()
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="peak-rss", daemon=True)
        self.before = 0
        self.peak = 0

    @property
    def growth(self) -> int:
        """Peak RSS minus RSS at the start, in bytes."""
        return self.peak - self.before

    def _sample(self) -> None:
        while not self._stop.wait(self._interval):
            self.peak = max(self.peak, self._process.memory_info().rss)

    def __enter__(self) -> PeakRss:
        self.before = self.peak = self._process.memory_info().rss
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._process.memory_info().rss)
