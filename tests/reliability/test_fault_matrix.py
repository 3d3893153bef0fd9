"""The fault matrix: every fault of the fake server times every kind of request, through the
public client, each cell checked against the outcome the retry rules promise.

A cell checks what a user sees (success, or the right typed error), how many times the faulted
route was sent, and how often the request took effect on the server (never twice; a download
leaves its finished file and nothing else). ``pytest -v tests/reliability`` prints the table.
See ``fault_matrix_cases`` for the rows, the columns and the rules.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import wkapi
from tests.reliability.fault_matrix_cases import (
    CASES,
    KINDS,
    FaultCase,
    Outcome,
    RequestKind,
    expected,
)
from tests.reliability.helpers import MATRIX_ROWS, SHORT_TIMEOUTS, MatrixRow, client, settle
from wkapi.testing import FakeWebknossos


def _result(value: object, kind: RequestKind) -> str:
    if kind.name == "bulk create":
        assert isinstance(value, wkapi.jobs.BulkTaskReport)
        if value.ok:
            return "ok"
        return "failed(" + ",".join(sorted({str(item.status) for item in value.failures})) + ")"
    return "ok"


@pytest.mark.parametrize("kind", KINDS, ids=[k.name.replace(" ", "_") for k in KINDS])
@pytest.mark.parametrize("case", CASES, ids=[c.label.replace(" ", "_") for c in CASES])
async def test_fault_matrix(case: FaultCase, kind: RequestKind, tmp_path: Path) -> None:
    async with FakeWebknossos() as server:
        target = kind.setup(server, tmp_path)
        server.faults.add(
            case.kind,
            method=target.method,
            path=target.path,
            times=1 if case.once else None,
            **case.options,
        )
        value: object = None
        async with client(server, timeouts=SHORT_TIMEOUTS) as wk:
            try:
                value = await target.call(wk)
            except wkapi.WebknossosError as exc:
                result = type(exc).__name__
            else:
                result = _result(value, kind)
                problem = target.check(value)
                if problem is not None:
                    result = f"ok but {problem}"
        await settle(server)
        sends = sum(
            1 for r in server.requests if r.method == target.method and r.route == target.path
        )
        actual = Outcome(result, sends, target.effects(value))
    want = expected(case, kind)
    MATRIX_ROWS.append(MatrixRow(case.label, kind.name, str(want), str(actual)))
    assert actual == want
