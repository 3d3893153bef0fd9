"""Options every command shares (``--url``, ``--token``, ``--json``, ``--quiet``) and the objects
built from them: the client, the consoles, the progress view.

The options are accepted both before the command (``wkapi --json info``) and after it
(``wkapi info --json``); the later one wins, and ``WK_URL`` / ``WK_TOKEN`` fill what is not given
(``WK_API_VERSION`` picks the API version, as for :meth:`wkapi.Client.from_env`).
"""

from __future__ import annotations

import logging
import math
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import attrs
import click
import orjson
from rich.console import Console

import wkapi

from ._progress import ProgressMode, ProgressView

__all__ = [
    "FiniteFloatRange",
    "Settings",
    "give_up_option",
    "json_option",
    "quiet_library_log",
    "server_options",
    "settings_of",
    "show_library_log",
]

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_CLIENT_CONCURRENCY = 8
_PIPED_WIDTH = 120
_LOG_HANDLER_NAME = "wkapi-cli-stderr"


@attrs.define
class Settings:
    """What the shared options say, filled while click parses the command line."""

    url: str | None = None
    token: str | None = None
    json: bool = False
    quiet: bool = False
    #: Whether the command's JSON document went out (then a failure adds none: one per run).
    json_printed: bool = False
    #: What a failure's JSON document carries besides the error (``run_id`` of a task run).
    failure_context: dict[str, Any] = attrs.field(factory=dict)

    def server_url(self) -> str:
        """The server's URL from ``--url`` or ``WK_URL``; a usage error if there is none."""
        url = self.url or os.environ.get("WK_URL")
        if not url:
            raise click.UsageError("no server given: pass --url URL or set WK_URL")
        return url

    def server_token(self) -> str | None:
        """The token from ``--token`` or ``WK_TOKEN``; ``None`` if there is none."""
        return self.token or os.environ.get("WK_TOKEN") or None

    def client(
        self, *, concurrency: int = DEFAULT_CLIENT_CONCURRENCY, give_up_after: float | None = None
    ) -> wkapi.Client:
        """A client for the server; ``concurrency`` requests at once; ``give_up_after``: the
        seconds of refused connections after which the server counts as unreachable (default:
        ``RetryPolicy``'s).

        Built as :meth:`wkapi.Client.from_env` builds one, so ``WK_API_VERSION`` counts here
        as it does in the library; ``--url`` and ``--token`` win over ``WK_URL`` and
        ``WK_TOKEN``.
        """
        environ = {**os.environ, "WK_URL": self.server_url()}
        options: dict[str, Any] = {}
        if give_up_after is not None:
            options["retry"] = wkapi.RetryPolicy(give_up_after=give_up_after)
        return wkapi.Client.from_env(
            environ,
            token=self.server_token(),
            concurrency=max(concurrency, DEFAULT_CLIENT_CONCURRENCY),
            **options,
        )

    @property
    def out(self) -> Console:
        """Human output (stdout)."""
        return _stdout()

    @property
    def err(self) -> Console:
        """Progress and error lines (stderr)."""
        return _stderr()

    def say(self, text: str) -> None:
        """One line of human output on stdout, as is (no markup, no wrapping)."""
        self.out.print(text, markup=False, highlight=False, soft_wrap=True)

    def progress(self) -> ProgressView:
        """Bars when stderr is a terminal, plain lines otherwise, nothing with ``--quiet``."""
        if self.quiet:
            mode = ProgressMode.OFF
        elif self.err.is_terminal:
            mode = ProgressMode.BARS
        else:
            mode = ProgressMode.LINES
        return ProgressView(self.err, mode)

    def print_json(self, document: object) -> None:
        """One JSON document on stdout."""
        data = orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS)
        self.json_printed = True
        sys.stdout.write(data.decode() + "\n")
        sys.stdout.flush()


_CONSOLES: dict[str, Console] = {}


def _stdout() -> Console:
    if "out" not in _CONSOLES:
        console = Console(soft_wrap=False)
        if not console.is_terminal:
            # Piped output has no width; 80 columns would wrap tables of paths and ids.
            console.width = max(console.width, _PIPED_WIDTH)
        _CONSOLES["out"] = console
    return _CONSOLES["out"]


def _stderr() -> Console:
    if "err" not in _CONSOLES:
        _CONSOLES["err"] = Console(stderr=True)
    return _CONSOLES["err"]


class FiniteFloatRange(click.FloatRange):
    """``click.FloatRange`` that also refuses ``nan`` and ``inf`` (which its comparisons let
    through: ``nan < 0`` is false)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return number


def give_up_option(function: F) -> F:
    """``--give-up-after SECONDS``: when a long job stops on a server that went away."""
    return click.option(
        "--give-up-after",
        type=FiniteFloatRange(min=0, min_open=True),
        default=None,
        metavar="SECONDS",
        help="Stop when the server has refused connections for this long without answering "
        "(default: 20); what was not done is reported, and running again resumes.",
    )(function)


def settings_of(ctx: click.Context) -> Settings:
    """The settings of this invocation."""
    return ctx.ensure_object(Settings)


def _store(field: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        if value is not None and value is not False:
            setattr(settings_of(ctx), field, value)
        return value

    return callback


def server_options(command: F) -> F:
    """``--url`` and ``--token`` (and ``--json``, ``--quiet``) for a command."""
    command = click.option(
        "--token",
        metavar="TOKEN",
        expose_value=False,
        callback=_store("token"),
        help="Your WEBKNOSSOS token (default: $WK_TOKEN).",
    )(command)
    command = click.option(
        "--url",
        metavar="URL",
        expose_value=False,
        callback=_store("url"),
        help="The server, e.g. https://webknossos.org (default: $WK_URL).",
    )(command)
    return json_option(command)


def _verbosity(ctx: click.Context, param: click.Parameter, value: int) -> int:
    if value:
        show_library_log(logging.DEBUG if value > 1 else logging.INFO)
    return value


def quiet_library_log() -> None:
    """Keep wkapi's log records off stderr: the commands report failures themselves."""
    library = logging.getLogger("wkapi")
    if not any(isinstance(handler, logging.NullHandler) for handler in library.handlers):
        library.addHandler(logging.NullHandler())


def show_library_log(level: int) -> None:
    """Print wkapi's log records of ``level`` and above on stderr (``-v``: info, ``-vv``: debug).

    Called again (``-v`` before and after the command), it only changes the level: a second
    handler would print every record twice.
    """
    library = logging.getLogger("wkapi")
    if not any(handler.get_name() == _LOG_HANDLER_NAME for handler in library.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.set_name(_LOG_HANDLER_NAME)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        library.addHandler(handler)
    library.setLevel(level)


def json_option(command: F) -> F:
    """``--json``, ``--quiet`` and ``--verbose`` for a command."""
    command = click.option(
        "--verbose",
        "-v",
        count=True,
        expose_value=False,
        callback=_verbosity,
        help="Show wkapi's log (-v: info, retries and failures; -vv: every request).",
    )(command)
    command = click.option(
        "--quiet",
        "-q",
        is_flag=True,
        default=False,
        expose_value=False,
        callback=_store("quiet"),
        help="No progress output.",
    )(command)
    return click.option(
        "--json",
        "as_json",
        is_flag=True,
        default=False,
        expose_value=False,
        callback=_store("json"),
        help="Print one JSON document on stdout instead of tables (on failure too: "
        '{"ok": false, "error": {...}}).',
    )(command)
