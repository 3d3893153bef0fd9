"""``python -m wkapi.testing [--port 9000] [--release 23.08] ...``: serve until Ctrl-C or SIGTERM.

It takes the same options as ``wkapi fake-server`` (both read ``_options``), without needing
click. SIGTERM (``timeout``, ``docker stop``, ``kill``) stops it as Ctrl-C does, as it stops
``wkapi fake-server``: the server shuts down, its temporary folder is removed, exit status 0.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

from ._options import add_serve_arguments


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m wkapi.testing", description="Serve a fake WEBKNOSSOS server."
    )
    add_serve_arguments(parser)
    options = vars(parser.parse_args(argv))
    from ._standalone import serve_forever  # the server's import only once the options are good

    async def serve_until_stopped() -> None:
        """``serve_forever``, cancelled by SIGTERM as ``asyncio.run`` cancels it on Ctrl-C, so
        the server's cleanup runs; a second SIGTERM during the cleanup is ignored."""
        loop, task = asyncio.get_running_loop(), asyncio.current_task()
        assert task is not None
        terminated = False

        def on_sigterm() -> None:
            nonlocal terminated
            if not terminated:
                terminated = True
                task.cancel()

        with contextlib.suppress(NotImplementedError):  # no loop signal handlers on Windows
            loop.add_signal_handler(signal.SIGTERM, on_sigterm)
        try:
            await serve_forever(**options)
        except asyncio.CancelledError:
            if not terminated:
                raise
        finally:
            with contextlib.suppress(NotImplementedError):
                loop.remove_signal_handler(signal.SIGTERM)

    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(serve_until_stopped())
    except OSError as exc:
        parser.exit(1, f"error: cannot serve on {options['host']}:{options['port']}: {exc}\n")


if __name__ == "__main__":
    main()
