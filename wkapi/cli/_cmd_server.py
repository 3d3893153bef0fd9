"""``wkapi fake-server``: run the fake WEBKNOSSOS server until Ctrl-C (or SIGTERM)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from wkapi.testing import ServeOption, serve_options

from ._errors import EXIT_OK, CommandError
from ._settings import Settings, json_option, settings_of
from ._signals import run_main

if TYPE_CHECKING:
    from wkapi.testing import FakeWebknossos

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["fake_server"]


def _announce(settings: Settings, server: FakeWebknossos) -> None:
    if settings.json:
        settings.print_json(
            {
                "ok": True,
                "url": server.url,
                "release": server.release,
                "organization": server.organization,
                "tokens": server.tokens,
                "user_ids": server.user_ids,
            }
        )
        return
    out = sys.stdout
    print(f"Fake WEBKNOSSOS {server.release} serving at {server.url}", file=out)
    print(f"organization: {server.organization}", file=out)
    for role, token in server.tokens.items():
        print(f"  {role:<16} token {token}", file=out)
    print(
        f"try: WK_URL={server.url} WK_TOKEN={server.tokens['admin']} wkapi info",
        file=out,
    )
    print("Ctrl-C stops it.", file=out)
    out.flush()


async def _serve(settings: Settings, server: FakeWebknossos) -> None:
    """Serve until cancelled: Ctrl-C and SIGTERM (see ``_signals``) both stop it."""
    async with server:
        _announce(settings, server)
        await asyncio.Event().wait()


def _click_option(option: ServeOption) -> Callable[[F], F]:
    """The click form of one of the options ``python -m wkapi.testing`` takes too."""
    if option.kind is bool:
        return click.option(option.flag, is_flag=True, default=False, help=option.help)
    kind: Any = option.kind
    ranged = option.minimum is not None or option.maximum is not None
    if option.choices:
        kind = click.Choice(option.choices)
    elif ranged and option.kind is int:
        kind = click.IntRange(option.minimum, option.maximum)  # type: ignore[arg-type]
    elif ranged and option.kind is float:
        kind = click.FloatRange(option.minimum, option.maximum)
    return click.option(
        option.flag,
        type=kind,
        default=option.default,
        show_default=option.default is not None,
        help=option.help,
        callback=_checked(option) if option.kind is float else None,
    )


def _checked(option: ServeOption) -> Callable[[click.Context, click.Parameter, Any], Any]:
    """The option table's own check (``FloatRange`` lets ``nan`` and ``inf`` through)."""

    def check(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        problem = None if value is None else option.problem(value)
        if problem is not None:
            raise click.BadParameter(problem, ctx=ctx, param=param)
        return value

    return check


def _serve_options(command: F) -> F:
    for option in reversed(serve_options()):
        command = _click_option(option)(command)
    return command


@click.command("fake-server")
@_serve_options
@json_option
@click.pass_context
def fake_server(ctx: click.Context, /, **options: Any) -> int:
    """Run an in-memory fake WEBKNOSSOS server (for trying wkapi and testing pipelines).

    It prints its URL and a token per role (with --json as one document) and serves until
    Ctrl-C or SIGTERM, which end it with exit status 0.
    """
    from wkapi.testing import FakeWebknossos  # the fake server's import only where it runs

    settings = settings_of(ctx)
    host, port = options["host"], options["port"]
    server = FakeWebknossos(**options)
    try:
        run_main(_serve(settings, server))
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM: the way to stop a server, so exit status 0
        pass
    except OSError as exc:
        raise CommandError(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from exc
    return EXIT_OK
