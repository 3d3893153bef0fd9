"""Merging several uploaded NMLs into one, as the server does for ``POST /annotations/upload``.

One expat pass per file, node by node, with no element tree: ids are shifted by an offset past
the largest id written so far, so a file's offsets are known before its first tree. The sections
an NML ends with (branchpoints, comments, groups, volumes) are held back and written after the
last tree; branchpoints and comments go to spooled temporary files, as there can be one per node.
Small sections (meta, parameters, groups, volumes, tree metadata) are captured whole and copied.
"""

from __future__ import annotations

import re
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO
from xml.parsers import expat

from .check import READ_CHUNK, NmlError, is_nml_entry, parse_stream
from .nml import XML_DECLARATION, element

_SPOOL_LIMIT = 8 << 20
_NEEDS_ESCAPE = re.compile(r'[&<>"\n\r\t]')
_LIST_SECTIONS = ("branchpoints", "comments")


@dataclass(frozen=True)
class _Source:
    """One NML to merge: a file, or an entry of a ZIP."""

    label: str
    open: Callable[[], AbstractContextManager[IO[bytes]]]


def merge_nml_files(paths: Sequence[Path], dest: Path, *, create_group_for_each_file: bool) -> None:
    """Merge the NMLs in ``paths`` (``.nml`` files or ZIPs of them) into one NML at ``dest``.

    Node, tree and group ids are renumbered so they stay unique (the first file keeps its ids).
    With ``create_group_for_each_file`` each file's trees and groups are wrapped in a new group
    named after the file (without ``.nml``); otherwise each tree name gets a ``<file>_`` prefix.
    Meta and parameters come from the first file; volumes are kept without ``location``, since
    the merged NML travels without data zips. Raises :class:`NmlError` (naming the file) for
    input that is not a well-formed NML or files of different datasets; ``dest`` is then removed.
    """
    sources = [source for path in paths for source in _sources(path)]
    if not sources:
        raise NmlError("No NML file to merge")
    try:
        _merge(sources, dest, create_group_for_each_file)
    except BaseException:
        dest.unlink(missing_ok=True)
        raise


def _merge(sources: list[_Source], dest: Path, group_per_file: bool) -> None:
    with (
        dest.open("w", encoding="utf-8", newline="\n") as out,
        tempfile.SpooledTemporaryFile(_SPOOL_LIMIT, "w+", encoding="utf-8") as branchpoints,
        tempfile.SpooledTemporaryFile(_SPOOL_LIMIT, "w+", encoding="utf-8") as comments,
    ):
        merged = _Merged(out, branchpoints, comments, len(sources), group_per_file)
        for index, source in enumerate(sources):
            try:
                with source.open() as stream:
                    merged.add(stream, index, source.label)
            except NmlError as exc:
                raise NmlError(f"{source.label}: {exc.reason}") from exc
            except ValueError as exc:
                raise NmlError(f"{source.label}: invalid id ({exc})") from exc
        merged.finish()


def _sources(path: Path) -> list[_Source]:
    if not zipfile.is_zipfile(path):
        return [_Source(path.name, lambda: path.open("rb"))]
    with zipfile.ZipFile(path) as archive:
        names = [info.filename for info in archive.infolist() if is_nml_entry(info)]
    return [_Source(PurePosixPath(name).name, _zip_opener(path, name)) for name in names]


def _zip_opener(path: Path, name: str) -> Callable[[], AbstractContextManager[IO[bytes]]]:
    @contextmanager
    def open_entry() -> Iterator[IO[bytes]]:
        with zipfile.ZipFile(path) as archive, archive.open(name) as entry:
            yield entry

    return open_entry


def _stem(label: str) -> str:
    return label[: -len(".nml")] if label.lower().endswith(".nml") else label


# expat hands attributes over as a flat [name, value, name, value, ...] list (ordered_attributes).
_Attrs = list[str]


def _pairs(attrs: _Attrs) -> list[tuple[str, str]]:
    return list(zip(attrs[::2], attrs[1::2], strict=True))


def _replace(attrs: _Attrs, name: str, new_value: Callable[[str], str]) -> None:
    for index in range(0, len(attrs), 2):
        if attrs[index] == name:
            attrs[index + 1] = new_value(attrs[index + 1])
            return


_ATTR_FORMATS = [' %s="%s"' * count for count in range(32)]


def _empty_tag(tag: str, attrs: _Attrs) -> str:
    count = len(attrs) // 2
    if count >= len(_ATTR_FORMATS) or _NEEDS_ESCAPE.search("".join(attrs)):
        return element(tag, _pairs(attrs))
    # the common case, kept fast: nothing to escape, one C-level format for all attributes
    return f"<{tag}{_ATTR_FORMATS[count] % tuple(attrs)}/>"


@dataclass
class _Captured:
    """A small section held whole until it ends. Text is dropped: NML keeps data in attributes."""

    tag: str
    attrs: _Attrs
    children: list[_Captured] = field(default_factory=list)

    def serialize(self) -> str:
        if not self.children:
            return _empty_tag(self.tag, self.attrs)
        inner = "".join(child.serialize() for child in self.children)
        return f"{element(self.tag, _pairs(self.attrs), close=False)}{inner}</{self.tag}>"

    def get(self, name: str) -> str | None:
        return dict(_pairs(self.attrs)).get(name)

    def iter(self, tag: str) -> Iterator[_Captured]:
        if self.tag == tag:
            yield self
        for child in self.children:
            yield from child.iter(tag)


class _Merged:
    """The merged output and the largest ids written so far."""

    def __init__(
        self,
        out: IO[str],
        branchpoints: IO[str],
        comments: IO[str],
        file_count: int,
        group_per_file: bool,
    ) -> None:
        self.out = out
        self.branchpoints = branchpoints
        self.comments = comments
        self.group_per_file = group_per_file
        self.max_node = self.max_tree = -1
        # Groups 1..file_count are the per-file groups; the files' own groups come after them.
        self.max_group = file_count if group_per_file else -1
        self.groups: list[str] = []
        self.volumes: list[str] = []
        self.dataset: tuple[str, str] | None = None
        out.write(XML_DECLARATION + "<things>\n")

    def add(self, source: IO[bytes], index: int, label: str) -> None:
        """Stream one NML into the output."""
        merger = _FileMerger(self, index, label)
        parser = expat.ParserCreate()
        parser.ordered_attributes = True
        parser.StartElementHandler = merger.start
        parser.EndElementHandler = merger.end
        parse_stream(parser, source)
        merger.finish()

    def finish(self) -> None:
        """Write the held-back sections and close ``<things>``."""
        out = self.out
        for tag, spool in (("branchpoints", self.branchpoints), ("comments", self.comments)):
            out.write(f"  <{tag}>\n")
            spool.seek(0)
            while text := spool.read(READ_CHUNK):
                out.write(text)
            out.write(f"  </{tag}>\n")
        out.write("  <groups>\n")
        out.writelines(f"    {group}\n" for group in self.groups)
        out.write("  </groups>\n")
        out.writelines(self.volumes)
        out.write("</things>\n")


class _FileMerger:
    """expat handlers that stream one file's trees into the merged output."""

    def __init__(self, merged: _Merged, index: int, label: str) -> None:
        self._merged = merged
        self._index = index
        self._label = label
        self._node_offset = merged.max_node + 1
        self._tree_offset = merged.max_tree + 1
        self._group_offset = merged.max_group + 1
        self._max_node = merged.max_node
        self._file_group = index + 1 if merged.group_per_file else None
        self._stack: list[str] = []
        self._capture: list[_Captured] = []
        self._has_trees = False
        self._own_groups: list[str] = []

    def _node_id(self, value: str) -> str:
        new = int(value) + self._node_offset
        if new > self._max_node:
            self._max_node = new
        return str(new)

    def _group_id(self, value: str) -> str:
        new = int(value) + self._group_offset
        self._merged.max_group = max(self._merged.max_group, new)
        return str(new)

    def start(self, name: str, attrs: _Attrs) -> None:
        stack = self._stack
        depth = len(stack)
        stack.append(name)
        if self._capture:
            child = _Captured(name, attrs)
            self._capture[-1].children.append(child)
            self._capture.append(child)
        elif depth == 3:  # the bulk of any NML: nodes and edges
            out = self._merged.out
            if name == "node" and stack[2] == "nodes":
                _replace(attrs, "id", self._node_id)
                out.write(f"      {_empty_tag(name, attrs)}\n")
            elif name == "edge" and stack[2] == "edges":
                _replace(attrs, "source", self._node_id)
                _replace(attrs, "target", self._node_id)
                out.write(f"      {_empty_tag(name, attrs)}\n")
        elif depth == 0:
            if name != "things":
                raise NmlError(f"Root element is <{name}>, expected <things>")
        elif depth == 1:
            if name == "thing":
                self._has_trees = True
                self._merged.out.write(f"  {self._thing_tag(attrs)}\n")
            elif name not in _LIST_SECTIONS:
                self._capture.append(_Captured(name, attrs))
        elif depth == 2:
            self._start_second_level(stack[1], name, attrs)

    def _start_second_level(self, parent: str, name: str, attrs: _Attrs) -> None:
        merged = self._merged
        if parent == "thing":
            if name in ("nodes", "edges"):
                merged.out.write(f"    <{name}>\n")
            else:
                self._capture.append(_Captured(name, attrs))
        elif parent == "branchpoints" and name == "branchpoint":
            _replace(attrs, "id", self._node_id)
            merged.branchpoints.write(f"    {_empty_tag(name, attrs)}\n")
        elif parent == "comments" and name == "comment":
            _replace(attrs, "node", self._node_id)
            merged.comments.write(f"    {_empty_tag(name, attrs)}\n")

    def end(self, name: str) -> None:
        stack = self._stack
        stack.pop()
        depth = len(stack)
        if self._capture:
            captured = self._capture.pop()
            if not self._capture:
                self._end_captured(captured, depth)
        elif depth == 1 and name == "thing":
            self._merged.out.write("  </thing>\n")
        elif depth == 2 and name in ("nodes", "edges") and stack[1] == "thing":
            self._merged.out.write(f"    </{name}>\n")

    def _end_captured(self, captured: _Captured, depth: int) -> None:
        merged = self._merged
        tag = captured.tag
        if depth == 2:  # metadata and other small children of a tree
            merged.out.write(f"    {captured.serialize()}\n")
            return
        if tag == "parameters":
            self._check_dataset(captured)
        elif tag == "groups":
            for group in captured.children:
                for nested in group.iter("group"):
                    _replace(nested.attrs, "id", self._group_id)
                self._own_groups.append(group.serialize())
        elif tag == "volume":
            volume = dict(_pairs(captured.attrs))
            volume["id"] = str(len(merged.volumes))
            volume.pop("location", None)
            captured.attrs = [text for pair in volume.items() for text in pair]
            merged.volumes.append(f"  {captured.serialize()}\n")
        if self._index == 0 and tag in ("meta", "parameters"):
            merged.out.write(f"  {captured.serialize()}\n")

    def _thing_tag(self, attr_list: _Attrs) -> str:
        attrs = dict(_pairs(attr_list))
        new_id = int(attrs.get("id", "0")) + self._tree_offset
        self._merged.max_tree = max(self._merged.max_tree, new_id)
        attrs["id"] = str(new_id)
        if "groupId" in attrs:
            attrs["groupId"] = self._group_id(attrs["groupId"])
        elif self._file_group is not None:
            attrs["groupId"] = str(self._file_group)
        if self._file_group is None:
            attrs["name"] = f"{_stem(self._label)}_{attrs.get('name', '')}"
        return element("thing", list(attrs.items()), close=False)

    def _check_dataset(self, parameters: _Captured) -> None:
        experiment = next(parameters.iter("experiment"), None)
        name = (experiment.get("name") or "") if experiment is not None else ""
        merged = self._merged
        if not name:
            return
        if merged.dataset is None:
            merged.dataset = (name, self._label)
        elif merged.dataset[0] != name:
            first_name, first_label = merged.dataset
            raise NmlError(
                f"NML files of different datasets: {first_name!r} in {first_label},"
                f" {name!r} in {self._label}"
            )

    def finish(self) -> None:
        """Record this file's largest node id and its groups (wrapped in the file's group)."""
        merged = self._merged
        merged.max_node = max(merged.max_node, self._max_node)
        if self._file_group is None:
            merged.groups += self._own_groups
        elif self._has_trees or self._own_groups:
            attrs = (("id", self._file_group), ("name", _stem(self._label)), ("isExpanded", "true"))
            inner = "".join(self._own_groups)
            merged.groups.append(f"{element('group', attrs, close=False)}{inner}</group>")
