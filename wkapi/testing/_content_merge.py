"""Merging several uploaded NMLs into one, as the server does for ``POST /annotations/upload``.

One pass per file, node by node: ids are shifted by an offset past the largest id written so far,
so the offsets of a file are known before its first tree. The sections an NML ends with
(branchpoints, comments, groups, volumes) are held back and written after the last tree;
branchpoints and comments go to spooled temporary files since there can be one per node.
"""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO
from xml.etree import ElementTree

from wkapi.testing._content_check import READ_CHUNK, NmlError
from wkapi.testing._content_nml import XML_DECLARATION, element

# Children of these are list items: dropped from the tree as soon as they are handled.
_LIST_TAGS = frozenset({"nodes", "edges", "branchpoints", "comments"})
_SPOOL_LIMIT = 8 << 20


@dataclass(frozen=True)
class _Source:
    """One NML to merge: a file, or an entry of a ZIP."""

    label: str
    open: Callable[[], AbstractContextManager[IO[bytes]]]


def merge_nml_files(paths: Sequence[Path], dest: Path, *, create_group_for_each_file: bool) -> None:
    """Merge the NMLs in ``paths`` (``.nml`` files or ZIPs of them) into one NML at ``dest``.

    Node, tree and group ids are renumbered so they stay unique (the first file keeps its ids).
    With ``create_group_for_each_file`` each file's trees and groups are wrapped in a new group
    named after the file (without ``.nml``); otherwise each tree name gets the file name as a
    ``<file>_`` prefix. Meta and parameters come from the first file; volumes are kept without
    ``location``, since the merged NML travels without data zips. Raises :class:`NmlError` for
    unparsable input or files of different datasets.
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
        merger = _Merger(out, branchpoints, comments, len(sources), group_per_file)
        for index, source in enumerate(sources):
            try:
                with source.open() as stream:
                    merger.add(stream, index, source.label)
            except ElementTree.ParseError as exc:
                raise NmlError(f"{source.label}: Error parsing XML: {exc}") from exc
            except ValueError as exc:
                raise NmlError(f"{source.label}: invalid id ({exc})") from exc
        merger.finish()


def _sources(path: Path) -> list[_Source]:
    if not zipfile.is_zipfile(path):
        return [_Source(path.name, lambda: path.open("rb"))]
    with zipfile.ZipFile(path) as archive:
        names = [
            info.filename
            for info in archive.infolist()
            if not info.is_dir() and info.filename.lower().endswith(".nml")
        ]
    return [_Source(PurePosixPath(name).name, _zip_opener(path, name)) for name in names]


def _zip_opener(path: Path, name: str) -> Callable[[], AbstractContextManager[IO[bytes]]]:
    @contextmanager
    def open_entry() -> Iterator[IO[bytes]]:
        with zipfile.ZipFile(path) as archive, archive.open(name) as entry:
            yield entry

    return open_entry


_Event = tuple[str, ElementTree.Element, int, str]


def _iter_events(source: IO[bytes]) -> Iterator[_Event]:
    """``(event, element, depth, parent tag)`` for each start and end of an element.

    After its end event a list item or a top-level section is cleared and dropped from its
    parent, so memory stays bounded however many nodes the file holds.
    """
    parser: ElementTree.XMLPullParser[ElementTree.Element] = ElementTree.XMLPullParser(
        events=("start", "end")
    )
    stack: list[ElementTree.Element] = []
    while True:
        chunk = source.read(READ_CHUNK)
        if chunk:
            parser.feed(chunk)
        else:
            parser.close()
        for item in parser.read_events():
            event, elem = item[0], item[-1]
            if not isinstance(elem, ElementTree.Element):  # only namespace events lack one
                continue
            if event == "start":
                parent_tag = stack[-1].tag if stack else ""
                stack.append(elem)
                yield event, elem, len(stack), parent_tag
                continue
            stack.pop()
            parent_tag = stack[-1].tag if stack else ""
            yield event, elem, len(stack) + 1, parent_tag
            if len(stack) == 1 or parent_tag in _LIST_TAGS:
                elem.clear()
                stack[-1].remove(elem)
        if not chunk:
            return


def _serialize(elem: ElementTree.Element) -> str:
    elem.tail = None
    return ElementTree.tostring(elem, encoding="unicode")


def _serialize_group(group: ElementTree.Element, group_id: Callable[[str], str]) -> str:
    for nested in group.iter("group"):
        nested.set("id", group_id(nested.get("id", "0")))
    return _serialize(group)


def _stem(label: str) -> str:
    return label[: -len(".nml")] if label.lower().endswith(".nml") else label


class _Merger:
    def __init__(
        self,
        out: IO[str],
        branchpoints: IO[str],
        comments: IO[str],
        file_count: int,
        group_per_file: bool,
    ) -> None:
        self._out = out
        self._branchpoints = branchpoints
        self._comments = comments
        self._group_per_file = group_per_file
        # Groups 1..file_count are the per-file groups; the files' own groups come after them.
        self._max_node = self._max_tree = -1
        self._max_group = file_count if group_per_file else -1
        self._groups: list[str] = []
        self._volumes: list[str] = []
        self._dataset: tuple[str, str] | None = None
        out.write(XML_DECLARATION + "<things>\n")

    def add(self, source: IO[bytes], index: int, label: str) -> None:
        """Stream one NML into the output."""
        node_offset = self._max_node + 1
        tree_offset = self._max_tree + 1
        group_offset = self._max_group + 1
        file_group = index + 1 if self._group_per_file else None
        has_trees = False
        own_groups: list[str] = []
        out = self._out

        def node_id(value: str) -> str:
            new = int(value) + node_offset
            self._max_node = max(self._max_node, new)
            return str(new)

        def group_id(value: str) -> str:
            new = int(value) + group_offset
            self._max_group = max(self._max_group, new)
            return str(new)

        for event, elem, depth, parent in _iter_events(source):
            tag = elem.tag
            if depth == 1:
                if tag != "things":
                    raise NmlError(f"{label}: Root element is <{tag}>, expected <things>")
            elif event == "start":
                if depth == 2 and tag == "thing":
                    has_trees = True
                    tag_text = self._thing_tag(elem, tree_offset, group_id, file_group, label)
                    out.write(f"  {tag_text}\n")
                elif parent == "thing" and tag in ("nodes", "edges"):
                    out.write(f"    <{tag}>\n")
            elif depth == 2:
                self._end_section(elem, index, label, group_id, own_groups)
            elif parent == "thing" and tag in ("nodes", "edges"):
                out.write(f"    </{tag}>\n")
            elif parent == "thing":
                # metadata and other small children of a tree, copied whole
                out.write(f"    {_serialize(elem)}\n")
            elif parent == "nodes" and tag == "node":
                elem.set("id", node_id(elem.get("id", "0")))
                out.write(f"      {_serialize(elem)}\n")
            elif parent == "edges" and tag == "edge":
                elem.set("source", node_id(elem.get("source", "0")))
                elem.set("target", node_id(elem.get("target", "0")))
                out.write(f"      {_serialize(elem)}\n")
            elif parent == "branchpoints" and tag == "branchpoint":
                elem.set("id", node_id(elem.get("id", "0")))
                self._branchpoints.write(f"    {_serialize(elem)}\n")
            elif parent == "comments" and tag == "comment":
                elem.set("node", node_id(elem.get("node", "0")))
                self._comments.write(f"    {_serialize(elem)}\n")
        self._finish_groups(file_group, _stem(label), own_groups, has_trees)

    def _end_section(
        self,
        elem: ElementTree.Element,
        index: int,
        label: str,
        group_id: Callable[[str], str],
        own_groups: list[str],
    ) -> None:
        tag = elem.tag
        if tag == "thing":
            self._out.write("  </thing>\n")
        elif tag == "parameters":
            self._check_dataset(elem, label)
        elif tag == "volume":
            self._volumes.append(self._volume(elem))
        elif tag == "groups":
            own_groups += [_serialize_group(child, group_id) for child in elem]
        if index == 0 and tag in ("meta", "parameters"):
            self._out.write(f"  {_serialize(elem)}\n")

    def _thing_tag(
        self,
        elem: ElementTree.Element,
        tree_offset: int,
        group_id: Callable[[str], str],
        file_group: int | None,
        label: str,
    ) -> str:
        attrs = dict(elem.attrib)
        new_id = int(attrs.get("id", "0")) + tree_offset
        self._max_tree = max(self._max_tree, new_id)
        attrs["id"] = str(new_id)
        if "groupId" in attrs:
            attrs["groupId"] = group_id(attrs["groupId"])
        elif file_group is not None:
            attrs["groupId"] = str(file_group)
        if file_group is None:
            attrs["name"] = f"{_stem(label)}_{attrs.get('name', '')}"
        return element("thing", list(attrs.items()), close=False)

    def _check_dataset(self, parameters: ElementTree.Element, label: str) -> None:
        experiment = parameters.find("experiment")
        name = experiment.get("name", "") if experiment is not None else ""
        if not name:
            return
        if self._dataset is None:
            self._dataset = (name, label)
        elif self._dataset[0] != name:
            first_name, first_label = self._dataset
            raise NmlError(
                f"NML files of different datasets: {first_label} ({first_name}), {label} ({name})"
            )

    def _volume(self, volume: ElementTree.Element) -> str:
        volume.set("id", str(len(self._volumes)))
        volume.attrib.pop("location", None)
        return f"  {_serialize(volume)}\n"

    def _finish_groups(
        self, file_group: int | None, name: str, own_groups: list[str], has_trees: bool
    ) -> None:
        if file_group is None:
            self._groups += own_groups
        elif has_trees or own_groups:
            attrs = (("id", file_group), ("name", name), ("isExpanded", "true"))
            self._groups.append(
                f"{element('group', attrs, close=False)}{''.join(own_groups)}</group>"
            )

    def finish(self) -> None:
        """Write the held-back sections and close ``<things>``."""
        out = self._out
        for tag, spool in (("branchpoints", self._branchpoints), ("comments", self._comments)):
            out.write(f"  <{tag}>\n")
            spool.seek(0)
            while text := spool.read(READ_CHUNK):
                out.write(text)
            out.write(f"  </{tag}>\n")
        out.write("  <groups>\n")
        out.writelines(f"    {group}\n" for group in self._groups)
        out.write("  </groups>\n")
        out.writelines(self._volumes)
        out.write("</things>\n")
