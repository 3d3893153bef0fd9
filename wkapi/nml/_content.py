"""What :func:`~wkapi.nml.read_content` reads from an NML: the content a server keeps.

Values the file leaves out are ``None`` (a node without ``radius``, a tree without
``isVisible``): a server fills them in when it writes the file again, and a comparison only
checks what the expected file states.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import attrs

__all__ = [
    "BoundingBox",
    "Group",
    "NmlContent",
    "Node",
    "Segment",
    "Tree",
    "VolumeLayer",
]

Vec3 = tuple[float, float, float]


class Node(NamedTuple):
    """One node: its id and position, and the other attributes as given (``None``: absent)."""

    id: int
    position: Vec3
    radius: float | None = None
    rotation: tuple[float | None, float | None, float | None] = (None, None, None)
    in_vp: float | None = None
    in_mag: float | None = None
    bit_depth: float | None = None
    interpolation: bool | None = None
    time: float | None = None


@attrs.frozen
class Tree:
    """A ``<thing>``: its attributes, nodes (document order), edges and metadata entries."""

    id: int
    name: str
    nodes: tuple[Node, ...] = ()
    edges: tuple[tuple[int, int], ...] = ()
    color: tuple[float, float, float, float] | None = None
    group_id: int | None = None
    is_visible: bool | None = None
    metadata: tuple[tuple[tuple[str, str], ...], ...] = ()


@attrs.frozen
class Group:
    """A tree (or segment) group and its nested groups."""

    id: int
    name: str
    is_expanded: bool | None = None
    children: tuple[Group, ...] = ()


@attrs.frozen
class BoundingBox:
    """A user bounding box, or the task bounding box (``is_task``)."""

    top_left: tuple[int, int, int]
    size: tuple[int, int, int]
    name: str | None = None
    is_task: bool = False


@attrs.frozen
class Segment:
    """A segment of a volume layer: its id and its other attributes as given."""

    id: int
    attributes: Mapping[str, str] = attrs.field(factory=dict)


@attrs.frozen
class VolumeLayer:
    """A ``<volume>``: its name, other attributes as given (``fallbackLayer``,
    ``largestSegmentId``, ...; not ``id``, ``location`` or ``format``), segments, segment
    groups, and the files of its data ZIP by name with their size and CRC-32 (``None`` when
    the file came without the data: a plain NML, or a download with ``skipVolumeData``)."""

    name: str
    attributes: Mapping[str, str] = attrs.field(factory=dict)
    segments: tuple[Segment, ...] = ()
    groups: tuple[Group, ...] = ()
    data: Mapping[str, tuple[int, int]] | None = None


@attrs.frozen
class NmlContent:
    """The content of an NML (or of the NML and data ZIPs of an annotation ZIP).

    ``meta`` holds the ``<meta>`` lines (``writer``, ``annotationId``, ...), which name the
    file's writer and are no part of the content.
    """

    dataset: str
    trees: tuple[Tree, ...] = ()
    branchpoints: tuple[tuple[int, float | None], ...] = ()
    comments: tuple[tuple[int, str], ...] = ()
    groups: tuple[Group, ...] = ()
    bounding_boxes: tuple[BoundingBox, ...] = ()
    volumes: tuple[VolumeLayer, ...] = ()
    meta: Mapping[str, str] = attrs.field(factory=dict)

    @property
    def annotation_id(self) -> str | None:
        """The id the file's ``<meta name="annotationId">`` names, if any."""
        return self.meta.get("annotationId")

    @property
    def node_count(self) -> int:
        return sum(len(tree.nodes) for tree in self.trees)

    @property
    def edge_count(self) -> int:
        return sum(len(tree.edges) for tree in self.trees)
