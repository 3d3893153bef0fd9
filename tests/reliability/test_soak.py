"""Soak: many mixed operations from concurrent tasks against a server that fails 10 % of requests.

Every operation must end in success or a typed ``wkapi`` error; downloads must match the server's
SHA-256 or leave nothing behind; no task and no upload may exist twice; at the end no connection
to the server is open and no "Unclosed client session" or "Task was destroyed but it is pending"
was reported (warnings are errors, and the ``asyncio`` logger is watched).

Size: ``WKAPI_SOAK_OPS`` (default 300) for ``test_soak``; ``test_soak_large`` runs 2,000 and is
deselected by default (``pytest -m soak_large tests/reliability``).
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import logging
import os
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import anyio
import psutil
import pytest

import wkapi
from tests.reliability.helpers import NML, SOAK_LINES, settle
from wkapi.models import TaskSpec
from wkapi.testing import FakeWebknossos, FaultKind

DEFAULT_OPS = 300
LARGE_OPS = 2000
WORKERS = 16
SEED = 20261125
#: Seconds the whole run may take, per operation (plus a fixed allowance).
SECONDS_PER_OP = 0.1
TIMEOUTS = wkapi.Timeouts(api_total=1.0, transfer_read=1.0)

# Each rule fires independently on ~1/10 of what it matches; together about 10 % of requests.
FAULTS: list[tuple[FaultKind, float, dict[str, object]]] = [
    (FaultKind.STATUS, 0.02, {"status": 503, "retry_after": 1}),
    (FaultKind.STATUS, 0.01, {"status": 502}),
    (FaultKind.HTML_ERROR, 0.01, {"status": 504}),
    (FaultKind.DROP, 0.015, {}),
    (FaultKind.PROCESS_THEN_DROP, 0.015, {}),
    (FaultKind.TRUNCATE, 0.015, {"after_bytes": 700}),
    (FaultKind.SLOW_BODY, 0.01, {"piece_size": 8192, "delay": 0.005}),
    (FaultKind.INVALID_JSON, 0.003, {}),
    (FaultKind.LATENCY, 0.002, {"delay": 1.2}),  # past the client's timeout
]


@dataclass
class Soak:
    """The run's fixtures on the server and its bookkeeping."""

    server: FakeWebknossos
    wk: wkapi.Client
    directory: Path
    task_type: str
    project: str
    project_id: str
    task_ids: list[str]
    annotations: dict[str, str]  # annotation id -> expected sha256
    outcomes: Counter[str] = field(default_factory=Counter)
    untyped: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    markers: list[str] = field(default_factory=list)
    creation_infos: list[str] = field(default_factory=list)
    upload_names: list[str] = field(default_factory=list)


Operation = Callable[[Soak, int, random.Random], Awaitable[None]]


async def get_task(soak: Soak, op: int, rng: random.Random) -> None:
    task = await soak.wk.tasks.get(rng.choice(soak.task_ids))
    if task.project_id != soak.project_id:
        soak.problems.append(f"op {op}: task of the wrong project")


async def list_tasks(soak: Soak, op: int, rng: random.Random) -> None:
    tasks = await soak.wk.projects.tasks(soak.project_id, page_size=rng.choice((50, 200))).to_list()
    if len({t.id for t in tasks}) != len(tasks):
        soak.problems.append(f"op {op}: a task listed twice")


async def find_tasks(soak: Soak, op: int, rng: random.Random) -> None:
    await soak.wk.tasks.list(project=soak.project_id)


async def annotation_info(soak: Soak, op: int, rng: random.Random) -> None:
    annotation_id = rng.choice(list(soak.annotations))
    info = await soak.wk.annotations.info("Explorational", annotation_id)
    if info.id != annotation_id:
        soak.problems.append(f"op {op}: info of another annotation")


async def download(soak: Soak, op: int, rng: random.Random) -> None:
    annotation_id = rng.choice(list(soak.annotations))
    target = soak.directory / f"op{op}.bin"
    try:
        result = await soak.wk.annotations.download("Explorational", annotation_id, target)
    except wkapi.WebknossosError:
        if target.exists() or list(target.parent.glob(target.name + ".*.part")):
            soak.problems.append(f"op {op}: a failed download left a file")
        raise
    on_disk = await anyio.to_thread.run_sync(_sha256_of, target)
    if not result.sha256 == on_disk == soak.annotations[annotation_id]:
        soak.problems.append(f"op {op}: download of {annotation_id} does not match its sha256")


async def stream(soak: Soak, op: int, rng: random.Random) -> None:
    annotation_id = rng.choice(list(soak.annotations))
    digest = hashlib.sha256()
    async with soak.wk.annotations.stream("Explorational", annotation_id) as body:
        async for chunk in body:
            digest.update(chunk)
    if digest.hexdigest() != soak.annotations[annotation_id]:
        soak.problems.append(f"op {op}: streamed {annotation_id} does not match its sha256")


async def upload(soak: Soak, op: int, rng: random.Random) -> None:
    name = f"soak_upload_{op}"
    path = soak.directory / f"{name}.nml"
    path.write_text(NML.format(org=soak.server.organization))
    soak.upload_names.append(name)
    await soak.wk.annotations.upload(path)


async def create_task(soak: Soak, op: int, rng: random.Random) -> None:
    info = f"soak-single-{op}"
    soak.creation_infos.append(info)
    spec = TaskSpec(soak.task_type, "l4_sample", soak.project, (op, 1, 0), creation_info=info)
    report = await soak.wk.tasks.create([spec])
    if report.failed:
        soak.problems.append(f"op {op}: single task refused: {report.results}")


async def create_many(soak: Soak, op: int, rng: random.Random) -> None:
    specs = [TaskSpec(soak.task_type, "l4_sample", soak.project, (op, 2, i)) for i in range(4)]
    report = await soak.wk.tasks.create_many(specs, concurrency=2)
    soak.markers.extend(item.marker for item in report.items if item.ok)
    if report.duplicate_task_ids:
        soak.problems.append(f"op {op}: duplicates reported {report.duplicate_task_ids}")
    if not report.ok:
        # Not an error of the library: every send of a batch may have failed. Count it.
        soak.outcomes["create_many: items failed"] += 1


async def update_task(soak: Soak, op: int, rng: random.Random) -> None:
    await soak.wk.tasks.update(rng.choice(soak.task_ids), open_instances=rng.randint(1, 5))


async def increment(soak: Soak, op: int, rng: random.Random) -> None:
    await soak.wk.projects.increment_each_tasks_instances(soak.project_id, delta=0)


async def duplicate(soak: Soak, op: int, rng: random.Random) -> None:
    await soak.wk.annotations.duplicate("Explorational", rng.choice(list(soak.annotations)))


MIX: list[tuple[Operation, int]] = [
    (get_task, 14),
    (list_tasks, 8),
    (find_tasks, 4),
    (annotation_info, 10),
    (download, 20),
    (stream, 6),
    (upload, 8),
    (create_task, 6),
    (create_many, 8),
    (update_task, 6),
    (increment, 4),
    (duplicate, 6),
]


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class _Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def asyncio_complaints() -> Iterator[list[str]]:
    """What the ``asyncio`` logger reports meanwhile (unclosed sessions, destroyed tasks, ...)."""
    recorder = _Recorder()
    log = logging.getLogger("asyncio")
    log.addHandler(recorder)
    try:
        yield recorder.messages
    finally:
        log.removeHandler(recorder)


def open_connections(port: int) -> list[str]:
    """This process's TCP connections to or from ``port`` (the listening socket excluded)."""
    found = []
    for conn in psutil.Process().net_connections(kind="tcp"):
        if conn.status == psutil.CONN_LISTEN:
            continue
        ends = [conn.laddr, conn.raddr]
        if any(end and end.port == port for end in ends) and conn.status != psutil.CONN_TIME_WAIT:
            found.append(f"{conn.laddr} -> {conn.raddr} {conn.status}")
    return found


async def _no_connections_left(port: int, timeout: float = 3.0) -> list[str]:
    deadline = time.monotonic() + timeout
    while (left := open_connections(port)) and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    return left


def _is_client_task(task: asyncio.Task[object]) -> bool:
    # The fake server's aiohttp handlers may linger after it stopped: aiohttp reads off a request
    # body the handler did not read (answered early) for up to 10 s. They are not the client's.
    return not task.get_coro().__qualname__.startswith("RequestHandler.")  # type: ignore[union-attr]


async def _tasks_still_running(timeout: float = 2.0) -> list[str]:
    """The client's tasks of this loop other than the test's own, once they had time to end."""
    deadline = time.monotonic() + timeout
    while True:
        others = [
            t for t in asyncio.all_tasks() if t is not asyncio.current_task() and _is_client_task(t)
        ]
        if not others or time.monotonic() > deadline:
            return [repr(t) for t in others]
        await asyncio.sleep(0.02)


def _setup(server: FakeWebknossos) -> tuple[str, str, str, list[str], dict[str, str]]:
    task_type = server.add_task_type("soak skeleton")
    project = "soak_project"
    project_id = server.add_project(project)
    task_ids = [server.add_task(project_id, task_type, "l4_sample") for _ in range(20)]
    sizes = (16 << 10, 100 << 10, 300 << 10, 700 << 10)
    annotations: dict[str, str] = {}
    for i, size in enumerate(sizes * 2):
        annotation = server.add_synthetic_annotation(
            size + i, "zip" if i % 2 else "nml", owner_id=server.user_ids["admin"]
        )
        annotations[annotation] = server.expected_sha256(annotation)
    return task_type, project, project_id, task_ids, annotations


async def run_soak(operations: int, directory: Path) -> str:
    """Run the soak and assert its promises; returns a one-line summary."""
    rng = random.Random(SEED)
    plan = rng.choices([op for op, _ in MIX], weights=[w for _, w in MIX], k=operations)
    started = time.monotonic()
    with asyncio_complaints() as complaints:
        async with FakeWebknossos(seed=3) as server:
            task_type, project, project_id, task_ids, annotations = _setup(server)
            rules = [
                server.faults.add(kind, probability=p, seed=SEED + i, **options)
                for i, (kind, p, options) in enumerate(FAULTS)
            ]
            wk = wkapi.Client(
                server.url,
                server.tokens["admin"],
                retry=wkapi.RetryPolicy.for_tests(),
                timeouts=TIMEOUTS,
            )
            soak = Soak(
                server, wk, directory, task_type, project, project_id, task_ids, annotations
            )
            queue = iter(enumerate(plan))

            async def worker(seed: int) -> None:
                worker_rng = random.Random(seed)
                for op, operation in queue:
                    name = operation.__name__
                    try:
                        await operation(soak, op, worker_rng)
                    except wkapi.WebknossosError as exc:
                        soak.outcomes[f"{name}: {type(exc).__name__}"] += 1
                    except Exception as exc:  # the promise broken: an untyped error
                        soak.untyped.append(f"op {op} {name}: {type(exc).__name__}: {exc}")
                    else:
                        soak.outcomes["ok"] += 1

            with anyio.fail_after(30 + SECONDS_PER_OP * operations):
                async with wk, anyio.create_task_group() as group:
                    for i in range(WORKERS):
                        group.start_soon(worker, SEED + i)
            await settle(server)
            port = int(server.url.rsplit(":", 1)[1])
            left = await _no_connections_left(port)
            faults = sum(rule.hits for rule in rules)
            requests = len(server.requests)
            tasks = [t for t in server.state.tasks.values() if t.project_id == project_id]
            uploads = Counter(a.name for a in server.state.annotations.values())
        running = await _tasks_still_running()
        gc.collect()
        await asyncio.sleep(0)
    elapsed = time.monotonic() - started

    assert soak.untyped == []
    assert soak.problems == []
    assert complaints == []
    assert running == [], "tasks still running after the client and the server closed"
    assert left == [], "connections still open after the client closed"
    # No task created twice: bulk markers and single creations each exist at most once, and
    # every bulk item reported created exists.
    infos = Counter(t.creation_info or "" for t in tasks)
    twice = [info for info, count in infos.items() if count > 1 and info]
    assert twice == []
    found_markers = {m for m in soak.markers if any(m in info for info in infos)}
    assert found_markers == set(soak.markers)
    assert [n for n in soak.upload_names if uploads[n] > 1] == []
    # Faults happened, and retries made most operations succeed anyway.
    assert faults >= operations * 0.1
    assert soak.outcomes["ok"] >= operations * 0.8
    errors = {k: v for k, v in sorted(soak.outcomes.items()) if k != "ok"}
    return (
        f"soak: {operations} operations, {requests} requests, {faults} faults injected, "
        f"{soak.outcomes['ok']} ok, typed errors {errors}, {elapsed:.1f} s"
    )


@pytest.mark.soak
@pytest.mark.filterwarnings("error")
async def test_soak(tmp_path: Path) -> None:
    operations = int(os.environ.get("WKAPI_SOAK_OPS", DEFAULT_OPS))
    SOAK_LINES.append(await run_soak(operations, tmp_path))


@pytest.mark.soak
@pytest.mark.soak_large
@pytest.mark.filterwarnings("error")
async def test_soak_large(tmp_path: Path) -> None:
    SOAK_LINES.append(await run_soak(LARGE_OPS, tmp_path))
