"""The ``wkapi`` command line (extra ``cli``: click and rich).

``wkapi demo`` runs the whole workflow on a built-in fake server; ``wkapi --help`` lists the
commands: ``info``, ``projects list``, ``download``, ``upload``, ``export``, ``tasks create``,
``fake-server``, ``demo``. It uses only wkapi's public API.

This module imports click and rich only when the command runs, so that without the extra the
``wkapi`` command can say how to install it instead of failing with a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._app import cli

__all__ = ["cli", "main"]

#: The packages of the ``cli`` extra.
_EXTRA_PACKAGES = frozenset({"click", "rich"})
#: What ``wkapi`` prints on stderr when the extra is missing.
MISSING_EXTRA = 'error: the wkapi command needs the cli extra: pip install "wkapi[cli]"'
#: The exit status then (as for a usage error).
EXIT_MISSING_EXTRA = 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``wkapi`` command; returns the exit status (0 ok, 1 failed, 2 usage or the
    ``cli`` extra missing, 130 Ctrl-C)."""
    try:
        from ._app import main as run
    except ModuleNotFoundError as exc:
        if (exc.name or "").partition(".")[0] not in _EXTRA_PACKAGES:
            raise
        print(MISSING_EXTRA, file=sys.stderr)
        return EXIT_MISSING_EXTRA
    return run(argv)


if not TYPE_CHECKING:  # type checkers see ``cli`` imported above, and nothing else

    def __getattr__(name: str) -> Any:
        # ``wkapi.cli.cli``, the click group, loaded (with click) on first use.
        if name == "cli":
            from ._app import cli

            return cli
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
