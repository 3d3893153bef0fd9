"""Expected failures as short lines on stderr instead of tracebacks, and as one JSON document.

``expected_error_lines`` turns a bad token, an unreachable server, a bad input file, a refused
request and the like into ``error: ...`` lines (exit status 1); anything else is a bug and keeps
its traceback. With ``--json``, :func:`failure_document` is what stdout gets instead of the
command's own document, so a pipe into ``jq`` always reads one document::

    {"ok": false, "error": {"type": "AuthenticationError", "message": "...", "status": 401}}

``type`` is the exception's class (wkapi's public error names, ``UsageError`` for a bad command
line, ``Interrupted`` for Ctrl-C, ``Terminated`` for SIGTERM), ``message`` the text of the first
``error:`` line, ``status`` the HTTP status when a server answer decided it (else null). A bad
task file adds ``problems``: every bad row as ``{"line": n, "reason": "..."}`` (line 0: the whole
file), and ``wkapi tasks create`` the ``run_id`` to resume with. ``ok`` is the key every
document of the CLI that is an object carries.
"""

from __future__ import annotations

from typing import Any

import wkapi

__all__ = [
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_TERMINATED",
    "EXIT_USAGE",
    "CommandError",
    "expected_error_lines",
    "failure_document",
]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
#: Ctrl-C (SIGINT): 128 + 2, as shells report a process ended by it.
EXIT_INTERRUPTED = 130
#: SIGTERM: 128 + 15.
EXIT_TERMINATED = 143

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


def expected_error_lines(
    exc: BaseException, url: str | None, *, token_given: bool = True
) -> list[str] | None:
    """The lines to print for an expected failure, or ``None`` if ``exc`` is unexpected.

    ``token_given``: whether the command had a token; a 401 without one says so.
    """
    where = url or "the server"
    if isinstance(exc, CommandError):
        return [f"error: {exc}"]
    if isinstance(exc, wkapi.AuthenticationError) and not token_given:
        return [
            "error: no token given, and the server wants one (401): pass --token or set "
            "WK_TOKEN (your token is in the WEBKNOSSOS user menu, 'Auth Token')"
        ]
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


def failure_document(
    exc: BaseException, lines: list[str], *, kind: str | None = None
) -> dict[str, Any]:
    """The ``--json`` document of a failed command (see the module docstring).

    ``lines`` are the ``error:`` lines printed for it (the first one is the message);
    ``kind`` names the failure when the exception's class would not (``UsageError``, ...).
    """
    first = lines[0] if lines else str(exc)
    message = first.removeprefix("error: ")
    error: dict[str, Any] = {
        "type": kind or type(exc).__name__,
        "message": message,
        "status": exc.status if isinstance(exc, wkapi.APIStatusError) else None,
    }
    if isinstance(exc, wkapi.TaskInputError) and exc.problems:
        error["message"] = str(exc)
        error["problems"] = [{"line": line, "reason": reason} for line, reason in exc.problems]
    return {"ok": False, "error": error}
