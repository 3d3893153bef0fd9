"""Plain helpers of the bulk task creation tests (the ``lab`` fixture is in the conftest): a fake
server with task types and a project, an admin client, and ways to look at what the server holds."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from wkapi import Client, RetryPolicy
from wkapi.jobs import BulkTasksResource
from wkapi.jobs._bulk_markers import MARKER_PATTERN
from wkapi.models import TaskSpec
from wkapi.testing import FakeWebknossos

PROJECT = "bulk_project"
OTHER_PROJECT = "bulk_other"
DATASET = "l4_sample"
OTHER_DATASET = "2012-06-28_Cortex"


@dataclass
class Lab:
    """A fake server with a skeleton, a volume and a hybrid task type and two empty projects."""

    server: FakeWebknossos
    client: Client
    tasks: BulkTasksResource
    skeleton: str
    volume: str
    hybrid: str
    project_id: str
    other_project_id: str

    def specs(
        self,
        count: int,
        *,
        start: int = 0,
        task_type: str | None = None,
        project: str = PROJECT,
        dataset: str = DATASET,
        **options: Any,
    ) -> list[TaskSpec]:
        """``count`` specs whose edit positions (x = start, start + 1, ...) tell them apart."""
        return [
            TaskSpec(task_type or self.skeleton, dataset, project, (start + i, 0, 0), **options)
            for i in range(count)
        ]

    def server_tasks(self, project_id: str | None = None) -> list[Any]:
        """The server's tasks of a project (default: :data:`PROJECT`)."""
        wanted = project_id or self.project_id
        return [t for t in self.server.state.tasks.values() if t.project_id == wanted]

    def markers_on_server(self, project_id: str | None = None) -> Counter[str]:
        """How often each bulk marker occurs on the project's tasks."""
        counts: Counter[str] = Counter()
        for task in self.server_tasks(project_id):
            for match in MARKER_PATTERN.finditer(task.creation_info or ""):
                counts[match.group(0)] += 1
        return counts

    def posts(self) -> int:
        """``POST /tasks`` requests the server received."""
        return sum(1 for r in self.server.requests if r.method == "POST" and r.route == "/tasks")


@asynccontextmanager
async def open_lab(**server_options: Any) -> AsyncIterator[Lab]:
    """A started :class:`Lab` (closed on exit)."""
    async with FakeWebknossos(**server_options) as server:
        ids = {
            kind: server.add_task_type(f"bulk {kind}", tracing_type=kind)
            for kind in ("skeleton", "volume", "hybrid")
        }
        project_id = server.add_project(PROJECT)
        other_project_id = server.add_project(OTHER_PROJECT)
        client = Client(
            server.url, server.tokens["admin"], retry=RetryPolicy.for_tests(), strict_models=True
        )
        try:
            yield Lab(
                server,
                client,
                client.tasks,
                ids["skeleton"],
                ids["volume"],
                ids["hybrid"],
                project_id,
                other_project_id,
            )
        finally:
            await client.close()
