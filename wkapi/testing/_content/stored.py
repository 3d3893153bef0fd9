"""What the fake server keeps of an uploaded annotation: its parsed content, never its bytes.

A real server parses an upload into its own tracing records and writes a new file on download;
so does the fake (``nml_reader`` parses, ``nml_writer`` writes). The small parts (parameters,
tree headers, groups, bounding boxes, comments, branchpoints, volume layers) are plain frozen
dataclasses; the bulk, nodes and edges, is kept in a directory of its own as fixed-size binary
records (:data:`NODE_RECORD`, :data:`EDGE_RECORD`), in document order, so that neither parsing
nor writing holds more than a chunk of them. Each volume layer's data is a re-packed ZIP there.
A stored content is never changed: duplicates share it.
"""

from __future__ import annotations

import itertools
import struct
from dataclasses import dataclass, field
from pathlib import Path

from .stats import SkeletonStats

NODE_RECORD = struct.Struct("<q3d4d3iBq")
"""One node: id; x, y, z; radius, rotX, rotY, rotZ; inVp, inMag, bitDepth; interpolation;
time (epoch ms)."""

EDGE_RECORD = struct.Struct("<2q")
"""One edge: source and target node id."""

NODES_FILE = "nodes.bin"
EDGES_FILE = "edges.bin"

Attributes = tuple[tuple[str, str], ...]
"""XML attributes in document order, as ``(name, value)`` pairs."""

_keys = itertools.count(1)


@dataclass(frozen=True)
class Parameters:
    """The ``<parameters>`` an upload gave (the first file's, for several), defaults filled."""

    dataset: str
    description: str = ""
    offset: tuple[float, float, float] = (0.0, 0.0, 0.0)
    time_ms: int = 0
    edit_position: tuple[float, float, float] = (0.0, 0.0, 0.0)
    edit_rotation: tuple[float, float, float] = (0.0, 0.0, 0.0)
    zoom_level: float = 1.0
    active_node: int | None = None


@dataclass(frozen=True)
class BoundingBox:
    """A user bounding box (an uploaded task bounding box becomes one too)."""

    id: int
    name: str
    is_visible: bool
    color: tuple[float, float, float, float]
    top_left: tuple[int, int, int]
    size: tuple[int, int, int]


@dataclass(frozen=True)
class Tree:
    """A ``<thing>``: its attributes, how many node and edge records it owns (following those
    of the trees before it) and its metadata entries (each an attribute tuple)."""

    id: int
    name: str
    node_count: int
    edge_count: int
    color: tuple[float, float, float, float] | None = None
    group_id: int | None = None
    is_visible: bool | None = None
    type: str | None = None
    edges_are_visible: bool | None = None
    metadata: tuple[Attributes, ...] = ()


@dataclass(frozen=True)
class Group:
    """A tree group (or, inside a volume, a segment group) and the groups nested in it."""

    id: int
    name: str
    is_expanded: bool | None = None
    children: tuple[Group, ...] = ()


@dataclass(frozen=True)
class Segment:
    """A ``<segment>`` of a volume layer: its attributes and metadata entries."""

    attributes: Attributes
    metadata: tuple[Attributes, ...] = ()


@dataclass(frozen=True)
class Volume:
    """A volume layer: its name, its other ``<volume>`` attributes (``fallbackLayer``,
    ``largestSegmentId``, ...), segments and segment groups, the ``format`` of its data and
    the re-packed data ZIP (``None`` when the upload had none)."""

    name: str
    attributes: Attributes = ()
    data_format: str = "wkw"
    segments: tuple[Segment, ...] = ()
    groups: tuple[Group, ...] = ()
    data: Path | None = None


@dataclass(frozen=True)
class StoredContent:
    """Everything kept of one uploaded (or merged) annotation. ``key`` is unique per stored
    content, for caches of what is written from it."""

    directory: Path
    parameters: Parameters
    trees: tuple[Tree, ...] = ()
    branchpoints: tuple[tuple[int, int], ...] = ()
    comments: tuple[tuple[int, str], ...] = ()
    groups: tuple[Group, ...] = ()
    bounding_boxes: tuple[BoundingBox, ...] = ()
    volumes: tuple[Volume, ...] = ()
    stats: SkeletonStats = field(default_factory=SkeletonStats)
    key: int = field(default_factory=lambda: next(_keys))

    @property
    def dataset(self) -> str:
        return self.parameters.dataset

    @property
    def volume_names(self) -> tuple[str, ...]:
        return tuple(volume.name for volume in self.volumes)

    @property
    def nodes_path(self) -> Path:
        return self.directory / NODES_FILE

    @property
    def edges_path(self) -> Path:
        return self.directory / EDGES_FILE
