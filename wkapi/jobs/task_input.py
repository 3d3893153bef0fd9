"""Task specs from files (CSV, JSON Lines) and from in-memory rows, all checked up front.

Every row is validated before anything is returned, and every bad row is reported (with its
line number and the reason) in one :class:`TaskFileError`, so a bulk job never starts with a
file it would stop on halfway.

CSV: a header row, then one task per row. Columns are named like :class:`~wkapi.models.TaskSpec`
fields in snake_case or camelCase (``task_type_id``/``taskTypeId``, ``dataset``/``dataSet``,
``project_name``, ``edit_position`` as ``"1,2,3"`` or three columns ``x``, ``y``, ``z``, ...; see
:meth:`TaskSpec.from_row`). Empty cells count as absent. ``.tsv`` files are read tab-separated;
a ``.csv`` file may also be separated by semicolons or tabs, as spreadsheets save it (the header
row tells which). A space after a delimiter is ignored, so a hand-typed ``, "1, 2, 3"`` is one
cell. Empty columns after the last named one (a trailing delimiter) are ignored, and so are rows
of empty cells; a column named twice is refused.

JSON Lines (``.jsonl``, ``.ndjson``): one JSON object per line with the same keys; blank lines
are skipped.

A row's line number is the physical line it starts on (counting the header, blank lines and the
extra lines of quoted cells that span several lines), so it is where a user finds the row in an
editor. :func:`load_task_rows` returns each spec with that line number, for tools that report
per-row outcomes (the ``wkapi tasks create`` command names the line of each refused row).
"""

from __future__ import annotations

import csv
import itertools
import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

import attrs
import orjson

from wkapi._errors import InputError, TaskFileError, TaskInputError
from wkapi.models import TaskSpec

__all__ = [
    "TaskFileError",
    "TaskInputError",
    "TaskRow",
    "load_task_rows",
    "load_task_specs",
    "specs_from_rows",
]

FileFormat = Literal["csv", "tsv", "jsonl"]

_SUFFIXES: dict[str, FileFormat] = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
#: The delimiters a ``.csv`` file may use (see ``_delimiter``); ``.tsv`` files use tabs.
_CSV_DELIMITERS = (",", ";", "\t")
#: Problems quoted in the exception's message (all are in ``.problems``).
_QUOTED = 5


@attrs.frozen
class TaskRow:
    """One task of a file: its checked ``spec`` and the ``line`` (1-based) the row starts on."""

    line: int
    spec: TaskSpec


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
        message = "specs: expected an iterable of task specs or mappings, got a single value"
        raise TaskInputError(message, [])
    given: object = rows  # callers without type checking pass anything
    if not isinstance(given, Iterable):
        message = f"specs: expected an iterable of task specs or mappings, got {given!r}"
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
    return [row.spec for row in load_task_rows(path, file_format=file_format)]


def load_task_rows(
    path: str | os.PathLike[str], *, file_format: FileFormat | None = None
) -> list[TaskRow]:
    """Like :func:`load_task_specs`, with the line each row starts on (:class:`TaskRow`).

    The rows are in file order, so ``rows[i]`` is item ``i`` of a bulk creation of
    ``[row.spec for row in rows]``, and ``rows[i].line`` is where to fix it in the file.

    Raises:
        TaskFileError: as :func:`load_task_specs`.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TaskFileError(
            str(path), f"path must be a path (a str or os.PathLike), got {path!r}", []
        )
    file = Path(path)
    name = str(path)
    kind = file_format or _SUFFIXES.get(file.suffix.lower())
    if kind is None:
        known = ", ".join(_SUFFIXES)
        raise TaskFileError(name, f"{name}: unknown task file type (expected {known})", [])
    try:
        with file.open(encoding="utf-8-sig", newline="") as stream:
            rows = list(_jsonl_rows(stream) if kind == "jsonl" else _csv_rows(stream, kind, name))
    except UnicodeDecodeError as exc:
        line, reason = _undecodable(file)
        where = f"line {line}: " if line else ""
        raise TaskFileError(name, f"{name}: {where}{reason}", [(line, reason)]) from exc
    except OSError as exc:
        raise TaskFileError(name, f"{name}: cannot read the file: {exc}", [(0, str(exc))]) from exc
    return _rows_from_lines(name, rows)


_SAVE_AS_UTF8 = 'save it as UTF-8 (in Excel: "CSV UTF-8")'


def _undecodable(file: Path) -> tuple[int, str]:
    """The first line of ``file`` that is not UTF-8 (0: the whole file), and what to do."""
    data = file.read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return (
            0,
            "cannot read the file: it is UTF-16 (a spreadsheet's Unicode Text), not UTF-8: "
            + _SAVE_AS_UTF8,
        )
    for number, line in enumerate(data.split(b"\n"), start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as exc:
            return number, (
                f"cannot read the file: not UTF-8 (byte 0x{line[exc.start]:02x} at column "
                f"{exc.start + 1}): {_SAVE_AS_UTF8}"
            )
    return 0, f"cannot read the file: not UTF-8: {_SAVE_AS_UTF8}"


# A parsed line: (line number, row) or (line number, problem text).
_Line = tuple[int, Mapping[str, Any] | str]


def _rows_from_lines(name: str, rows: list[_Line]) -> list[TaskRow]:
    specs: list[TaskRow] = []
    problems: list[tuple[int, str]] = []
    for line, row in rows:
        if isinstance(row, str):
            problems.append((line, row))
            continue
        try:
            specs.append(TaskRow(line, TaskSpec.from_row(row)))
        except InputError as exc:
            problems.append((line, str(exc)))
    if problems:
        message = f"{name}: {len(problems)} bad row(s): {_describe(problems, 'line')}"
        raise TaskFileError(name, message, problems)
    if not specs:
        raise TaskFileError(name, f"{name}: the file holds no task", [(0, "no task rows")])
    return specs


class _LineCounter:
    """Hands lines to the CSV reader and counts them, so a row's first line is known."""

    def __init__(self, stream: Iterable[str]) -> None:
        self._lines = iter(stream)
        self.count = 0

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.count += 1
        return line


def _csv_rows(stream: Iterable[str], kind: FileFormat, name: str) -> Iterator[_Line]:
    # csv.reader, not DictReader: DictReader skips blank lines on its own, and only its
    # ``line_num`` (the row's *last* line) would be left to tell where a row is.
    lines = _LineCounter(stream)
    first = next(lines, None)
    if first is None:
        return
    delimiter = "\t" if kind == "tsv" else _delimiter(first)
    # skipinitialspace: a quoted cell after ", " ("1, 2, 3" typed by hand) is still one cell.
    # strict: a quote opened and never closed is an error, not the rest of the file in one cell.
    reader = csv.reader(
        itertools.chain([first], lines), delimiter=delimiter, skipinitialspace=True, strict=True
    )
    try:
        header_cells = next(reader, [])
    except csv.Error as exc:
        reason = _malformed(exc)
        raise TaskFileError(name, f"{name}: line 1: {reason}", [(1, reason)]) from exc
    header = _header(header_cells, name)
    if not header:
        return
    while True:
        first_line = lines.count + 1
        try:
            cells = next(reader, None)
        except csv.Error as exc:
            # Nothing after a malformed row can be trusted to start where it seems to.
            yield first_line, _malformed(exc)
            return
        if cells is None:
            return
        if not any(cell.strip() for cell in cells):
            continue  # a blank line, or a spreadsheet's row of empty cells
        if len(cells) > len(header):
            if any(cell.strip() for cell in cells[len(header) :]):
                yield first_line, f"{len(cells) - len(header)} more cell(s) than header columns"
                continue
            cells = cells[: len(header)]  # empty cells under no column (a trailing delimiter)
        row: dict[str, str | None] = dict.fromkeys(header)  # missing trailing cells: None
        row.update(zip(header, cells, strict=False))
        yield first_line, row


def _malformed(exc: csv.Error) -> str:
    if "unexpected end of data" in str(exc):
        return (
            'a quote (") opened in this row is never closed, so the rest of the file would '
            "be read into one cell; close it, or double a quote meant inside a cell"
        )
    return f"not valid CSV: {exc} (a cell in quotes must end at its closing quote)"


def _delimiter(header_line: str) -> str:
    """The delimiter of a ``.csv`` file: the one of ``,`` ``;`` and tab that splits its header
    line into the most known column names (``,`` when none does better).

    Spreadsheets save CSV with ``;`` where ``,`` is the decimal separator, and some save tabs.
    """
    best, best_known = ",", 0
    for candidate in _CSV_DELIMITERS:
        cells = next(csv.reader([header_line], delimiter=candidate, skipinitialspace=True), [])
        names = [cell.strip() for cell in cells if cell.strip()]
        known = len(names) - len(_unknown_columns(names))
        if known > best_known:
            best, best_known = candidate, known
    return best


def _header(cells: list[str], name: str) -> list[str]:
    """The column names of a header row, checked: empty trailing names (a trailing delimiter)
    are dropped; an unknown or repeated name is a :class:`TaskFileError` for line 1."""
    header = [cell.strip() for cell in cells]
    while header and not header[-1]:
        header.pop()
    if not header and len(cells) > 1:  # delimiters only: a row of empty cells
        reason = "the first line must be a header row naming the columns, not empty cells"
        raise TaskFileError(name, f"{name}: line 1: {reason}", [(1, reason)])
    if not header:
        return header
    unknown = _unknown_columns(header)
    if unknown:
        reason = f"unknown column(s): {', '.join(map(repr, unknown))}"
        if len(unknown) == len(header):
            reason += " (the first line must be a header row naming the columns)"
        raise TaskFileError(name, f"{name}: line 1: {reason}", [(1, reason)])
    columns: dict[str, int] = {}
    for number, column in enumerate(header, start=1):
        if column in columns:
            reason = f"column {column!r} is named twice (columns {columns[column]} and {number})"
            raise TaskFileError(name, f"{name}: line 1: {reason}", [(1, reason)])
        columns[column] = number
    return header


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
