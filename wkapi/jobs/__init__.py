"""Jobs that compose several resources: bulk task creation (and export).

Besides the jobs' reports, this module exports the helpers tools built on them need: the task
file readers (:func:`load_task_rows`, :func:`load_task_specs`, :func:`specs_from_rows`) and the
run ids of bulk creation (:func:`new_run_id` draws one, :func:`check_run_id` checks one a user
typed before anything is sent).
"""

from ._bulk_markers import check_run_id, new_run_id
from ._export_report import (
    ExportItem,
    ExportReport,
    ExportStatus,
    ListingCallback,
    ListingProgress,
)
from .bulk_tasks import BulkTaskItem, BulkTaskReport, BulkTasksResource
from .export import ExportJobs
from .task_input import (
    TaskFileError,
    TaskInputError,
    TaskRow,
    load_task_rows,
    load_task_specs,
    specs_from_rows,
)

__all__ = [
    "BulkTaskItem",
    "BulkTaskReport",
    "BulkTasksResource",
    "ExportItem",
    "ExportJobs",
    "ExportReport",
    "ExportStatus",
    "ListingCallback",
    "ListingProgress",
    "TaskFileError",
    "TaskInputError",
    "TaskRow",
    "check_run_id",
    "load_task_rows",
    "load_task_specs",
    "new_run_id",
    "specs_from_rows",
]
