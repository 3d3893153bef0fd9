"""Expected failures as short lines on stderr instead of tracebacks.

``expected_error_lines`` turns a bad token, an unreachable server, a bad input file, a refused
request and the like into ``error: ...`` lines (exit status 1); anything else is a bug and keeps
its traceback.
"""

from __future__ import annotations

import wkapi

__all__ = [
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "CommandError",
    "expected_error_lines",
]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

# A file with many bad rows: show this many, then a count of the rest.
_MAX_PROBLEM_LINES = 20


class CommandError(Exception):
    """A command cannot go on; its message is shown as one ``error:`` line (exit status 1)."""


def _problem_lines(exc: wkapi.TaskInputError) -> list[str] | None:
    """``file:line: reason`` lines of bad task rows (``TaskInputError.problems``)."""
    problems = exc.problems
    if not problems:
        return None
    path = exc.path if isinstance(exc, wkapi.TaskFileError) else None
    lines = []
    for line, reason in problems[:_MAX_PROBLEM_LINES]:
        # Line 0 stands for the whole file (unreadable, empty, unknown columns).
        where = [str(part) for part in (path, line or None) if part is not None]
        lines.append(f"error: {':'.join(where)}: {reason}" if where else f"error: {reason}")
    if len(problems) > _MAX_PROBLEM_LINES:
        lines.append(f"error: ... and {len(problems) - _MAX_PROBLEM_LINES} more bad rows")
    return lines


def _status_detail(exc: wkapi.APIStatusError) -> str:
    return "; ".join(exc.messages) if exc.messages else exc.message


def expected_error_lines(exc: BaseException, url: str | None) -> list[str] | None:
    """The lines to print for an expected failure, or ``None`` if ``exc`` is unexpected."""
    where = url or "the server"
    if isinstance(exc, CommandError):
        return [f"error: {exc}"]
    if isinstance(exc, wkapi.AuthenticationError):
        return [
            "error: the server refused the token (401): pass a valid --token or set WK_TOKEN "
            "(your token is in the WEBKNOSSOS user menu, 'Auth Token')"
        ]
    if isinstance(exc, wkapi.PermissionDeniedError):
        return [f"error: permission denied (403): {_status_detail(exc)}"]
    if isinstance(exc, wkapi.NotFoundError):
        return [f"error: not found (404): {_status_detail(exc)}"]
    if isinstance(exc, wkapi.APIStatusError):
        return [f"error: the server answered {exc.status}: {_status_detail(exc)}"]
    if isinstance(exc, wkapi.IncompleteDownloadError):
        return [f"error: {exc} (the connection broke; try again)"]
    if isinstance(exc, wkapi.APITimeoutError):
        return [f"error: {where} did not answer in time: {exc.message}"]
    if isinstance(exc, wkapi.APIConnectionError):
        return [f"error: cannot reach {where}: {exc.message}"]
    if isinstance(exc, wkapi.InvalidResponseError):
        return [f"error: unexpected answer from {where}: {exc}"]
    if isinstance(exc, wkapi.DestinationExistsError):
        return [f"error: {exc.path} exists; pass --overwrite to replace it"]
    if isinstance(exc, wkapi.TaskInputError):
        return _problem_lines(exc) or [f"error: {exc}"]
    if isinstance(exc, wkapi.WebknossosError):
        return [f"error: {exc}"]
    if isinstance(exc, OSError) and exc.strerror:
        target = f": {exc.filename}" if exc.filename else ""
        return [f"error: {exc.strerror}{target}"]
    return None
