"""The ``wkapi`` command group and :func:`main`, which turns expected failures into exit codes."""

from __future__ import annotations

import os
from collections.abc import Sequence

import click

import wkapi

from ._cmd_demo import demo
from ._cmd_export import export
from ._cmd_info import info, projects
from ._cmd_server import fake_server
from ._cmd_tasks import tasks
from ._cmd_transfer import download, upload
from ._errors import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, expected_error_lines
from ._settings import Settings, quiet_library_log, server_options

__all__ = ["cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(wkapi.__version__, prog_name="wkapi")
@server_options
def cli() -> None:
    """Work with a WEBKNOSSOS server from the command line.

    The server and token come from --url/--token or WK_URL/WK_TOKEN. Start with `wkapi demo`:
    it runs everything against a built-in fake server.
    """


for _command in (info, projects, download, upload, export, tasks, fake_server, demo):
    cli.add_command(_command)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``wkapi`` command; returns the exit status (0 ok, 1 failed, 2 usage, 130 Ctrl-C).

    Expected failures (a refused token, an unreachable server, a bad input file, ...) print
    ``error: ...`` lines on stderr instead of a traceback.
    """
    settings = Settings()
    quiet_library_log()
    try:
        result = cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="wkapi",
            standalone_mode=False,
            obj=settings,
        )
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return int(exc.exit_code)
    except (KeyboardInterrupt, click.exceptions.Abort):
        settings.err.print("interrupted", markup=False, highlight=False)
        return EXIT_INTERRUPTED
    except Exception as exc:
        lines = expected_error_lines(exc, settings.url or os.environ.get("WK_URL"))
        if lines is None:
            raise
        for line in lines:
            settings.err.print(line, markup=False, highlight=False, soft_wrap=True)
        return EXIT_FAILED
    return result if isinstance(result, int) else EXIT_OK
