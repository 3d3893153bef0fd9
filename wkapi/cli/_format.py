"""Small formatting helpers for human output: sizes, durations, rates."""

from __future__ import annotations

__all__ = ["human_bytes", "human_rate", "human_seconds"]

_UNITS = ("B", "kB", "MB", "GB", "TB")


def human_bytes(value: float) -> str:
    """``1536000`` -> ``"1.5 MB"`` (decimal units, as transfer tools show them)."""
    amount = float(value)
    for unit in _UNITS:
        if abs(amount) < 1000 or unit == _UNITS[-1]:
            return f"{int(amount)} {unit}" if unit == "B" else f"{amount:.1f} {unit}"
        amount /= 1000
    raise AssertionError("unreachable")  # pragma: no cover


def human_seconds(value: float) -> str:
    """``0.123`` -> ``"0.12 s"``, ``75`` -> ``"1 min 15 s"``."""
    if value < 60:
        return f"{value:.2f} s"
    minutes, seconds = divmod(round(value), 60)
    return f"{minutes} min {seconds} s"


def human_rate(count: float, seconds: float, noun: str) -> str:
    """``count`` per second, e.g. ``"35.2 annotations/s"`` (or ``"-"`` without time)."""
    if seconds <= 0:
        return "-"
    return f"{count / seconds:.1f} {noun}/s"
