"""Folders a call creates for what it writes, and their removal when it keeps nothing there.

A download or an export that fails (or is cancelled) after creating the folders of its target
removes them again: exactly the folders this call created, deepest first, each only while it
is empty. A folder that was there before, or that another call created first, is never in the
list; one that something else has put a file into meanwhile is kept (with its parents).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

__all__ = ["make_folders", "remove_made_folders"]


def make_folders(folders: Iterable[Path], made: list[Path]) -> None:
    """Create ``folders`` (each one's parent first), appending to ``made`` each folder this
    call created, as it goes: what it holds stays right when a later folder fails or the
    caller is cancelled meanwhile. A folder that exists already (another call may have created
    it a moment ago) is left out; a file in its place raises :class:`FileExistsError`."""
    for folder in folders:
        try:
            os.mkdir(folder)
        except FileExistsError:
            if not folder.is_dir():
                raise
            continue
        if folder not in made:  # created again after someone else removed it
            made.append(folder)


def remove_made_folders(made: Sequence[Path]) -> None:
    """Remove the folders :func:`make_folders` recorded in ``made``, deepest first, as long as
    they are empty; the first one that is not (or cannot be removed) stops it, since the
    folders above it then hold it. Never raises: the error that led here is the one to report."""
    for folder in reversed(made):
        try:
            os.rmdir(folder)
        except FileNotFoundError:  # removed by someone else already
            continue
        except OSError:  # not empty: in use by another download, or holds a file of its own
            return
