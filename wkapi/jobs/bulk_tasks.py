"""``wk.tasks``: the task routes plus :meth:`BulkTasksResource.create_many`, bulk creation that
never creates a task twice.

How exactly-once works (also in the README): every item's ``creationInfo`` carries a marker
``[wkapi:<run id>:<index>]`` (after the user's own text, if any). When a batch's answer is lost
(connection cut after sending, timeout, 5xx) or is an error status (a 400 can follow a partial
commit), the job lists the project's tasks back to the batch's send time, takes the items whose
markers it finds as created, and sends again only the missing ones, and only after a lost
answer. Items the server refuses one by one are reported, never resent. See
:mod:`wkapi.jobs._bulk_run` for the details.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

import attrs
import orjson

from wkapi._checks import check_bool, check_id, check_int, check_items
from wkapi._convert import structure_decoded
from wkapi._errors import InputError
from wkapi._progress import ProgressCallback, progress_function
from wkapi._session import Session
from wkapi.models import TaskCreationReport, TaskSpec
from wkapi.models.common import JsonObject
from wkapi.resources.projects import ProjectsResource
from wkapi.resources.task_types import TaskTypesResource
from wkapi.resources.tasks import TasksResource

from ._bulk_markers import check_run_id
from ._bulk_report import BulkTaskItem, BulkTaskReport
from ._bulk_run import BulkRun, RunSettings
from .task_input import specs_from_rows

__all__ = ["BulkTaskItem", "BulkTaskReport", "BulkTasksResource"]

_JSON_BODY = {"Content-Type": "application/json"}

#: Sends of one item at least (more if the client's retry policy allows more attempts).
MIN_ATTEMPTS = 3


class BulkTasksResource(TasksResource):
    """Tasks (``wk.tasks``): every task route, and :meth:`create_many` for large jobs."""

    def __init__(
        self,
        session: Session,
        *,
        task_types: TaskTypesResource,
        projects: ProjectsResource,
    ) -> None:
        super().__init__(session)
        self._task_types = task_types
        self._projects = projects

    async def create_many(
        self,
        specs: Iterable[TaskSpec | Mapping[str, Any]],
        *,
        batch_size: int | None = None,
        concurrency: int = 4,
        progress: ProgressCallback | None = None,
        volume_task_types: Collection[str] | None = None,
        run_id: str | None = None,
        resume: bool | None = None,
    ) -> BulkTaskReport:
        """Create any number of tasks, each exactly once, and report every item's outcome.

        Before the first request, each distinct task type and project name is looked up once;
        items with an unknown one fail in the report without being sent. The rest go out in
        batches within the server's limits (1000 items, 100 when the task type is volume or
        hybrid; one dataset per batch), ``concurrency`` batches at a time (never more than the
        client's own concurrency). A batch whose answer is lost or is an error is reconciled
        against the project's task list, and only its missing items are sent again (after a
        lost answer), so nothing is created twice; see the module docstring.

        Args:
            specs: :class:`~wkapi.models.TaskSpec` objects, or mappings that
                :meth:`TaskSpec.from_row` accepts (all checked before anything is sent).
            batch_size: at most this many items per request (capped by the server's limits).
            concurrency: batches in flight at once.
            progress: ``callback(done, total)`` or an object with ``update(done, total)``,
                told how many items are settled (created or failed) of how many.
            volume_task_types: take the caller's word: these task type ids are volume or
                hybrid, every other id is skeleton, and no task type is looked up. Items are
                then also batched by task type, so an unknown id (which makes the server
                refuse the whole request) fails only its own items.
            run_id: the run id for the markers (default: a fresh random one). Given, it
                resumes the earlier run of that id (its report's ``run_id``, or the one logged
                when it started), which must have had the same input in the same order: that
                run's tasks are found first (one scan of each project) and reported as created
                without being sent again; only the rest are sent, under the same markers. An
                item whose task differs from the input (project, dataset, task type or
                position; only this input's projects are looked at) fails instead. After a
                crash or a kill, this creates nothing twice; if the server was still creating a
                batch of the earlier run meanwhile, the tasks created twice are reported
                (``duplicate_task_ids``).
            resume: ``False`` skips that scan, for an id just drawn with
                :func:`~wkapi.jobs.new_run_id` (so it can be shown before the run starts);
                default ``True`` when ``run_id`` is given.

        Returns:
            A :class:`BulkTaskReport`: one :class:`BulkTaskItem` per input item in input order
            (its task, or its status and error), the server's warnings, and counts. Failed
            items' ``spec`` can be passed to ``create_many`` again.

        Raises:
            InputError: an item or an argument is invalid (nothing was sent).
            APIError: a lookup before the first request failed other than with 400/403/404
                (e.g. 401, or the server is unreachable); nothing was sent. Once batches go
                out, failures are reported per item, never raised: an unexpected exception in
                a batch fails its items with its text too.

        A server that dies during the run is given up on once it has refused connections for
        the client's ``RetryPolicy.give_up_after`` seconds (20 by default): the run stops, its
        report says ``unreachable``, every item not sent fails as "not sent" (``sends == 0``)
        and the same ``run_id`` resumes the run. A refused connection is no lost answer: it
        is neither reconciled nor counted as a send.
        """
        checked = specs_from_rows(specs)
        if batch_size is not None:
            check_int("batch_size", batch_size, minimum=1)
        check_int("concurrency", concurrency, minimum=1)
        if volume_task_types is not None:
            if isinstance(volume_task_types, str):
                raise InputError("volume_task_types must be a collection of ids, not one string")
            listed = check_items("volume_task_types", volume_task_types, "task type ids")
            volume_task_types = {check_id("volume task type id", t) for t in listed}
        if resume is not None:
            check_bool("resume", resume)
        report_progress = progress_function(progress)  # refused before anything if wrong
        if run_id is not None:
            check_run_id(run_id)
        elif resume:
            raise InputError("resume=True needs the run_id of the run to resume")
        config = self._session.config
        settings = RunSettings(
            batch_size=batch_size,
            concurrency=min(concurrency, config.limits.concurrency),
            attempts=max(MIN_ATTEMPTS, config.retry.attempts),
            volume_task_types=volume_task_types,
            backoff=config.retry.backoff,
            sleep=lambda seconds: self._session.sleep(seconds),  # the session's test seam
            progress=report_progress,
            liveness=self._session.liveness,
            give_up_after=config.retry.give_up_after,
        )
        run = BulkRun(
            post=self._post_batch,
            task_types=self._task_types,
            projects=self._projects,
            settings=settings,
            run_id=run_id,
            resume=run_id is not None and resume is not False,
        )
        return await run.run(checked)

    async def _post_batch(self, bodies: Iterable[JsonObject]) -> TaskCreationReport:
        """``POST /tasks`` of one batch, retried by the core only if it never left the client.

        It waits with the transfer timeouts (no total, only a limit on silence): a batch the
        server is still committing when the client gives up is the one case reconciliation can
        miss, so the client waits as long as the connection is alive.
        """
        policy = attrs.evolve(
            self._session.config.retry,
            idempotent_statuses=frozenset(),
            unprocessed_statuses=frozenset(),
        )
        # Each body is encoded as soon as it is built and let go of: a batch's thousand bodies
        # never exist at once, so building them does not wake the garbage collector.
        payload = b"[" + b",".join(map(orjson.dumps, bodies)) + b"]"
        response = await self._session.request(
            "POST",
            "/tasks",
            data=lambda: payload,
            headers=_JSON_BODY,
            retry=policy,
            transfer=True,
        )
        return structure_decoded(
            response.json, TaskCreationReport, strict=self._session.strict_models
        )
