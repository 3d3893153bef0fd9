"""``python -m wkapi.testing --port 9000 [--release 23.08] [--seed N]``: serve until Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from ._standalone import serve_forever


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m wkapi.testing", description="Serve a fake WEBKNOSSOS server."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--release", default=None, help="e.g. 23.08 (default: the newer 25.01)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(
            serve_forever(host=args.host, port=args.port, release=args.release, seed=args.seed)
        )


if __name__ == "__main__":
    main()
