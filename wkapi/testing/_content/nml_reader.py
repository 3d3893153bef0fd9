"""Parsing uploaded NMLs (and the NMLs and volume data ZIPs of uploaded ZIPs) into a
:class:`~.stored.StoredContent`, as a server parses an upload into its own records.

One streaming expat pass per NML, reading the file from disk in 1 MiB pieces: nodes and edges
go straight to the content's binary record files, everything else is small and kept as
dataclasses. Several NMLs (several files, or a ZIP holding several) become one content the way
a server merges them: node, tree and group ids of each later file are shifted past the largest
written so far, and each file's trees either go into a group named after the file or get the
file's name as a prefix. Volume layers keep their data, re-packed; a layer name seen before is
kept once (the first). Parameters come from the first file; every file's bounding boxes are
kept, task bounding boxes becoming user bounding boxes.
"""

from __future__ import annotations

import dataclasses
import shutil
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, BinaryIO
from xml.parsers import expat

from .check import NmlError, is_nml_entry, parse_stream, volume_entry
from .stats import SkeletonStats
from .stored import (
    EDGE_RECORD,
    EDGES_FILE,
    NODE_RECORD,
    NODES_FILE,
    Attributes,
    BoundingBox,
    Group,
    Parameters,
    Segment,
    StoredContent,
    Tree,
    Volume,
)
from .zip import repack_zip

_FLUSH_BYTES = 1 << 20
_TASK_BOX_NAME = "task bounding box"
_TASK_BOX_COLOR = (1.0, 1.0, 0.0, 1.0)
_DEFAULT_BOX_COLOR = (1.0, 0.0, 0.0, 1.0)
_TRUE = frozenset({"true", "1"})

# What a server fills in for a node attribute the upload left out (time: the upload's time).
DEFAULT_RADIUS = 1.0
DEFAULT_VIEWPORT = 1
DEFAULT_MAG = 1
DEFAULT_BIT_DEPTH = 0


@dataclass(frozen=True)
class UploadedFile:
    """One uploaded file on disk and the name the client gave it."""

    path: Path
    name: str


def read_uploads(
    files: Sequence[UploadedFile],
    directory: Path,
    *,
    group_per_file: bool,
    now_ms: int,
) -> StoredContent:
    """Parse the uploaded ``.nml`` and ``.zip`` files into one content kept in ``directory``
    (created here; removed again if parsing fails). ``now_ms`` fills missing times.

    With more than one NML in all, each file's trees go into a group named after it
    (``group_per_file``) or get ``<file>_`` as a name prefix. Raises :class:`NmlError`, its
    reason starting with the file's name, for input a server would refuse.
    """
    sources = [source for uploaded in files for source in _sources(uploaded)]
    if not sources:
        raise NmlError("No NML file to read")
    directory.mkdir(parents=True)
    try:
        with (
            (directory / NODES_FILE).open("wb") as nodes,
            (directory / EDGES_FILE).open("wb") as edges,
        ):
            builder = _Builder(directory, nodes, edges, sources, group_per_file, now_ms)
            for index, source in enumerate(sources):
                try:
                    builder.add(index, source)
                except NmlError as exc:
                    raise NmlError(f"{source.label}: {exc.reason}") from exc
            return builder.finish()
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise


# --- sources ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Source:
    """One NML to read: a file, or an entry of a ZIP (whose volume data it may name)."""

    label: str
    open: Callable[[], AbstractContextManager[IO[bytes]]]
    archive: Path | None = None
    entry: str = ""


def _sources(uploaded: UploadedFile) -> list[_Source]:
    label = PurePosixPath(uploaded.name.replace("\\", "/")).name or uploaded.path.name
    if not zipfile.is_zipfile(uploaded.path):
        path = uploaded.path
        return [_Source(label, lambda: path.open("rb"))]
    try:
        with zipfile.ZipFile(uploaded.path) as archive:
            names = [info.filename for info in archive.infolist() if is_nml_entry(info)]
    except zipfile.BadZipFile as exc:
        raise NmlError(f"{label}: File is not a valid ZIP archive") from exc
    return [
        _Source(PurePosixPath(name).name, _zip_opener(uploaded.path, name), uploaded.path, name)
        for name in names
    ]


def _zip_opener(path: Path, name: str) -> Callable[[], AbstractContextManager[IO[bytes]]]:
    @contextmanager
    def open_entry() -> Iterator[IO[bytes]]:
        with zipfile.ZipFile(path) as archive, archive.open(name) as entry:
            yield entry

    return open_entry


def _repack_volume_data(source: _Source, location: str, dest: Path) -> bool:
    """Re-pack the data ZIP that ``location`` names (at the archive's root or next to the NML)
    into ``dest``. An NML uploaded on its own has no data to go with it: False."""
    if source.archive is None:
        return False
    spill = dest.with_suffix(".upload")
    try:
        with zipfile.ZipFile(source.archive) as archive:
            name = volume_entry(set(archive.namelist()), source.entry, location)
            if name is None:
                raise NmlError(f"volume data {location!r} is missing from the ZIP archive")
            with archive.open(name) as entry, spill.open("wb") as out:
                shutil.copyfileobj(entry, out, _FLUSH_BYTES)
        repack_zip(spill, dest)
        return True
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
        dest.unlink(missing_ok=True)
        raise NmlError(f"volume data {location!r} is not a valid ZIP archive ({exc})") from exc
    finally:
        spill.unlink(missing_ok=True)


# --- attribute values -------------------------------------------------------------------------


def _number(attrs: dict[str, str], name: str, default: float) -> float:
    text = attrs.get(name)
    if text is None:
        return default
    try:
        return float(text)
    except ValueError:
        raise NmlError(f"invalid {name} {text!r}") from None


def _integer(attrs: dict[str, str], name: str, default: int | None = None) -> int:
    text = attrs.get(name)
    if text is None:
        if default is None:
            raise NmlError(f"missing {name}")
        return default
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value.is_integer():
        raise NmlError(f"invalid {name} {text!r}")
    return int(value)


def _flag(attrs: dict[str, str], name: str) -> bool | None:
    text = attrs.get(name)
    return None if text is None else text.strip().lower() in _TRUE


def _color(
    attrs: dict[str, str], default: tuple[float, float, float, float] | None
) -> tuple[float, float, float, float] | None:
    if "color.r" not in attrs:
        return default
    return (
        _number(attrs, "color.r", 0.0),
        _number(attrs, "color.g", 0.0),
        _number(attrs, "color.b", 0.0),
        _number(attrs, "color.a", 1.0),
    )


def _vector(attrs: dict[str, str], names: tuple[str, str, str]) -> tuple[float, float, float]:
    x, y, z = names
    return (_number(attrs, x, 0.0), _number(attrs, y, 0.0), _number(attrs, z, 0.0))


def _box(attrs: dict[str, str], box_id: int, name: str, color: tuple[float, ...]) -> BoundingBox:
    found_color = _color(attrs, None)
    r, g, b, a = found_color if found_color is not None else color
    visible = _flag(attrs, "isVisible")
    return BoundingBox(
        id=box_id,
        name=attrs.get("name", name),
        is_visible=True if visible is None else visible,
        color=(r, g, b, a),
        top_left=(
            _integer(attrs, "topLeftX", 0),
            _integer(attrs, "topLeftY", 0),
            _integer(attrs, "topLeftZ", 0),
        ),
        size=(
            _integer(attrs, "width", 0),
            _integer(attrs, "height", 0),
            _integer(attrs, "depth", 0),
        ),
    )


def _pairs(attrs: dict[str, str]) -> Attributes:
    return tuple(attrs.items())


# --- building ---------------------------------------------------------------------------------


class _RecordWriter:
    """Packed records appended to a file through a buffer of about 1 MiB."""

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self._buffer = bytearray()
        self.count = 0

    def add(self, record: bytes) -> None:
        self._buffer += record
        self.count += 1
        if len(self._buffer) >= _FLUSH_BYTES:
            self.flush()

    def flush(self) -> None:
        self._out.write(self._buffer)
        self._buffer.clear()


@dataclass
class _GroupFrame:
    id: int
    name: str
    is_expanded: bool | None
    children: list[Group] = field(default_factory=list)

    def build(self) -> Group:
        return Group(self.id, self.name, self.is_expanded, tuple(self.children))


@dataclass
class _VolumeFrame:
    name: str
    attributes: Attributes
    data_format: str
    location: str | None
    keep: bool
    segments: list[Segment] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)


class _Builder:
    """The content being built from all sources, and the largest ids written so far."""

    def __init__(
        self,
        directory: Path,
        nodes: BinaryIO,
        edges: BinaryIO,
        sources: Sequence[_Source],
        group_per_file: bool,
        now_ms: int,
    ) -> None:
        self.directory = directory
        self.nodes = _RecordWriter(nodes)
        self.edges = _RecordWriter(edges)
        self.now_ms = now_ms
        several = len(sources) > 1
        self.group_per_file = several and group_per_file
        self.prefix_tree_names = several and not group_per_file
        self.max_node = self.max_tree = -1
        # Groups 1..n are the per-file groups; the files' own groups come after them.
        self.max_group = len(sources) if self.group_per_file else -1
        self.parameters: Parameters | None = None
        self.dataset: tuple[str, str] | None = None
        self.trees: list[Tree] = []
        self.branchpoints: list[tuple[int, int]] = []
        self.comments: list[tuple[int, str]] = []
        self.groups: list[Group] = []
        self.boxes: list[BoundingBox] = []
        self.task_boxes: list[dict[str, str]] = []
        self.volumes: dict[str, Volume] = {}
        self.branch_point_count = 0

    def add(self, index: int, source: _Source) -> None:
        reader = _FileReader(self, index, source)
        parser = expat.ParserCreate()
        parser.StartElementHandler = reader.start
        parser.EndElementHandler = reader.end
        try:
            with source.open() as stream:
                parse_stream(parser, stream)
        except (ValueError, OverflowError, struct.error) as exc:
            raise NmlError(f"invalid value ({exc})") from exc
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
            raise NmlError(f"corrupt ZIP entry ({exc})") from exc
        reader.finish()

    def check_dataset(self, name: str, label: str) -> None:
        if not name:
            return
        if self.dataset is None:
            self.dataset = (name, label)
        elif self.dataset[0] != name:
            first_name, first_label = self.dataset
            raise NmlError(
                f"NML files of different datasets: {first_name!r} in {first_label},"
                f" {name!r} in {label}"
            )

    def add_volume(self, frame: _VolumeFrame, source: _Source) -> None:
        if not frame.keep:
            return
        data: Path | None = None
        if frame.location:
            data = self.directory / f"volume-{len(self.volumes)}.zip"
            if not _repack_volume_data(source, frame.location, data):
                data = None
        self.volumes[frame.name] = Volume(
            name=frame.name,
            attributes=frame.attributes,
            data_format=frame.data_format,
            segments=tuple(frame.segments),
            groups=tuple(frame.groups),
            data=data,
        )

    def finish(self) -> StoredContent:
        self.nodes.flush()
        self.edges.flush()
        boxes = list(self.boxes)
        used = {box.id for box in boxes}
        next_id = max(used, default=0) + 1
        for attrs in self.task_boxes:
            boxes.append(_box(attrs, next_id, _TASK_BOX_NAME, _TASK_BOX_COLOR))
            next_id += 1
        dataset = self.dataset[0] if self.dataset is not None else ""
        parameters = self.parameters or Parameters(dataset="", time_ms=self.now_ms)
        if parameters.dataset != dataset:
            parameters = dataclasses.replace(parameters, dataset=dataset)
        return StoredContent(
            directory=self.directory,
            parameters=parameters,
            trees=tuple(self.trees),
            branchpoints=tuple(self.branchpoints),
            comments=tuple(self.comments),
            groups=tuple(self.groups),
            bounding_boxes=tuple(boxes),
            volumes=tuple(self.volumes.values()),
            stats=SkeletonStats(
                len(self.trees), self.nodes.count, self.edges.count, len(self.branchpoints)
            ),
        )


class _FileReader:
    """expat handlers reading one NML into the builder."""

    def __init__(self, builder: _Builder, index: int, source: _Source) -> None:
        self._b = builder
        self._index = index
        self._source = source
        self._node_offset = builder.max_node + 1
        self._tree_offset = builder.max_tree + 1
        self._group_offset = builder.max_group + 1
        self._max_node = builder.max_node
        self._file_group = index + 1 if builder.group_per_file else None
        self._stack: list[str] = []
        self._own_groups: list[Group] = []
        self._group_frames: list[_GroupFrame] = []
        self._has_trees = False
        # the tree being read
        self._tree: dict[str, str] | None = None
        self._tree_metadata: list[Attributes] = []
        self._tree_nodes_before = 0
        self._tree_edges_before = 0
        # the volume (and segment) being read
        self._volume: _VolumeFrame | None = None
        self._segment: Attributes | None = None
        self._segment_metadata: list[Attributes] = []
        self._parameters: dict[str, dict[str, str]] = {}
        self._pack_node = NODE_RECORD.pack
        self._pack_edge = EDGE_RECORD.pack
        self._add_node = builder.nodes.add
        self._add_edge = builder.edges.add
        self._now_ms = builder.now_ms

    # hot path: one call per node and per edge

    def _node(self, attrs: dict[str, str]) -> None:
        get = attrs.get
        try:
            node_id = int(attrs["id"]) + self._node_offset
            record = self._pack_node(
                node_id,
                float(attrs["x"]),
                float(attrs["y"]),
                float(attrs["z"]),
                float(get("radius", DEFAULT_RADIUS)),
                float(get("rotX", 0.0)),
                float(get("rotY", 0.0)),
                float(get("rotZ", 0.0)),
                int(get("inVp", DEFAULT_VIEWPORT)),
                int(get("inMag", DEFAULT_MAG)),
                int(get("bitDepth", DEFAULT_BIT_DEPTH)),
                get("interpolation") == "true" or bool(_flag(attrs, "interpolation")),
                int(get("time", self._now_ms)),
            )
        except (KeyError, ValueError, struct.error):
            node_id, record = self._checked_node(attrs)
        if node_id > self._max_node:
            self._max_node = node_id
        self._add_node(record)

    def _checked_node(self, attrs: dict[str, str]) -> tuple[int, bytes]:
        """The slow path for a node the fast one refused: names what is wrong, or reads the
        numbers written in other ways (``"12.0"`` for an integer)."""
        node_id = _integer(attrs, "id") + self._node_offset
        try:
            for key in ("x", "y", "z"):
                if key not in attrs:
                    raise NmlError(f"missing {key}")
            record = self._pack_node(
                node_id,
                _number(attrs, "x", 0.0),
                _number(attrs, "y", 0.0),
                _number(attrs, "z", 0.0),
                _number(attrs, "radius", DEFAULT_RADIUS),
                _number(attrs, "rotX", 0.0),
                _number(attrs, "rotY", 0.0),
                _number(attrs, "rotZ", 0.0),
                _integer(attrs, "inVp", DEFAULT_VIEWPORT),
                _integer(attrs, "inMag", DEFAULT_MAG),
                _integer(attrs, "bitDepth", DEFAULT_BIT_DEPTH),
                bool(_flag(attrs, "interpolation")),
                _integer(attrs, "time", self._b.now_ms),
            )
        except NmlError as exc:
            raise NmlError(f"node {attrs.get('id')}: {exc.reason}") from None
        except struct.error:
            raise NmlError(f"node {attrs.get('id')}: a value is out of range") from None
        return node_id, record

    def _edge(self, attrs: dict[str, str]) -> None:
        offset = self._node_offset
        try:
            record = self._pack_edge(int(attrs["source"]) + offset, int(attrs["target"]) + offset)
        except (KeyError, ValueError, struct.error):
            source, target = _integer(attrs, "source"), _integer(attrs, "target")
            try:
                record = self._pack_edge(source + offset, target + offset)
            except struct.error:
                raise NmlError(f"edge {source}-{target}: a node id is out of range") from None
        self._add_edge(record)

    # everything else

    def start(self, name: str, attrs: dict[str, str]) -> None:
        stack = self._stack
        depth = len(stack)
        stack.append(name)
        if depth == 3 and stack[1] == "thing":
            if name == "node" and stack[2] == "nodes":
                self._node(attrs)
                return
            if name == "edge" and stack[2] == "edges":
                self._edge(attrs)
                return
        if depth == 0:
            if name != "things":
                raise NmlError(f"Root element is <{name}>, expected <things>")
        elif depth == 1:
            self._start_top(name, attrs)
        elif name == "group" and stack[1] == "groups":
            self._start_group(attrs, self._group_offset, tree_group=True)
        elif stack[1] == "parameters" and depth == 2:
            self._parameter(name, attrs)
        elif stack[1] == "thing":
            if depth == 3 and name == "metadataEntry" and stack[2] == "metadata":
                self._tree_metadata.append(_pairs(attrs))
        elif stack[1] == "branchpoints" and depth == 2 and name == "branchpoint":
            node = _integer(attrs, "id") + self._node_offset
            self._b.branchpoints.append((node, _integer(attrs, "time", self._b.now_ms)))
        elif stack[1] == "comments" and depth == 2 and name == "comment":
            node = _integer(attrs, "node") + self._node_offset
            self._b.comments.append((node, attrs.get("content", "")))
        elif stack[1] == "volume":
            self._start_in_volume(depth, name, attrs)

    def _start_top(self, name: str, attrs: dict[str, str]) -> None:
        if name == "thing":
            self._has_trees = True
            self._tree = attrs
            self._tree_metadata = []
            self._tree_nodes_before = self._b.nodes.count
            self._tree_edges_before = self._b.edges.count
        elif name == "volume":
            volume_name = attrs.get("name") or "Volume"
            others = tuple(
                (key, value)
                for key, value in attrs.items()
                if key not in ("id", "name", "location", "format")
            )
            self._volume = _VolumeFrame(
                name=volume_name,
                attributes=others,
                data_format=attrs.get("format") or "wkw",
                location=attrs.get("location") or None,
                keep=volume_name not in self._b.volumes,
            )

    def _start_in_volume(self, depth: int, name: str, attrs: dict[str, str]) -> None:
        stack = self._stack
        if depth == 3 and name == "segment" and stack[2] == "segments":
            self._segment = _pairs(attrs)
            self._segment_metadata = []
        elif depth == 5 and name == "metadataEntry" and stack[3] == "segment":
            self._segment_metadata.append(_pairs(attrs))
        elif name == "group" and depth >= 3 and stack[2] == "groups":
            self._start_group(attrs, 0, tree_group=False)

    def _start_group(self, attrs: dict[str, str], offset: int, *, tree_group: bool) -> None:
        group_id = _integer(attrs, "id") + offset
        if tree_group and group_id > self._b.max_group:
            self._b.max_group = group_id
        self._group_frames.append(
            _GroupFrame(group_id, attrs.get("name", ""), _flag(attrs, "isExpanded"))
        )

    def _parameter(self, name: str, attrs: dict[str, str]) -> None:
        if name == "experiment":
            self._b.check_dataset(attrs.get("name", ""), self._source.label)
        if name == "userBoundingBox":
            box_id = _integer(attrs, "id", len(self._b.boxes) + 1)
            if any(box.id == box_id for box in self._b.boxes):
                box_id = max(box.id for box in self._b.boxes) + 1
            self._b.boxes.append(_box(attrs, box_id, f"Bounding box {box_id}", _DEFAULT_BOX_COLOR))
        elif name == "taskBoundingBox":
            self._b.task_boxes.append(attrs)
        elif self._index == 0:
            self._parameters.setdefault(name, attrs)

    def end(self, name: str) -> None:
        stack = self._stack
        stack.pop()
        if name == "node" or name == "edge":  # the bulk: nothing to do at their end
            return
        depth = len(stack)
        if name == "group" and self._group_frames:
            self._end_group()
        elif depth == 1 and name == "thing":
            self._end_tree()
        elif depth == 1 and name == "volume" and self._volume is not None:
            self._b.add_volume(self._volume, self._source)
            self._volume = None
        elif depth == 3 and name == "segment" and self._volume is not None:
            if self._segment is not None:
                metadata = tuple(self._segment_metadata)
                self._volume.segments.append(Segment(self._segment, metadata))
            self._segment = None

    def _end_group(self) -> None:
        group = self._group_frames.pop().build()
        if self._group_frames:
            self._group_frames[-1].children.append(group)
        elif self._stack[1:2] == ["volume"] and self._volume is not None:
            self._volume.groups.append(group)
        else:
            self._own_groups.append(group)

    def _end_tree(self) -> None:
        attrs = self._tree or {}
        self._tree = None
        tree_id = _integer(attrs, "id", len(self._b.trees) + 1 - self._tree_offset)
        tree_id += self._tree_offset
        self._b.max_tree = max(self._b.max_tree, tree_id)
        if "groupId" in attrs:
            group_id: int | None = _integer(attrs, "groupId") + self._group_offset
        else:
            group_id = self._file_group
        name = attrs.get("name", "")
        if self._b.prefix_tree_names:
            name = f"{_stem(self._source.label)}_{name}"
        self._b.trees.append(
            Tree(
                id=tree_id,
                name=name,
                node_count=self._b.nodes.count - self._tree_nodes_before,
                edge_count=self._b.edges.count - self._tree_edges_before,
                color=_color(attrs, None),
                group_id=group_id,
                is_visible=_flag(attrs, "isVisible"),
                type=attrs.get("type"),
                edges_are_visible=_flag(attrs, "edgesAreVisible"),
                metadata=tuple(self._tree_metadata),
            )
        )

    def finish(self) -> None:
        """After the file's last element: its parameters, largest node id and groups."""
        builder = self._b
        builder.max_node = max(builder.max_node, self._max_node)
        if self._index == 0:
            builder.parameters = self._read_parameters()
        if self._file_group is None:
            builder.groups += self._own_groups
        elif self._has_trees or self._own_groups:
            builder.groups.append(
                Group(self._file_group, _stem(self._source.label), True, tuple(self._own_groups))
            )

    def _read_parameters(self) -> Parameters:
        found = self._parameters
        experiment = found.get("experiment", {})
        active = found.get("activeNode")
        return Parameters(
            dataset=experiment.get("name", ""),
            description=experiment.get("description", ""),
            offset=_vector(found.get("offset", {}), ("x", "y", "z")),
            time_ms=_integer(found.get("time", {}), "ms", self._b.now_ms),
            edit_position=_vector(found.get("editPosition", {}), ("x", "y", "z")),
            edit_rotation=_vector(found.get("editRotation", {}), ("xRot", "yRot", "zRot")),
            zoom_level=_number(found.get("zoomLevel", {}), "zoom", 1.0),
            active_node=(
                _integer(active, "id") + self._node_offset
                if active is not None and "id" in active
                else None
            ),
        )


def _stem(label: str) -> str:
    return label[: -len(".nml")] if label.lower().endswith(".nml") else label
