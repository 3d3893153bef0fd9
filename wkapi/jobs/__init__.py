"""Jobs that compose several resources: bulk task creation (and export)."""

from ._bulk_markers import new_run_id
from ._export_report import ExportItem, ExportReport, ExportStatus
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
    "TaskFileError",
    "TaskInputError",
    "TaskRow",
    "load_task_rows",
    "load_task_specs",
    "new_run_id",
    "specs_from_rows",
]
