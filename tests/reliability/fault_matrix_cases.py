"""The fault matrix's rows and columns, and the expected outcome of each cell.

Columns are request kinds (what a user does through ``wkapi.Client``); rows are faults of the
fake server. The expected outcome of a cell is derived from the documented retry rules (the
``wkapi._retry`` docstring and the README's "Reliability" section), not written per cell:

- GET, PUT and DELETE (and downloads, which are GETs) are retried on connection errors,
  timeouts and 408/429/500/502/503/504; POST and PATCH only on 429 and 503 (answered before
  processing) or when the request surely never left. Retries stop after ``attempts`` (3).
- A faulted request the server processed counts once as a side effect; a request it did not
  process counts nothing. So a non-retried POST shows its effect once if the fault came after
  processing and not at all otherwise; never twice. A request delayed past the client's timeout
  is processed late if it has no body; one with a body dies with its connection (the fake
  server reads the body after the delay). A resend overtakes a late request.
- aiohttp itself sends an idempotent request once more when the connection closes before the
  answer (its guard against stale keep-alive connections), so the server sees two sends per
  attempt for dropped GET, PUT and DELETE requests.
- Bulk creation never resends blindly: a lost or failed batch is reconciled against the
  project's tasks, and only missing items are sent again.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import wkapi
from tests.reliability.helpers import listing, write_nml
from wkapi.models import TaskSpec
from wkapi.testing import FakeWebknossos, FaultKind

ATTEMPTS = 3  # RetryPolicy().attempts, which the matrix's client keeps
LATENCY = 1.0  # seconds, past the client's 0.6 s timeouts (margins for a loaded machine)
DOWNLOAD_SIZE = 64 * 1024
TRUNCATE_AT = 20  # bytes of body before the cut: less than any answer of the matrix
BULK_ITEMS = 3


class Processing(enum.Enum):
    """Whether the server applies a request hit by the fault."""

    NO = "no"
    YES = "yes"
    LATE = "late"  # after the client gave up waiting, and only if it has no body to read


class Retry(enum.Enum):
    """Which methods the core retries after one faulted attempt."""

    ALL = "every method"  # 429/503: answered before processing
    IDEMPOTENT = "idempotent methods"
    NEVER = "never"  # the answer arrived and is final
    NOT_NEEDED = "not needed"  # nothing fails (the answer is only slow)


@dataclass(frozen=True)
class FaultCase:
    """One row: a fault rule for the target route and what it means for a client."""

    label: str
    kind: FaultKind
    once: bool  # times=1 (else every matching request)
    processing: Processing
    retry: Retry
    error: str  # the exception name one faulted attempt gives the user ("" if none)
    options: dict[str, Any] = field(default_factory=dict)


def _case(
    label: str,
    kind: FaultKind,
    *,
    processing: Processing,
    retry: Retry,
    error: str,
    **options: Any,
) -> FaultCase:
    once = label.endswith("x1")
    return FaultCase(label, kind, once, processing, retry, error, options)


def _status_cases() -> list[FaultCase]:
    """Each status once without ``Retry-After``, and persistently with it (the typed error
    after the last attempt, its wait capped by the policy)."""
    cases = []
    for status in (408, 429, 500, 502, 503, 504):
        retry = Retry.ALL if status in (429, 503) else Retry.IDEMPOTENT
        error = {408: "APIStatusError", 429: "RateLimitError"}.get(status, "ServerError")
        for label, extra in (
            (f"{status} x1", {}),
            (f"{status} +Retry-After always", {"retry_after": 1}),
        ):
            cases.append(
                _case(
                    label,
                    FaultKind.STATUS,
                    processing=Processing.NO,
                    retry=retry,
                    error=error,
                    status=status,
                    **extra,
                )
            )
    return cases


_IDEMPOTENT = Retry.IDEMPOTENT
CASES: list[FaultCase] = [
    *(
        _case(
            label,
            FaultKind.LATENCY,
            processing=Processing.LATE,
            retry=_IDEMPOTENT,
            error="APITimeoutError",
            delay=LATENCY,
        )
        for label in ("latency>timeout x1", "latency>timeout always")
    ),
    *_status_cases(),
    *(
        _case(
            label,
            FaultKind.DROP,
            processing=Processing.NO,
            retry=_IDEMPOTENT,
            error="APIConnectionError",
        )
        for label in ("drop x1", "drop always")
    ),
    *(
        _case(
            label,
            FaultKind.TRUNCATE,
            processing=Processing.YES,
            retry=_IDEMPOTENT,
            error="APIConnectionError",
            after_bytes=TRUNCATE_AT,
        )
        for label in ("truncate x1", "truncate always")
    ),
    _case(
        "slow body",
        FaultKind.SLOW_BODY,
        processing=Processing.YES,
        retry=Retry.NOT_NEEDED,
        error="",
        piece_size=4096,
        delay=0.01,
    ),
    _case(
        "HTML 502 page x1",
        FaultKind.HTML_ERROR,
        processing=Processing.NO,
        retry=_IDEMPOTENT,
        error="ServerError",
    ),
    _case(
        "invalid JSON 200 x1",
        FaultKind.INVALID_JSON,
        processing=Processing.NO,
        retry=Retry.NEVER,
        error="InvalidResponseError",
    ),
    _case(
        "process-then-drop x1",
        FaultKind.PROCESS_THEN_DROP,
        processing=Processing.YES,
        retry=_IDEMPOTENT,
        error="APIConnectionError",
    ),
]


@dataclass(frozen=True)
class Outcome:
    """What a user sees: ``result`` ("ok", an exception name, or "failed(<status>)" for bulk
    items), how many times the faulted route was sent, and how often it took effect."""

    result: str
    sends: int
    effects: int

    def __str__(self) -> str:
        return f"{self.result} sends={self.sends} effects={self.effects}"


@dataclass
class Target:
    """A prepared cell: the route to fault, the call, and how to count its effect."""

    method: str
    path: str
    call: Callable[[wkapi.Client], Awaitable[object]]
    effects: Callable[[object], int]
    check: Callable[[object], str | None] = lambda _: None  # extra check of a success


@dataclass(frozen=True)
class RequestKind:
    """A column: how to set up and call one kind of request, and what the rules say about it."""

    name: str
    idempotent: bool
    setup: Callable[[FakeWebknossos, Path], Target]
    has_body: bool = False  # a request body to read (a late request with one is never processed)
    has_effect: bool = True  # a GET changes nothing
    gone_after_effect: bool = False  # a resend after the effect finds nothing (DELETE: 404, ok)
    is_download: bool = False  # body faults are retried; its effect is the finished file


def _json_get(server: FakeWebknossos, _: Path) -> Target:
    task_id = _seed_task(server)
    return Target("GET", f"/tasks/{task_id}", lambda wk: wk.tasks.get(task_id), lambda _: 0)


def _json_post(server: FakeWebknossos, _: Path) -> Target:
    source = server.add_annotation(dataset="l4_sample", owner_id=server.user_ids["admin"])
    before = len(server.state.annotations)
    return Target(
        "POST",
        f"/annotations/Explorational/{source}/duplicate",
        lambda wk: wk.annotations.duplicate("Explorational", source),
        lambda _: len(server.state.annotations) - before,
    )


def _json_patch(server: FakeWebknossos, _: Path) -> Target:
    task_id = _seed_task(server)
    project_id = server.state.tasks[task_id].project_id
    return Target(
        "PATCH",
        f"/projects/{project_id}/incrementEachTasksInstances",
        lambda wk: wk.projects.increment_each_tasks_instances(project_id, delta=1),
        lambda _: server.state.tasks[task_id].instances - 1,
    )


def _json_put(server: FakeWebknossos, _: Path) -> Target:
    task_id = _seed_task(server)
    return Target(
        "PUT",
        f"/tasks/{task_id}",
        lambda wk: wk.tasks.update(task_id, open_instances=5),
        lambda _: int(server.state.tasks[task_id].instances == 5),
    )


def _json_delete(server: FakeWebknossos, _: Path) -> Target:
    task_id = _seed_task(server)
    return Target(
        "DELETE",
        f"/tasks/{task_id}",
        lambda wk: wk.tasks.delete(task_id),
        lambda _: int(task_id not in server.state.tasks),
    )


def _download(server: FakeWebknossos, tmp: Path) -> Target:
    annotation = server.add_synthetic_annotation(DOWNLOAD_SIZE, "nml")
    expected = server.expected_sha256(annotation)
    target = tmp / "downloads"
    target.mkdir()

    def check(result: object) -> str | None:
        assert isinstance(result, wkapi.DownloadResult)
        on_disk = hashlib.sha256(result.path.read_bytes()).hexdigest()
        if not result.sha256 == on_disk == expected or listing(target) != [result.path.name]:
            return f"bad file: {listing(target)} sha256 {on_disk[:8]}"
        return None

    return Target(
        "GET",
        f"/annotations/Explorational/{annotation}/download",
        lambda wk: wk.annotations.download("Explorational", annotation, target),
        lambda _: len(listing(target)),  # the finished file, and nothing else (no .part)
        check,
    )


def _upload(server: FakeWebknossos, tmp: Path) -> Target:
    nml = write_nml(server, tmp / "upload.nml")
    before = len(server.state.annotations)
    return Target(
        "POST",
        "/annotations/upload",
        lambda wk: wk.annotations.upload(nml),
        lambda _: len(server.state.annotations) - before,
    )


def _bulk(server: FakeWebknossos, _: Path) -> Target:
    task_type = server.add_task_type("matrix skeleton")
    project_id = server.add_project("matrix_project")
    specs = [
        TaskSpec(task_type, "l4_sample", "matrix_project", (i, 0, 0)) for i in range(BULK_ITEMS)
    ]

    def effects(report: object) -> int:
        """Tasks created per item: 1 when each exists exactly once, else the worst count."""
        infos = [
            t.creation_info or "" for t in server.state.tasks.values() if t.project_id == project_id
        ]
        if not isinstance(report, wkapi.jobs.BulkTaskReport):
            return len(infos)
        counts = [sum(item.marker in info for info in infos) for item in report.items]
        return max(counts) if min(counts) == max(counts) else -1

    return Target("POST", "/tasks", lambda wk: wk.tasks.create_many(specs), effects)


def _seed_task(server: FakeWebknossos) -> str:
    state = server.state
    task_type = next(t.id for t in state.task_types.values() if t.tracing_type == "skeleton")
    project = server.add_project("matrix_tasks")
    return server.add_task(project, task_type, "l4_sample")


KINDS: list[RequestKind] = [
    RequestKind("JSON GET", True, _json_get, has_effect=False),
    RequestKind("JSON POST", False, _json_post),
    RequestKind("JSON PATCH", False, _json_patch),
    RequestKind("JSON PUT", True, _json_put, has_body=True),
    RequestKind("JSON DELETE", True, _json_delete, gone_after_effect=True),
    RequestKind("download", True, _download, is_download=True),
    RequestKind("upload", False, _upload, has_body=True),
    RequestKind("bulk create", False, _bulk, has_body=True),
]

# Faults that close the connection before any answer: aiohttp resends idempotent requests once.
_RESENT_BY_AIOHTTP = (FaultKind.DROP, FaultKind.PROCESS_THEN_DROP)


def _processed(case: FaultCase, kind: RequestKind) -> bool:
    """Whether the faulted request takes effect on the server (sooner or later)."""
    if case.processing is Processing.LATE:
        return not kind.has_body
    return case.processing is Processing.YES


def expected(case: FaultCase, kind: RequestKind) -> Outcome:
    """The outcome the documented rules promise for ``case`` on ``kind``."""
    if kind.name == "bulk create":
        return _expected_bulk(case, kind)
    done = 1 if kind.has_effect else 0
    if case.retry is Retry.NOT_NEEDED:
        return Outcome("ok", 1, done)
    processed = _processed(case, kind)
    # A download's effect is its finished file: none unless it succeeds.
    effect_of_error = done if processed and not kind.is_download else 0
    retried = case.retry is Retry.ALL or (case.retry is Retry.IDEMPOTENT and kind.idempotent)
    if not retried:
        return Outcome(case.error, 1, effect_of_error)
    per_attempt = 2 if case.kind in _RESENT_BY_AIOHTTP else 1
    if kind.gone_after_effect and processed and case.processing is Processing.YES:
        # The first DELETE took effect; the resend finds nothing to delete, which the client
        # takes as done (the earlier attempt's answer was lost).
        return Outcome("ok", 2, done)
    if case.once:
        return Outcome("ok", 2, done)
    error = case.error
    if kind.is_download and case.kind is FaultKind.TRUNCATE:
        error = "IncompleteDownloadError"
    return Outcome(error, ATTEMPTS * per_attempt, effect_of_error)


def _expected_bulk(case: FaultCase, kind: RequestKind) -> Outcome:
    """Bulk creation: a processed batch is found by reconciliation (one send); an unprocessed
    one is sent again while attempts last; every item is created exactly once or fails with the
    status of the last send."""
    if _processed(case, kind) or case.retry is Retry.NOT_NEEDED:
        return Outcome("ok", 1, 1)
    if case.once:
        return Outcome("ok", 2, 1)
    return Outcome(f"failed({case.options.get('status')})", ATTEMPTS, 0)
