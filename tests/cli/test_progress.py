"""The progress display on its own: bars on a terminal, milestone lines otherwise, or nothing."""

from __future__ import annotations

import io

from rich.console import Console

from wkapi.cli._progress import ProgressMode, ProgressView


def _console(terminal: bool) -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, force_terminal=terminal, width=120), buffer


def test_lines_mode_prints_each_tenth_and_the_end() -> None:
    console, buffer = _console(terminal=False)
    with ProgressView(console, ProgressMode.LINES) as view:
        meter = view.meter("export", noun="annotations")
        for done in range(101):
            meter.update(done, 100)
        meter.finish()
        view.note("one event")
    lines = buffer.getvalue().splitlines()
    assert [line.split(" (")[0] for line in lines[:9]] == [
        f"export: {n}/100 annotations" for n in range(10, 100, 10)
    ]
    assert lines[9].startswith("export: done, 100/100 annotations (100%)")
    assert lines[10] == "one event"


def test_lines_mode_for_bytes_without_a_total_prints_the_end() -> None:
    console, buffer = _console(terminal=False)
    with ProgressView(console, ProgressMode.LINES) as view:
        meter = view.meter("downloaded", unit="bytes")
        meter.update(1_500_000, None)
        meter.finish()
    assert buffer.getvalue().startswith("downloaded: done, 1.5 MB")


def test_a_stopped_meter_says_stopped_not_done() -> None:
    console, buffer = _console(terminal=False)
    with ProgressView(console, ProgressMode.LINES) as view:
        meter = view.meter("export", noun="annotations", milestones=False)
        meter.update(8, 11)
        meter.finish(stopped=True)
    assert buffer.getvalue().startswith("export: stopped, 8/11 annotations (72%)")
    console, buffer = _console(terminal=True)
    with ProgressView(console, ProgressMode.BARS) as view:
        meter = view.meter("export", noun="annotations")
        meter.update(8, 11)
        meter.finish(stopped=True)
    assert "export: stopped" in buffer.getvalue()
    assert "8/11" in buffer.getvalue()


def test_bars_mode_renders_amounts_and_rates() -> None:
    console, buffer = _console(terminal=True)
    with ProgressView(console, ProgressMode.BARS) as view:
        items = view.meter("export", noun="annotations")
        data = view.meter("downloaded", unit="bytes")
        items.update(5, None)
        items.update(40, 80)
        data.update(2_000_000, None)
        items.finish()
        data.finish()
    output = buffer.getvalue()
    assert "export" in output
    assert "40/80" in output
    assert "2.0 MB" in output


def test_off_mode_prints_nothing() -> None:
    console, buffer = _console(terminal=False)
    with ProgressView(console, ProgressMode.OFF) as view:
        meter = view.meter("export")
        meter.update(10, 10)
        meter.finish()
        view.note("hidden")
    assert buffer.getvalue() == ""
