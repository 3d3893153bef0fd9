"""The markers bulk task creation writes into ``creationInfo`` to recognise its own tasks.

A marker is ``[wkapi:<run id>:<index>]``: the run id is 12 lowercase hex characters drawn at
random for each ``create_many`` call, the index is the item's position in the input (0-based).
It is appended to the user's ``creationInfo`` after one space (or is the whole text when the
user gave none), so ``"batch 7"`` goes out as ``"batch 7 [wkapi:3f2a9c01b4de:41]"``.

The server stores ``creationInfo`` verbatim and returns it with every task; it is the only
handle a client has on tasks it may have created without hearing the answer.
"""

from __future__ import annotations

import re
import secrets

from wkapi._errors import InputError

__all__ = [
    "MARKER_PATTERN",
    "MarkerMatcher",
    "check_run_id",
    "make_marker",
    "marked_creation_info",
    "marker_prefix",
    "new_run_id",
]

#: Any bulk-creation marker: group 1 is the run id, group 2 the input index.
MARKER_PATTERN = re.compile(r"\[wkapi:([0-9a-f]{12}):(\d+)\]")
_RUN_ID = re.compile(r"[0-9a-f]{12}")


def new_run_id() -> str:
    """A fresh random run id (48 bits: a collision between two runs is not a practical risk)."""
    return secrets.token_hex(6)


def check_run_id(run_id: object) -> str:
    """``run_id`` if it is a run id (12 lowercase hex characters); else :class:`InputError`."""
    if not isinstance(run_id, str) or not _RUN_ID.fullmatch(run_id):
        raise InputError(
            f"run_id must be 12 lowercase hex characters (a report's run_id), got {run_id!r}"
        )
    return run_id


def make_marker(run_id: str, index: int) -> str:
    """The marker of input item ``index`` of run ``run_id``."""
    return f"{marker_prefix(run_id)}{index}]"


def marker_prefix(run_id: str) -> str:
    """What every marker of run ``run_id`` starts with: its item's index and ``]`` follow."""
    return f"[wkapi:{run_id}:"


def marked_creation_info(creation_info: str | None, marker: str) -> str:
    """The ``creationInfo`` to send: the user's text (kept readable as a prefix) and the marker."""
    return marker if creation_info is None else f"{creation_info} {marker}"


class MarkerMatcher:
    """Finds the input index in a task's ``creationInfo`` for the markers of one run.

    Markers of other runs are ignored, so tasks copied from an earlier run (whose creation
    info still carries that run's marker) are never mistaken for this run's.
    """

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id
        self._pattern = re.compile(r"\[wkapi:" + re.escape(run_id) + r":(\d+)\]")

    def index(self, creation_info: str | None) -> int | None:
        """The input index of this run's marker in ``creation_info``, or ``None``."""
        if not creation_info:
            return None
        # The marker is appended last; take the last one in case the user's text quotes one.
        found = self._pattern.findall(creation_info)
        return int(found[-1]) if found else None
