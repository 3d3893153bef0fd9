"""Plain helpers of the reliability suite (fixtures live in the conftest files): fast clients,
waiting for the fake server to settle, looking at directories, an NML the fake server accepts,
the fuzzed server's script, and the report printed at the end of a verbose run (the fault matrix
and the soak figures)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

import wkapi
from wkapi.testing import FakeWebknossos

#: Small timeouts, so that "latency past the timeout" costs a fraction of a second.
SHORT_TIMEOUTS = wkapi.Timeouts(api_total=0.6, transfer_read=0.6)

NML = (
    '<things><meta name="writer" content="reliability"/>'
    '<parameters><experiment name="l4_sample" organization="{org}"/>'
    '<scale x="11.24" y="11.24" z="28.0"/></parameters>'
    '<thing id="1" name="tree"><nodes><node id="1" x="1" y="2" z="3" radius="1"/></nodes>'
    "<edges/></thing></things>"
)

# Faults after which the fake server never records a status (the connection was cut).
_CUT_FAULTS = frozenset({"drop", "process_then_drop"})


def client(server: FakeWebknossos, role: str = "admin", **options: Any) -> wkapi.Client:
    """A client of ``server`` as ``role`` with ``RetryPolicy.for_tests()`` unless told otherwise."""
    options.setdefault("retry", wkapi.RetryPolicy.for_tests())
    return wkapi.Client(server.url, server.tokens[role], **options)


def write_nml(server: FakeWebknossos, path: Path) -> Path:
    """A small valid NML on the seeded public dataset."""
    path.write_text(NML.format(org=server.organization))
    return path


def listing(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


async def settle(server: FakeWebknossos, timeout: float = 5.0) -> None:
    """Wait until the server has finished every request it received (a request delayed past the
    client's timeout is still processed afterwards, as a real server does)."""
    deadline = time.monotonic() + timeout
    while any(r.status is None and r.fault not in _CUT_FAULTS for r in server.requests):
        if time.monotonic() > deadline:
            raise AssertionError("the fake server did not finish its requests in time")
        await asyncio.sleep(0.01)


# -- the report of a verbose run ------------------------------------------------------------------


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


@dataclass
class Script:
    """The next answer of the fuzzed server."""

    status: int = 200
    body: bytes = b""
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    mutate: Callable[[Any], Any] | None = None  # applied to the fake server's real answer


@dataclass
class Rig:
    """The fuzzed server's script and its two clients (strict and tolerant models)."""

    script: Script
    strict: wkapi.Client
    tolerant: wkapi.Client
    ids: dict[str, str]  # ids of the fake server's objects, so real answers are not just 404s


def ids_of(fake: FakeWebknossos) -> dict[str, str]:
    """Ids of the fake server's objects, for calls that name one (an admin's annotation)."""
    state = fake.state
    admin = fake.user_ids["admin"]
    project = next(p for p in state.projects.values() if p.name == "seed_project_alpha")
    return {
        "user": admin,
        "project": project.id,
        "task": state.tasks_by_project[project.id][0],
        "annotation": fake.add_annotation(owner_id=admin, dataset="l4_sample"),
    }


async def answer_json(data: object) -> web.StreamResponse:
    """A JSON answer, for handlers that must return an awaitable."""
    return web.json_response(data)


#: How long the slow-committing proxy holds ``POST /tasks``: past the client's 0.3 s timeout.
COMMIT_DELAY = 0.5
