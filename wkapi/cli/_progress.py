"""Progress on stderr: rich bars on a terminal, plain lines otherwise, or nothing (``--quiet``).

A :class:`ProgressView` holds meters (:meth:`ProgressView.meter`), each counting items or bytes;
a meter has ``update(done, total)``, so it can be handed to wkapi as a progress callback. In
bars mode a meter is a bar with amount, rate and ETA; in lines mode it prints a line at each
tenth of its total (or every few seconds when the total is unknown) and one when it finishes
(``done``, or ``stopped`` when the job gave up early);
:meth:`ProgressView.note` prints one line per event in both modes.
"""

from __future__ import annotations

import enum
import time
from types import TracebackType
from typing import Literal

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from ._format import human_bytes

__all__ = ["Meter", "ProgressMode", "ProgressView", "Unit"]

Unit = Literal["items", "bytes"]

# In lines mode, a meter without a total reports at most this often (seconds).
_LINE_INTERVAL = 5.0


class ProgressMode(enum.Enum):
    """How progress is shown."""

    BARS = "bars"
    LINES = "lines"
    OFF = "off"


def _amount(unit: str, value: float) -> str:
    return human_bytes(value) if unit == "bytes" else f"{int(value)}"


class _AmountColumn(ProgressColumn):
    """``12/200`` for items, ``1.2 MB/4.0 MB`` (or ``1.2 MB``) for bytes."""

    def render(self, task: Task) -> Text:
        unit = task.fields.get("unit", "items")
        done = _amount(unit, task.completed)
        if task.total is None:
            return Text(done, style="progress.download")
        return Text(f"{done}/{_amount(unit, task.total)}", style="progress.download")


class _RateColumn(ProgressColumn):
    """``35.2 items/s`` or ``4.5 MB/s``."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        if speed is None:
            return Text("", style="progress.data.speed")
        unit = task.fields.get("unit", "items")
        if unit == "bytes":
            return Text(f"{human_bytes(speed)}/s", style="progress.data.speed")
        return Text(
            f"{speed:.1f} {task.fields.get('noun', 'items')}/s", style="progress.data.speed"
        )


class Meter:
    """One counter of a :class:`ProgressView`; pass it as a wkapi ``progress`` argument."""

    def __init__(
        self,
        view: ProgressView,
        label: str,
        unit: Unit,
        noun: str,
        task: TaskID | None,
        milestones: bool,
    ) -> None:
        self._view = view
        self._milestones = milestones
        self._label = label
        self._unit = unit
        self._noun = noun
        self._task = task
        self._done = 0
        self._total: int | None = None
        self._started = time.monotonic()
        self._last_line = self._started
        self._next_tenth = 1

    def update(self, done: int, total: int | None) -> None:
        """``done`` of ``total`` (``None``: unknown so far)."""
        self._done, self._total = done, total
        if self._task is not None and self._view.bars is not None:
            self._view.bars.update(self._task, completed=done, total=total)
        elif self._view.mode is ProgressMode.LINES and self._milestones:
            self._maybe_line()

    def _maybe_line(self) -> None:
        now = time.monotonic()
        if self._total:
            tenth = self._done * 10 // self._total
            if tenth >= self._next_tenth and self._done < self._total:
                self._next_tenth = tenth + 1
                self._line(now)
        elif now - self._last_line >= _LINE_INTERVAL:
            self._line(now)

    def _line(self, now: float) -> None:
        self._last_line = now
        self._view.note(f"{self._label}: {self._describe(now)}")

    def _describe(self, now: float) -> str:
        done = _amount(self._unit, self._done)
        text = f"{done} {self._noun}" if self._unit == "items" else done
        if self._total:
            total = _amount(self._unit, self._total)
            text = f"{done}/{total} {self._noun if self._unit == 'items' else ''}".rstrip()
            text += f" ({100 * self._done // self._total}%)"
        elapsed = now - self._started
        if elapsed > 0 and self._done:
            rate = self._done / elapsed
            text += (
                f", {human_bytes(rate)}/s"
                if self._unit == "bytes"
                else f", {rate:.1f} {self._noun}/s"
            )
        return text

    def describe(self, label: str) -> None:
        """Show ``label`` as the bar's description (bars mode; nothing otherwise)."""
        if self._task is not None and self._view.bars is not None:
            self._view.bars.update(self._task, description=label)

    def finish(self, *, stopped: bool = False) -> None:
        """Mark the meter complete (lines mode: print its final line), or, with ``stopped``,
        as ended before it was complete (the job gave up: the line says ``stopped``, the bar
        keeps its total)."""
        if self._task is not None and self._view.bars is not None:
            total = self._total if self._total is not None else self._done
            self._view.bars.update(self._task, completed=self._done, total=total)
            if stopped:
                self._view.bars.update(self._task, description=f"{self._label}: stopped")
        elif self._view.mode is ProgressMode.LINES:
            word = "stopped" if stopped else "done"
            self._view.note(f"{self._label}: {word}, {self._describe(time.monotonic())}")


class ProgressView:
    """Progress display on ``console`` (stderr) for the duration of a ``with`` block."""

    def __init__(self, console: Console, mode: ProgressMode) -> None:
        self.console = console
        self.mode = mode
        self.bars: Progress | None = None
        if mode is ProgressMode.BARS:
            self.bars = Progress(
                TextColumn("[progress.description]{task.description}"),
                BarColumn(),
                _AmountColumn(),
                _RateColumn(),
                TextColumn("eta"),
                TimeRemainingColumn(),
                console=console,
                transient=False,
            )

    def __enter__(self) -> ProgressView:
        if self.bars is not None:
            self.bars.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.bars is not None:
            self.bars.stop()

    def meter(
        self, label: str, *, unit: Unit = "items", noun: str = "items", milestones: bool = True
    ) -> Meter:
        """A new counter labelled ``label`` (``noun`` names what an item is). In lines mode it
        prints its milestones (``milestones=False``: only its final line)."""
        task = None
        if self.bars is not None:
            task = self.bars.add_task(label, total=None, unit=unit, noun=noun)
        return Meter(self, label, unit, noun, task, milestones)

    def note(self, text: str) -> None:
        """One line of progress (above the bars in bars mode); nothing with ``--quiet``."""
        if self.mode is ProgressMode.OFF:
            return
        self.console.print(text, markup=False, highlight=False, soft_wrap=True)
