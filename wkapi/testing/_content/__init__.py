"""Files the fake WEBKNOSSOS server serves and receives.

Realistic skeleton NMLs and volume annotation ZIPs rendered from a seed, synthetic bodies of any
exact size generated while streaming, ZIP writing, the checks an upload goes through, and what
the server keeps of an upload: its parsed content (``nml_reader``, several files merged as a
server merges them), from which a download writes a new file (``nml_writer``). Stdlib only;
nothing here imports the client.
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
from .nml import AnnotationContent, render_nml, seeded_skeleton_stats
from .nml_reader import UploadedFile, read_uploads
from .nml_writer import DownloadHeader, write_download
from .stats import SkeletonStats, total
from .stored import StoredContent
from .synthetic import SyntheticBody
from .zip import write_zip

__all__ = [
    "AnnotationContent",
    "DownloadHeader",
    "NmlError",
    "SkeletonStats",
    "StoredContent",
    "SyntheticBody",
    "UploadSummary",
    "UploadedFile",
    "check_nml_file",
    "check_zip_upload",
    "inspect_nml_file",
    "inspect_zip_upload",
    "nml_file_name",
    "read_uploads",
    "render_download",
    "render_nml",
    "seeded_skeleton_stats",
    "summarize",
    "total",
    "write_download",
    "write_zip",
]
