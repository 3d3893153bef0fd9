"""Reading annotations by content, and comparing two of them: a round trip through a server.

A server does not keep an uploaded file: it parses it and writes a new one on download, with
its own ``<meta>`` lines, layout and filled-in defaults. So the download of an uploaded file
never has the upload's bytes (nor its SHA-256); it has its content. Check a round trip, in a
pipeline or a test, by content::

    from wkapi.nml import assert_same_content

    uploaded = await wk.annotations.upload("cell.nml")
    again = await wk.annotations.download("Explorational", uploaded.annotation_id, "back/")
    comparison = assert_same_content("cell.nml", again.path)   # AssertionError if lost
    print(comparison.summary())   # "3 trees, 58 nodes, 55 edges, 1 branchpoint, ..."

:func:`read_content` reads an NML, or an annotation ZIP with its volume data, streaming;
:func:`compare_content` says what differs without raising. Plain Python (the standard
library's XML parser), independent of the fake server's own NML code.
"""

from ._compare import ContentComparison, assert_same_content, compare_content
from ._content import BoundingBox, Group, NmlContent, Node, Segment, Tree, VolumeLayer
from ._read import read_content

__all__ = [
    "BoundingBox",
    "ContentComparison",
    "Group",
    "NmlContent",
    "Node",
    "Segment",
    "Tree",
    "VolumeLayer",
    "assert_same_content",
    "compare_content",
    "read_content",
]
