"""Comparing two annotations by content: what a round trip through a server must keep.

A server parses an upload and writes a new file, so bytes never survive a round trip; the
content does. The comparison is one-sided: everything the *expected* file states must be in the
*actual* one (ids, positions, names, edges, comments, groups, bounding boxes, volume layers and
their data, and each node attribute the expected file gives), while what the expected file
leaves out may come back filled in. The ``<meta>`` lines (writer, annotation id, time) and the
parameters a server rewrites (scale, offset, time, ...) are not compared. A task bounding box
may come back as a user bounding box, so boxes compare by position and size.

Integer attributes (node and branchpoint ``time`` in epoch milliseconds, ``inVp``, ``inMag``,
``bitDepth``) compare exactly; float attributes (positions, radius, rotations, colours) within a
relative 1e-9, since writers format floats differently.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

import attrs

from ._content import Group, NmlContent, Node, Tree, VolumeLayer
from ._read import Source, read_content

__all__ = ["ContentComparison", "assert_same_content", "compare_content"]

# Integer attributes (epoch-millisecond times, viewport, magnification, bit depth) compare
# exactly: a relative tolerance on a time near 1.7e12 ms would let seconds slip through. Only
# float attributes (positions, radius, rotations, colours) get a tolerance for how they are written.
_EXACT_NODE_ATTRIBUTES = ("in_vp", "in_mag", "bit_depth", "interpolation", "time")
_ROTATION_NAMES = ("rotX", "rotY", "rotZ")
_COUNTED = (
    ("trees", "tree"),
    ("nodes", "node"),
    ("edges", "edge"),
    ("branchpoints", "branchpoint"),
    ("comments", "comment"),
    ("groups", "group"),
    ("bounding boxes", "bounding box"),
    ("volume layers", "volume layer"),
    ("volume data files", "volume data file"),
)


@attrs.frozen
class ContentComparison:
    """The outcome of :func:`compare_content`: what was compared and what differs.

    ``compared`` counts the expected file's trees, nodes, edges, branchpoints, comments, groups,
    bounding boxes, volume layers and volume data files; ``differences`` says what the actual
    file lacks or has otherwise (the first ``limit`` of them; ``difference_count`` counts all).
    """

    compared: Mapping[str, int]
    differences: tuple[str, ...] = ()
    difference_count: int = 0

    @property
    def ok(self) -> bool:
        """Whether the actual file holds the expected content."""
        return self.difference_count == 0

    def summary(self) -> str:
        """``"3 trees, 58 nodes, 55 edges, ..."``: what was compared, in words."""
        parts = []
        for key, singular in _COUNTED:
            count = self.compared.get(key, 0)
            if count or key in ("trees", "nodes", "edges"):
                parts.append(f"{count} {singular if count == 1 else key}")
        return ", ".join(parts)


def compare_content(
    expected: NmlContent | Source, actual: NmlContent | Source, *, limit: int = 20
) -> ContentComparison:
    """Compare two annotations by content (see the module text for what counts).

    ``expected`` and ``actual`` are :class:`NmlContent` or files (NML or annotation ZIP) as
    paths or bytes: typically an uploaded file and the download of the annotation the upload
    created. Raises :class:`~wkapi.InputError` for a file that does not read as an NML.
    """
    want = expected if isinstance(expected, NmlContent) else read_content(expected)
    got = actual if isinstance(actual, NmlContent) else read_content(actual)
    differences = _Differences(limit)
    if want.dataset and want.dataset != got.dataset:
        differences.add(f"dataset: expected {want.dataset!r}, got {got.dataset!r}")
    _compare_trees(want.trees, got.trees, differences)
    _compare_counts(
        "branchpoints",
        [b for b, _ in want.branchpoints],
        [b for b, _ in got.branchpoints],
        differences,
    )
    times = dict(got.branchpoints)
    for node, time in want.branchpoints:
        if time is not None and node in times and time != times[node]:
            differences.add(f"branchpoint {node}: time {_shown(time)} became {_shown(times[node])}")
    _compare_counts("comments", want.comments, got.comments, differences)
    _compare_groups("groups", want.groups, got.groups, differences)
    _compare_counts(
        "bounding boxes",
        [(box.top_left, box.size) for box in want.bounding_boxes],
        [(box.top_left, box.size) for box in got.bounding_boxes],
        differences,
    )
    _compare_volumes(want.volumes, got.volumes, differences)
    compared = {
        "trees": len(want.trees),
        "nodes": want.node_count,
        "edges": want.edge_count,
        "branchpoints": len(want.branchpoints),
        "comments": len(want.comments),
        "groups": _group_count(want.groups),
        "bounding boxes": len(want.bounding_boxes),
        "volume layers": len(want.volumes),
        "volume data files": sum(len(v.data) for v in want.volumes if v.data is not None),
    }
    return ContentComparison(compared, tuple(differences.found), differences.count)


def assert_same_content(
    expected: NmlContent | Source, actual: NmlContent | Source
) -> ContentComparison:
    """:func:`compare_content`, raising ``AssertionError`` that lists the differences when the
    actual file does not hold the expected content; returns the comparison otherwise."""
    comparison = compare_content(expected, actual)
    if not comparison.ok:
        listed = "\n".join(f"  - {text}" for text in comparison.differences)
        more = comparison.difference_count - len(comparison.differences)
        if more:
            listed += f"\n  ... and {more} more"
        raise AssertionError(
            f"the content differs ({comparison.difference_count} differences in"
            f" {comparison.summary()}):\n{listed}"
        )
    return comparison


class _Differences:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.found: list[str] = []
        self.count = 0

    def add(self, text: str) -> None:
        self.count += 1
        if len(self.found) < self.limit:
            self.found.append(text)


def _close(expected: float, actual: float | None) -> bool:
    return actual is not None and math.isclose(expected, actual, rel_tol=1e-9, abs_tol=1e-6)


def _shown(value: float | None) -> str:
    """A number as written in a file: integral values (epoch milliseconds) without ``.0``."""
    if value is not None and value.is_integer():
        return str(int(value))
    return str(value)


def _same_text(expected: str, actual: str | None) -> bool:
    """Equal attribute values: the same text, or the same number however it is written."""
    if actual is None:
        return False
    if expected == actual:
        return True
    try:
        return _close(float(expected), float(actual))
    except ValueError:
        return expected.strip().lower() == actual.strip().lower()


def _compare_counts(
    what: str, expected: Iterable[object], actual: Iterable[object], out: _Differences
) -> None:
    want, got = Counter(expected), Counter(actual)
    if want == got:
        return
    missing = list((want - got).elements())
    extra = list((got - want).elements())
    if missing:
        out.add(f"{what}: missing {_some(missing)}")
    if extra:
        out.add(f"{what}: unexpected {_some(extra)}")


def _some(items: Sequence[object]) -> str:
    shown = ", ".join(repr(item) for item in items[:5])
    return shown + (f" and {len(items) - 5} more" if len(items) > 5 else "")


def _compare_trees(expected: Sequence[Tree], actual: Sequence[Tree], out: _Differences) -> None:
    got = {tree.id: tree for tree in actual}
    want_ids = {tree.id for tree in expected}
    extra = sorted(set(got) - want_ids)
    if extra:
        out.add(f"trees: unexpected ids {_some(extra)}")
    for tree in expected:
        other = got.get(tree.id)
        if other is None:
            out.add(f"tree {tree.id} ({tree.name!r}) is missing")
            continue
        label = f"tree {tree.id}"
        if tree.name != other.name:
            out.add(f"{label}: name {tree.name!r} became {other.name!r}")
        if tree.group_id != other.group_id:
            out.add(f"{label}: group {tree.group_id} became {other.group_id}")
        if tree.color is not None and (
            other.color is None
            or not all(_close(a, b) for a, b in zip(tree.color, other.color, strict=True))
        ):
            out.add(f"{label}: color {tree.color} became {other.color}")
        if tree.is_visible is not None and tree.is_visible != other.is_visible:
            out.add(f"{label}: isVisible {tree.is_visible} became {other.is_visible}")
        _compare_counts(f"{label} metadata", tree.metadata, other.metadata, out)
        _compare_nodes(label, tree.nodes, other.nodes, out)
        _compare_counts(f"{label} edges", tree.edges, other.edges, out)


def _compare_nodes(
    label: str, expected: Sequence[Node], actual: Sequence[Node], out: _Differences
) -> None:
    got = {node.id: node for node in actual}
    extra = sorted(set(got) - {node.id for node in expected})
    if extra:
        out.add(f"{label}: unexpected nodes {_some(extra)}")
    for node in expected:
        other = got.get(node.id)
        if other is None:
            out.add(f"{label}: node {node.id} is missing")
            continue
        if not all(_close(a, b) for a, b in zip(node.position, other.position, strict=True)):
            out.add(f"node {node.id}: position {node.position} became {other.position}")
        if node.radius is not None and not _close(node.radius, other.radius):
            out.add(f"node {node.id}: radius {node.radius} became {other.radius}")
        for name in _EXACT_NODE_ATTRIBUTES:
            value = getattr(node, name)
            if value is not None and value != getattr(other, name):
                out.add(f"node {node.id}: {name} {value} became {getattr(other, name)}")
        for name, value, found in zip(_ROTATION_NAMES, node.rotation, other.rotation, strict=True):
            if value is not None and not _close(value, found):
                out.add(f"node {node.id}: {name} {value} became {found}")


def _normal_groups(groups: Sequence[Group], with_expanded: bool) -> tuple[object, ...]:
    return tuple(
        sorted(
            (
                group.id,
                group.name,
                group.is_expanded if with_expanded else None,
                _normal_groups(group.children, with_expanded),
            )
            for group in groups
        )
    )


def _compare_groups(
    what: str, expected: Sequence[Group], actual: Sequence[Group], out: _Differences
) -> None:
    # isExpanded counts where the expected file gives it for every group, else not at all
    with_expanded = _all_expanded_given(expected)
    if _normal_groups(expected, with_expanded) != _normal_groups(actual, with_expanded):
        out.add(f"{what}: {_show_groups(expected)} became {_show_groups(actual)}")


def _all_expanded_given(groups: Sequence[Group]) -> bool:
    return all(g.is_expanded is not None and _all_expanded_given(g.children) for g in groups)


def _show_groups(groups: Sequence[Group]) -> str:
    return (
        "["
        + ", ".join(
            f"{g.id}:{g.name!r}" + (_show_groups(g.children) if g.children else "") for g in groups
        )
        + "]"
    )


def _group_count(groups: Sequence[Group]) -> int:
    return sum(1 + _group_count(group.children) for group in groups)


def _compare_volumes(
    expected: Sequence[VolumeLayer], actual: Sequence[VolumeLayer], out: _Differences
) -> None:
    got = {volume.name: volume for volume in actual}
    extra = sorted(set(got) - {volume.name for volume in expected})
    if extra:
        out.add(f"volume layers: unexpected {_some(extra)}")
    for volume in expected:
        other = got.get(volume.name)
        label = f"volume layer {volume.name!r}"
        if other is None:
            out.add(f"{label} is missing")
            continue
        for key, value in volume.attributes.items():
            if not _same_text(value, other.attributes.get(key)):
                out.add(f"{label}: {key} {value!r} became {other.attributes.get(key)!r}")
        segments = {segment.id: segment for segment in other.segments}
        for segment in volume.segments:
            found = segments.get(segment.id)
            if found is None:
                out.add(f"{label}: segment {segment.id} is missing")
                continue
            for key, value in segment.attributes.items():
                if not _same_text(value, found.attributes.get(key)):
                    changed = found.attributes.get(key)
                    out.add(f"{label}: segment {segment.id} {key} {value!r} became {changed!r}")
        _compare_groups(f"{label} segment groups", volume.groups, other.groups, out)
        if volume.data is not None and volume.data != other.data:
            if other.data is None:
                out.add(f"{label}: the data is missing")
            else:
                _compare_counts(
                    f"{label} data files",
                    volume.data.items(),
                    other.data.items(),
                    out,
                )
