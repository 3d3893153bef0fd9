"""Task specs from files (CSV, JSON Lines) and from in-memory rows, all checked up front.

Every row is validated before anything is returned, and every bad row is reported (with its
line number and the reason) in one :class:`TaskFileError`, so a bulk job never starts with a
file it would stop on halfway.

CSV: a header row, then one task per row. Columns are named like :class:`~wkapi.models.TaskSpec`
fields in snake_case or camelCase (``task_type_id``/``taskTypeId``, ``dataset``/``dataSet``,
``project_name``, ``edit_position`` as ``"1,2,3"`` or three columns ``x``, ``y``, ``z``, ...; see
:meth:`TaskSpec.from_row`). Empty cells count as absent. ``.tsv`` files are read tab-separated.

JSON Lines (``.jsonl``, ``.ndjson``): one JSON object per line with the same keys; blank lines
are skipped.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

import orjson

from wkapi._errors import InputError
from wkapi.models import TaskSpec

__all__ = ["TaskFileError", "TaskInputError", "load_task_specs", "specs_from_rows"]

FileFormat = Literal["csv", "tsv", "jsonl"]

_SUFFIXES: dict[str, FileFormat] = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
#: Problems quoted in the exception's message (all are in ``.problems``).
_QUOTED = 5


class TaskInputError(InputError):
    """Task rows that cannot become :class:`~wkapi.models.TaskSpec` objects.

    ``problems`` lists every bad row as ``(position, reason)``: the line number in a file, the
    0-based index for in-memory rows.
    """

    def __init__(self, message: str, problems: list[tuple[int, str]]) -> None:
        super().__init__(message)
        self.problems = problems


class TaskFileError(TaskInputError):
    """A task file that cannot be used: unreadable, empty, with unknown columns or bad rows.

    ``path`` is the file; ``problems`` are ``(line number, reason)`` (line 0: the whole file).
    """

    def __init__(self, path: str, message: str, problems: list[tuple[int, str]]) -> None:
        super().__init__(message, problems)
        self.path = path


def _describe(problems: list[tuple[int, str]], what: str) -> str:
    quoted = "; ".join(f"{what} {pos}: {reason}" for pos, reason in problems[:_QUOTED])
    more = len(problems) - _QUOTED
    return quoted + (f"; and {more} more" if more > 0 else "")


def specs_from_rows(rows: Iterable[TaskSpec | Mapping[str, Any]]) -> list[TaskSpec]:
    """Specs from ``TaskSpec`` objects and mappings (see :meth:`TaskSpec.from_row`).

    Raises:
        TaskInputError: listing every bad item by its 0-based index.
    """
    if isinstance(rows, (TaskSpec, Mapping, str, bytes)):
        message = "expected an iterable of task specs or mappings, got a single value"
        raise TaskInputError(message, [])
    specs: list[TaskSpec] = []
    problems: list[tuple[int, str]] = []
    for index, row in enumerate(rows):
        value: object = row  # callers without type checking pass anything
        if isinstance(value, TaskSpec):
            specs.append(value)
        elif isinstance(value, Mapping):
            try:
                specs.append(TaskSpec.from_row(value))
            except InputError as exc:
                problems.append((index, str(exc)))
        else:
            kind = type(value).__name__
            problems.append((index, f"expected a TaskSpec or a mapping, got {kind}"))
    if problems:
        message = f"{len(problems)} invalid task(s): {_describe(problems, 'item')}"
        raise TaskInputError(message, problems)
    return specs


def load_task_specs(
    path: str | os.PathLike[str], *, file_format: FileFormat | None = None
) -> list[TaskSpec]:
    """Read and check every task of a CSV, TSV or JSON Lines file.

    The format follows the suffix (``.csv``, ``.tsv``, ``.jsonl``, ``.ndjson``) unless
    ``file_format`` says otherwise. This reads the file synchronously; from async code, call it
    through ``anyio.to_thread.run_sync``.

    Raises:
        TaskFileError: the file cannot be read, holds no task, has unknown columns, or has bad
            rows; ``problems`` lists all of them with their line numbers. Nothing is returned
            unless every row is valid.
    """
    file = Path(path)
    name = str(path)
    kind = file_format or _SUFFIXES.get(file.suffix.lower())
    if kind is None:
        known = ", ".join(_SUFFIXES)
        raise TaskFileError(name, f"{name}: unknown task file type (expected {known})", [])
    try:
        with file.open(encoding="utf-8-sig", newline="") as stream:
            rows = list(_jsonl_rows(stream) if kind == "jsonl" else _csv_rows(stream, kind, name))
    except (OSError, UnicodeDecodeError) as exc:
        raise TaskFileError(name, f"{name}: cannot read the file: {exc}", [(0, str(exc))]) from exc
    return _specs_from_lines(name, rows)


# A parsed line: (line number, row) or (line number, problem text).
_Line = tuple[int, Mapping[str, Any] | str]


def _specs_from_lines(name: str, rows: list[_Line]) -> list[TaskSpec]:
    specs: list[TaskSpec] = []
    problems: list[tuple[int, str]] = []
    for line, row in rows:
        if isinstance(row, str):
            problems.append((line, row))
            continue
        try:
            specs.append(TaskSpec.from_row(row))
        except InputError as exc:
            problems.append((line, str(exc)))
    if problems:
        message = f"{name}: {len(problems)} bad row(s): {_describe(problems, 'line')}"
        raise TaskFileError(name, message, problems)
    if not specs:
        raise TaskFileError(name, f"{name}: the file holds no task", [(0, "no task rows")])
    return specs


def _csv_rows(stream: Iterable[str], kind: FileFormat, name: str) -> Iterator[_Line]:
    reader = csv.DictReader(stream, delimiter="\t" if kind == "tsv" else ",")
    header = reader.fieldnames
    if not header:
        return
    unknown = _unknown_columns(header)
    if unknown:
        reason = f"unknown column(s): {', '.join(map(repr, unknown))}"
        if len(unknown) == len(header):
            reason += " (the first line must be a header row naming the columns)"
        raise TaskFileError(name, f"{name}: line 1: {reason}", [(1, reason)])
    for row in reader:
        extra = row.pop(None, None)
        if extra:
            yield reader.line_num, f"{len(extra)} more cell(s) than header columns"
            continue
        yield reader.line_num, row


def _unknown_columns(header: Iterable[str]) -> list[str]:
    """Header names that are no field of :meth:`TaskSpec.from_row`."""
    return TaskSpec.unknown_fields(header)


def _jsonl_rows(stream: Iterable[str]) -> Iterator[_Line]:
    for line_number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            yield line_number, f"not valid JSON: {exc}"
            continue
        if not isinstance(value, dict):
            yield line_number, f"expected a JSON object, got {type(value).__name__}"
            continue
        yield line_number, value
