"""The ``wkapi`` command group and :func:`main`, which turns expected failures into exit codes."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

import click

import wkapi

from ._cmd_demo import demo
from ._cmd_export import export
from ._cmd_info import info, projects
from ._cmd_server import fake_server
from ._cmd_tasks import tasks
from ._cmd_transfer import download, upload
from ._errors import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TERMINATED,
    expected_error_lines,
    failure_document,
)
from ._settings import Settings, quiet_library_log, server_options
from ._signals import Terminated, handle_sigterm

__all__ = ["cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(wkapi.__version__, prog_name="wkapi")
@server_options
def cli() -> None:
    """Work with a WEBKNOSSOS server from the command line.

    The server and token come from --url/--token or WK_URL/WK_TOKEN, the API version from
    WK_API_VERSION (default 5; "latest" for the server's newest). Start with `wkapi demo`: it
    runs everything against a built-in fake server.

    Exit status: 0 done, 1 failed, 2 bad command line, 130 Ctrl-C, 143 SIGTERM (handled as
    Ctrl-C: nothing half-written is left).
    """


for _command in (info, projects, download, upload, export, tasks, fake_server, demo):
    cli.add_command(_command)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``wkapi`` command; returns the exit status (0 ok, 1 failed, 2 usage, 130 Ctrl-C,
    143 SIGTERM).

    Expected failures (a refused token, an unreachable server, a bad input file, ...) print
    ``error: ...`` lines on stderr instead of a traceback; with ``--json``, stdout gets one
    document saying what failed (see :func:`failure_document`). SIGTERM is handled as Ctrl-C:
    the running job cleans up before the command ends (see :mod:`wkapi.cli._signals`).
    """
    args = list(argv) if argv is not None else sys.argv[1:]
    settings = Settings()
    quiet_library_log()
    with handle_sigterm():
        try:
            result = cli.main(
                args=list(argv) if argv is not None else None,
                prog_name="wkapi",
                standalone_mode=False,
                obj=settings,
            )
        except click.exceptions.Exit as exc:
            return int(exc.exit_code)
        except (Exception, KeyboardInterrupt) as exc:  # click.Abort and its errors included
            return _failed(settings, args, exc)
    return result if isinstance(result, int) else EXIT_OK


def _failed(settings: Settings, args: Sequence[str], exc: BaseException) -> int:
    """Report a failed command on stderr (and with ``--json`` on stdout); its exit status.

    An unexpected exception (a bug) is raised again, for its traceback.
    """
    if isinstance(exc, click.ClickException):
        exc.show()
        kind = "UsageError" if isinstance(exc, click.UsageError) else None
        _report_json(settings, args, exc, [exc.format_message()], kind)
        return int(exc.exit_code)
    if isinstance(exc, (KeyboardInterrupt, click.exceptions.Abort)):
        # click turns KeyboardInterrupt (and so Terminated) into Abort, keeping it as the cause.
        if isinstance(exc, Terminated) or isinstance(exc.__cause__, Terminated):
            word, kind, status = "terminated (SIGTERM)", "Terminated", EXIT_TERMINATED
        else:
            word, kind, status = "interrupted", "Interrupted", EXIT_INTERRUPTED
        settings.err.print(word, markup=False, highlight=False)
        _report_json(settings, args, exc, [word], kind)
        return status
    lines = expected_error_lines(
        exc,
        settings.url or os.environ.get("WK_URL"),
        token_given=settings.server_token() is not None,
    )
    if lines is None:
        _report_json(settings, args, exc, [f"unexpected {type(exc).__name__}: {exc}"])
        raise exc
    for line in lines:
        settings.err.print(line, markup=False, highlight=False, soft_wrap=True)
    _report_json(settings, args, exc, lines)
    return EXIT_FAILED


def _wants_json(settings: Settings, args: Sequence[str]) -> bool:
    """Whether ``--json`` was given: parsed, or still on the command line when parsing failed
    before reaching it (a usage error)."""
    if settings.json:
        return True
    before_end = args[: args.index("--")] if "--" in args else args
    return "--json" in before_end


def _report_json(
    settings: Settings,
    args: Sequence[str],
    exc: BaseException,
    lines: list[str],
    kind: str | None = None,
) -> None:
    """With ``--json``, the failure's document on stdout, unless the command printed its own."""
    if _wants_json(settings, args) and not settings.json_printed:
        document = failure_document(exc, lines, kind=kind)
        settings.print_json({**document, **settings.failure_context})
