"""``wkapi fake-server``: run the fake WEBKNOSSOS server until Ctrl-C (or SIGTERM)."""

from __future__ import annotations

import asyncio
import sys
from typing import TYPE_CHECKING

import click

from ._errors import EXIT_OK, CommandError
from ._settings import Settings, json_option, settings_of
from ._signals import run_main

if TYPE_CHECKING:
    from wkapi.testing import FakeWebknossos

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


@click.command("fake-server")
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to serve on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=9000,
    show_default=True,
    help="The port to serve on (0: any free one, printed at start).",
)
@click.option(
    "--release",
    default=None,
    help="The WEBKNOSSOS release to behave like, e.g. 23.08 for the older generation "
    "(default: the newer one).",
)
@click.option(
    "--seed", type=int, default=0, show_default=True, help="Seed of the generated sample data."
)
@click.option(
    "--latency", type=click.FloatRange(0), default=0.0, help="Seconds added to every request."
)
@json_option
@click.pass_context
def fake_server(
    ctx: click.Context, host: str, port: int, release: str | None, seed: int, latency: float
) -> int:
    """Run an in-memory fake WEBKNOSSOS server (for trying wkapi and testing pipelines).

    It prints its URL and a token per role (with --json as one document) and serves until
    Ctrl-C or SIGTERM, which end it with exit status 0.
    """
    from wkapi.testing import FakeWebknossos  # the fake server's import only where it runs

    settings = settings_of(ctx)
    server = FakeWebknossos(release, seed, host=host, port=port, latency=latency)
    try:
        run_main(_serve(settings, server))
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM: the way to stop a server, so exit status 0
        pass
    except OSError as exc:
        raise CommandError(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from exc
    return EXIT_OK
