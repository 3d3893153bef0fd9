"""The reliability suite's report: with ``-v``, the fault matrix as a table and the soak figures
(the ``serve`` fixture is in the suite's conftest)."""

from __future__ import annotations

import pytest

from tests.reliability.helpers import MATRIX_ROWS, SOAK_LINES, format_matrix


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    if config.getoption("verbose") <= 0:
        return
    if MATRIX_ROWS:
        terminalreporter.write_sep("=", "fault matrix (fault x request kind)")
        for line in format_matrix(MATRIX_ROWS):
            terminalreporter.write_line(line)
    for line in SOAK_LINES:
        terminalreporter.write_sep("=", "soak")
        terminalreporter.write_line(line)
