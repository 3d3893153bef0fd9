"""Reading the content of an NML file, or of an annotation ZIP (its NML and volume data ZIPs).

Streaming: ``xml.etree.ElementTree.iterparse`` reads the file piece by piece, every element's
attributes are taken when it starts, and processed elements are cleared, so what stays in
memory is the content, never the document.
"""

from __future__ import annotations

import io
import os
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import IO
from xml.etree import ElementTree

from wkapi._errors import InputError

from ._content import BoundingBox, Group, NmlContent, Node, Segment, Tree, VolumeLayer

__all__ = ["read_content"]

Source = str | os.PathLike[str] | bytes

_TRUE = frozenset({"true", "1"})
_CLEARED_WITH_PARENT = frozenset({"node", "edge", "branchpoint", "comment", "metadataEntry"})


def read_content(source: Source) -> NmlContent:
    """The content of an NML file or of an annotation ZIP, given as a path or as bytes.

    A ZIP must hold one ``.nml`` (next to any volume data ZIPs it names with
    ``<volume location=...>``). Raises :class:`~wkapi.InputError` for a file that is neither a
    well-formed NML nor such a ZIP.
    """
    label = "the given bytes" if isinstance(source, bytes) else os.fspath(source)
    try:
        with _opened(source) as handle:
            if zipfile.is_zipfile(handle):
                handle.seek(0)
                return _read_zip(handle, label)
            handle.seek(0)
            return _read_nml(handle, label, None)
    except OSError as exc:
        raise InputError(f"cannot read {label}: {exc}") from exc


@contextmanager
def _opened(source: Source) -> Iterator[IO[bytes]]:
    if isinstance(source, bytes):
        yield io.BytesIO(source)
        return
    with Path(source).open("rb") as handle:
        yield handle


def _read_zip(handle: IO[bytes], label: str) -> NmlContent:
    try:
        with zipfile.ZipFile(handle) as archive:
            nmls = [
                info.filename
                for info in archive.infolist()
                if info.filename.lower().endswith(".nml")
                and not info.is_dir()
                and not info.filename.startswith("__MACOSX/")
            ]
            if len(nmls) != 1:
                raise InputError(f"{label}: expected one .nml in the ZIP, found {len(nmls)}")
            with archive.open(nmls[0]) as entry:
                return _read_nml(entry, f"{label}:{nmls[0]}", _DataFinder(archive, nmls[0]))
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise InputError(f"{label}: not a valid ZIP archive ({exc})") from exc


class _DataFinder:
    """The volume data ZIPs next to an NML in an annotation ZIP."""

    def __init__(self, archive: zipfile.ZipFile, nml_name: str) -> None:
        self._archive = archive
        self._names = set(archive.namelist())
        self._folder = PurePosixPath(nml_name).parent

    def files(self, location: str) -> dict[str, tuple[int, int]] | None:
        """The files of the data ZIP ``location`` names: name -> (size, CRC-32)."""
        beside = str(self._folder / location)
        name = location if location in self._names else beside if beside in self._names else None
        if name is None:
            return None
        with self._archive.open(name) as entry, zipfile.ZipFile(entry) as data:
            return {
                info.filename: (info.file_size, info.CRC)
                for info in data.infolist()
                if not info.is_dir()
            }


def _flag(attrs: Mapping[str, str], name: str) -> bool | None:
    text = attrs.get(name)
    return None if text is None else text.strip().lower() in _TRUE


def _float(attrs: Mapping[str, str], name: str) -> float | None:
    text = attrs.get(name)
    return None if text is None else float(text)


def _int(attrs: Mapping[str, str], name: str, default: int = 0) -> int:
    text = attrs.get(name)
    return default if text is None else int(float(text))


def _color(attrs: Mapping[str, str]) -> tuple[float, float, float, float] | None:
    if "color.r" not in attrs:
        return None
    return (
        float(attrs.get("color.r", 0)),
        float(attrs.get("color.g", 0)),
        float(attrs.get("color.b", 0)),
        float(attrs.get("color.a", 1)),
    )


def _box(attrs: Mapping[str, str], *, task: bool) -> BoundingBox:
    return BoundingBox(
        top_left=(_int(attrs, "topLeftX"), _int(attrs, "topLeftY"), _int(attrs, "topLeftZ")),
        size=(_int(attrs, "width"), _int(attrs, "height"), _int(attrs, "depth")),
        name=attrs.get("name"),
        is_task=task,
    )


def _node(attrs: Mapping[str, str]) -> Node:
    return Node(
        id=int(attrs["id"]),
        position=(float(attrs["x"]), float(attrs["y"]), float(attrs["z"])),
        radius=_float(attrs, "radius"),
        rotation=(_float(attrs, "rotX"), _float(attrs, "rotY"), _float(attrs, "rotZ")),
        in_vp=_float(attrs, "inVp"),
        in_mag=_float(attrs, "inMag"),
        bit_depth=_float(attrs, "bitDepth"),
        interpolation=_flag(attrs, "interpolation"),
        time=_float(attrs, "time"),
    )


class _TreeBuilder:
    def __init__(self, attrs: Mapping[str, str]) -> None:
        self.attrs = dict(attrs)
        self.nodes: list[Node] = []
        self.edges: list[tuple[int, int]] = []
        self.metadata: list[tuple[tuple[str, str], ...]] = []

    def build(self) -> Tree:
        attrs = self.attrs
        return Tree(
            id=_int(attrs, "id"),
            name=attrs.get("name", ""),
            nodes=tuple(self.nodes),
            edges=tuple(self.edges),
            color=_color(attrs),
            group_id=_int(attrs, "groupId") if "groupId" in attrs else None,
            is_visible=_flag(attrs, "isVisible"),
            metadata=tuple(self.metadata),
        )


class _GroupBuilder:
    def __init__(self, attrs: Mapping[str, str]) -> None:
        self.id = _int(attrs, "id")
        self.name = attrs.get("name", "")
        self.is_expanded = _flag(attrs, "isExpanded")
        self.children: list[Group] = []

    def build(self) -> Group:
        return Group(self.id, self.name, self.is_expanded, tuple(self.children))


class _VolumeBuilder:
    def __init__(self, attrs: Mapping[str, str], data: _DataFinder | None) -> None:
        self.name = attrs.get("name") or "Volume"
        self.attributes = {
            key: value
            for key, value in attrs.items()
            if key not in ("id", "name", "location", "format")
        }
        location = attrs.get("location")
        self.data = data.files(location) if data is not None and location else None
        self.segments: list[Segment] = []
        self.groups: list[Group] = []

    def build(self) -> VolumeLayer:
        return VolumeLayer(
            self.name, self.attributes, tuple(self.segments), tuple(self.groups), self.data
        )


def _read_nml(handle: IO[bytes], label: str, data: _DataFinder | None) -> NmlContent:
    reader = _Reader(data)
    try:
        reader.read(handle)
    except ElementTree.ParseError as exc:
        raise InputError(f"{label}: not a well-formed NML ({exc})") from exc
    except (KeyError, ValueError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(f"{label}: unexpected value in the NML ({exc!r})") from exc
    return reader.content()


class _Reader:
    """Collects the content while iterparse walks the document."""

    def __init__(self, data: _DataFinder | None) -> None:
        self._data = data
        self.dataset = ""
        self.meta: dict[str, str] = {}
        self.trees: list[Tree] = []
        self.branchpoints: list[tuple[int, float | None]] = []
        self.comments: list[tuple[int, str]] = []
        self.groups: list[Group] = []
        self.boxes: list[BoundingBox] = []
        self.volumes: list[VolumeLayer] = []
        self._tree: _TreeBuilder | None = None
        self._volume: _VolumeBuilder | None = None
        self._groups: list[_GroupBuilder] = []
        self._root_tag: str | None = None

    def read(self, handle: IO[bytes]) -> None:
        path: list[str] = []
        elements: list[ElementTree.Element] = []
        for event, element in ElementTree.iterparse(handle, events=("start", "end")):
            if event == "start":
                path.append(element.tag)
                elements.append(element)
                self._start(path, element.attrib)
                continue
            path.pop()
            elements.pop()
            self._end(path, element.tag)
            if element.tag in _CLEARED_WITH_PARENT and elements:
                elements[-1].clear()  # its siblings before it are processed already
            elif len(path) == 1:
                elements[0].clear()  # a whole section of the root is done

    def _start(self, path: list[str], attrs: Mapping[str, str]) -> None:
        depth = len(path)
        tag = path[-1]
        if depth == 1:
            self._root_tag = tag
            if tag != "things":
                raise InputError(f"the root element is <{tag}>, not <things>")
            return
        section = path[1]
        if depth == 2:
            self._start_section(tag, attrs)
        elif section == "thing" and self._tree is not None:
            if tag == "node" and path[2] == "nodes":
                self._tree.nodes.append(_node(attrs))
            elif tag == "edge" and path[2] == "edges":
                self._tree.edges.append((int(attrs["source"]), int(attrs["target"])))
            elif tag == "metadataEntry":
                self._tree.metadata.append(tuple(attrs.items()))
        elif section == "parameters" and depth == 3:
            self._parameter(tag, attrs)
        elif section == "branchpoints" and tag == "branchpoint":
            self.branchpoints.append((int(attrs["id"]), _float(attrs, "time")))
        elif section == "comments" and tag == "comment":
            self.comments.append((int(attrs["node"]), attrs.get("content", "")))
        elif tag == "group" and (section == "groups" or path[2] == "groups"):
            self._groups.append(_GroupBuilder(attrs))
        elif section == "volume" and self._volume is not None and tag == "segment":
            segment_id = _int(attrs, "id")
            others = {key: value for key, value in attrs.items() if key != "id"}
            self._volume.segments.append(Segment(segment_id, others))

    def _start_section(self, tag: str, attrs: Mapping[str, str]) -> None:
        if tag == "meta" and "name" in attrs:
            self.meta[attrs["name"]] = attrs.get("content", "")
        elif tag == "thing":
            self._tree = _TreeBuilder(attrs)
        elif tag == "volume":
            self._volume = _VolumeBuilder(attrs, self._data)

    def _parameter(self, tag: str, attrs: Mapping[str, str]) -> None:
        if tag == "experiment":
            self.dataset = attrs.get("name", "")
        elif tag == "userBoundingBox":
            self.boxes.append(_box(attrs, task=False))
        elif tag == "taskBoundingBox":
            self.boxes.append(_box(attrs, task=True))

    def _end(self, path: list[str], tag: str) -> None:
        depth = len(path)
        if tag == "group" and self._groups:
            group = self._groups.pop().build()
            if self._groups:
                self._groups[-1].children.append(group)
            elif self._volume is not None and path[1:2] == ["volume"]:
                self._volume.groups.append(group)
            elif path[1:2] == ["groups"]:
                self.groups.append(group)
        elif depth == 1 and tag == "thing" and self._tree is not None:
            self.trees.append(self._tree.build())
            self._tree = None
        elif depth == 1 and tag == "volume" and self._volume is not None:
            self.volumes.append(self._volume.build())
            self._volume = None

    def content(self) -> NmlContent:
        if self._root_tag is None:
            raise InputError("the file holds no XML element")
        return NmlContent(
            dataset=self.dataset,
            trees=tuple(self.trees),
            branchpoints=tuple(self.branchpoints),
            comments=tuple(self.comments),
            groups=tuple(self.groups),
            bounding_boxes=tuple(self.boxes),
            volumes=tuple(self.volumes),
            meta=self.meta,
        )
