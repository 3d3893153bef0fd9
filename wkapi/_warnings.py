"""Warnings attributed to the user's code, however deep inside wkapi they are raised."""

from __future__ import annotations

import sys
import warnings
from types import FrameType

__all__ = ["warn_user"]


def warn_user(message: str, category: type[Warning] = UserWarning) -> None:
    """Warn at the first frame outside wkapi: the line of the user's code that asked.

    A fixed ``stacklevel`` is wrong as soon as one public entry point calls another
    (``Client.from_env()``, ``SyncClient``): the warning would point into wkapi, and Python's
    default filters show a :class:`DeprecationWarning` only when it points at ``__main__``.
    """
    warnings.warn(message, category, stacklevel=_outside_wkapi())


def _outside_wkapi() -> int:
    """The ``stacklevel`` of ``warnings.warn`` called by :func:`warn_user` that names the first
    frame whose module is not wkapi's (attrs' generated ``__init__`` counts as wkapi's)."""
    frame: FrameType | None = sys._getframe(2)  # the caller of warn_user
    level = 2
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        inside = (
            module == "wkapi"
            or module.startswith("wkapi.")
            or frame.f_code.co_filename.startswith("<attrs generated")
        )
        if not inside:
            return level
        frame = frame.f_back
        level += 1
    return 1
