"""What the reliability suite prints at the end of a verbose run: the fault matrix and the soak
figures."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MatrixRow:
    fault: str
    kind: str
    expected: str
    actual: str

    @property
    def passed(self) -> bool:
        return self.expected == self.actual


#: Filled by ``test_fault_matrix`` as its rows run.
MATRIX_ROWS: list[MatrixRow] = []
#: One summary line per soak run.
SOAK_LINES: list[str] = []


def format_matrix(rows: list[MatrixRow]) -> list[str]:
    """The rows as an aligned text table, in the order they ran, with a PASS/FAIL column."""
    header = ("fault", "request kind", "expected", "actual", "")
    table = [header] + [
        (r.fault, r.kind, r.expected, r.actual, "PASS" if r.passed else "FAIL") for r in rows
    ]
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in table
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    failed = sum(not r.passed for r in rows)
    lines.append(f"{len(rows)} rows, {len(rows) - failed} passed, {failed} failed")
    return lines
