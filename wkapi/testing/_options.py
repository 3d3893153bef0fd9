"""The options of a standalone fake server, defined once for ``python -m wkapi.testing``
(argparse) and ``wkapi fake-server`` (click).

Stdlib only: the command line reads this table without importing the server. Each option's
``name`` is the keyword :class:`~wkapi.testing.FakeWebknossos` and
:func:`~wkapi.testing.serve_forever` take.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ._releases import DEFAULT_RELEASE, KNOWN_RELEASES

__all__ = ["SERVE_OPTIONS", "ServeOption", "add_serve_arguments", "serve_options"]


@dataclass(frozen=True)
class ServeOption:
    """One command-line option of a standalone fake server."""

    name: str
    kind: type[Any]
    default: Any
    help: str
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None

    @property
    def flag(self) -> str:
        """``--max-upload-bytes`` for ``max_upload_bytes``."""
        return "--" + self.name.replace("_", "-")

    def problem(self, value: Any, text: str | None = None) -> str | None:
        """What is wrong with a parsed value of this option, ``None`` if nothing: a number that
        is not finite (``nan``, ``inf``: an infinite latency would hang every request) or one
        outside ``minimum`` .. ``maximum``. ``text`` is the value as given, for the message."""
        shown = str(value) if text is None else text
        if isinstance(value, float) and not math.isfinite(value):
            return f"must be a finite number, got {shown}"
        if self.minimum is not None and value < self.minimum:
            return f"must be at least {self.minimum}, got {shown}"
        if self.maximum is not None and value > self.maximum:
            return f"must be at most {self.maximum}, got {shown}"
        return None


SERVE_OPTIONS: tuple[ServeOption, ...] = (
    ServeOption("host", str, "127.0.0.1", "Address to listen on."),
    ServeOption("port", int, 9000, "Port to listen on (0: a free one).", minimum=0, maximum=65535),
    ServeOption(
        "release",
        str,
        None,
        f"WEBKNOSSOS release to imitate (default {DEFAULT_RELEASE}): "
        + "; ".join(f"{release}, {meaning}" for release, meaning in KNOWN_RELEASES.items())
        + ".",
        choices=tuple(KNOWN_RELEASES),
    ),
    ServeOption("seed", int, 0, "Seed of the ids, names, tokens and file contents."),
    ServeOption("latency", float, 0.0, "Seconds added to every request.", minimum=0.0),
    ServeOption(
        "chunked_downloads",
        bool,
        False,
        "Send downloads chunked, without Content-Length (servers before 22.03).",
    ),
    ServeOption(
        "max_upload_bytes",
        int,
        1 << 30,
        "Multipart bodies beyond this many bytes get the 413 page.",
        minimum=1,
    ),
)
"""Every option, in the order help texts list them."""


def serve_options() -> tuple[ServeOption, ...]:
    """Every option of a standalone fake server (``python -m wkapi.testing``, ``wkapi
    fake-server``), in the order help texts list them: build another command line from it."""
    return SERVE_OPTIONS


def _ranged(option: ServeOption) -> Callable[[str], Any]:
    def convert(text: str) -> Any:
        try:
            value = option.kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected {'an integer' if option.kind is int else 'a number'}, got {text!r}"
            ) from None
        problem = option.problem(value, text)
        if problem is not None:
            raise argparse.ArgumentTypeError(problem)
        return value

    convert.__name__ = option.kind.__name__
    return convert


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    """Add every option of :data:`SERVE_OPTIONS` to an argparse parser; the parsed namespace
    then holds one attribute per option ``name``."""
    for option in SERVE_OPTIONS:
        if option.kind is bool:
            parser.add_argument(option.flag, action="store_true", help=option.help)
        elif option.choices:
            parser.add_argument(
                option.flag, choices=option.choices, default=option.default, help=option.help
            )
        else:
            default = "" if option.default is None else f" (default: {option.default})"
            parser.add_argument(
                option.flag,
                type=_ranged(option),
                default=option.default,
                help=option.help + default,
            )
