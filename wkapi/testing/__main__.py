"""``python -m wkapi.testing [--port 9000] [--release 23.08] ...``: serve until Ctrl-C.

It takes the same options as ``wkapi fake-server`` (both read ``_options``), without needing
click.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from ._options import add_serve_arguments


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m wkapi.testing", description="Serve a fake WEBKNOSSOS server."
    )
    add_serve_arguments(parser)
    options = vars(parser.parse_args(argv))
    from ._standalone import serve_forever  # the server's import only once the options are good

    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(serve_forever(**options))
    except OSError as exc:
        parser.exit(1, f"error: cannot serve on {options['host']}:{options['port']}: {exc}\n")


if __name__ == "__main__":
    main()
