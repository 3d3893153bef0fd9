"""Files the fake WEBKNOSSOS server serves and receives.

Realistic skeleton NMLs and volume annotation ZIPs rendered from a seed, synthetic bodies of any
exact size generated while streaming, ZIP writing, and the checks and merge an upload goes
through. Stdlib only; nothing here imports the client.
"""

from .check import (
    NmlError,
    UploadSummary,
    check_nml_file,
    check_zip_upload,
    inspect_nml_file,
    inspect_zip_upload,
    summarize,
)
from .download import nml_file_name, render_download
from .merge import merge_nml_files
from .nml import AnnotationContent, render_nml, seeded_skeleton_stats
from .stats import SkeletonStats, total
from .synthetic import SyntheticBody
from .zip import write_zip

__all__ = [
    "AnnotationContent",
    "NmlError",
    "SkeletonStats",
    "SyntheticBody",
    "UploadSummary",
    "check_nml_file",
    "check_zip_upload",
    "inspect_nml_file",
    "inspect_zip_upload",
    "merge_nml_files",
    "nml_file_name",
    "render_download",
    "render_nml",
    "seeded_skeleton_stats",
    "summarize",
    "total",
    "write_zip",
]
