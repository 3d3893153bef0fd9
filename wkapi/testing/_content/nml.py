"""Realistic NML text for the fake server, rendered deterministically from a seed.

The element layout is what real servers write: ``<meta>`` entries, ``<parameters>``, one
``<thing>`` per tree (nodes, edges, metadata), then branchpoints, comments, nested groups and
one ``<volume>`` per volume layer.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from .stats import SkeletonStats

VOLUME_FORMATS = ("wkw", "zarr3")
BRANCHPOINTS = 3

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
WRITER = "NmlWriter.scala"

_ESCAPES = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "\n": "&#10;",
        "\r": "&#13;",
        "\t": "&#9;",
    }
)

_COMMENT_TEXTS = (
    "soma",
    "synapse",
    "axon ending",
    "spine & bouton",
    'check "merger"',
    "dendrite <branch>",
    "glia?",
)
_GROUP_NAMES = ("cells", "axons", "dendrites", "glia", "to review", "done", "nested")
_TREE_NAMES = ("explorative_tree", "axon", "dendrite", "soma", "spine", "bouton")


@dataclass(frozen=True)
class AnnotationContent:
    """What the fake server knows about one annotation: enough to render its files.

    The same instance always renders the same bytes; ``seed`` drives every generated value
    (tree shapes, coordinates, comments, volume data).
    """

    annotation_id: str
    name: str
    dataset: str
    organization: str
    username: str
    created_ms: int
    seed: int
    volume_layers: tuple[str, ...] = ()


def xml_attr(value: object) -> str:
    """Escape ``value`` for use inside a double-quoted XML attribute."""
    return str(value).translate(_ESCAPES)


def element(tag: str, attrs: Sequence[tuple[str, object]], *, close: bool = True) -> str:
    """One start tag (``close=False``) or empty-element tag, attributes in the given order."""
    text = "".join(f' {key}="{xml_attr(value)}"' for key, value in attrs)
    return f"<{tag}{text}{'/' if close else ''}>"


def check_volume_format(zip_format: str) -> None:
    """Raise ``ValueError`` unless ``zip_format`` is a volume data format real servers write."""
    if zip_format not in VOLUME_FORMATS:
        raise ValueError(f"zip_format must be one of {VOLUME_FORMATS}, not {zip_format!r}")


def default_volume_locations(layers: Sequence[str]) -> dict[str, str]:
    """The data zip name of each volume layer in a download: ``data_<layer>.zip`` or
    ``data_<i>_<layer>.zip`` when there are several layers."""
    if len(layers) == 1:
        return {layers[0]: f"data_{layers[0]}.zip"}
    return {layer: f"data_{index}_{layer}.zip" for index, layer in enumerate(layers)}


def render_nml(
    content: AnnotationContent,
    *,
    volume_locations: Mapping[str, str | None] | None = None,
    zip_format: str | None = "wkw",
) -> bytes:
    """Render the NML of ``content``: a few trees with nodes, edges, metadata, branchpoints,
    comments and nested groups, plus one ``<volume>`` per volume layer.

    ``volume_locations`` maps a layer name to the data zip its ``<volume location=...>`` names;
    a layer missing from the mapping or mapped to ``None`` gets no ``location``. By default the
    locations are the data zip names of a full download. ``zip_format`` is the ``format`` of each
    volume (``"wkw"`` or ``"zarr3"``; ``None``: no ``format``, as without volume data).
    """
    if zip_format is not None:
        check_volume_format(zip_format)
    layers = content.volume_layers
    if volume_locations is None:
        locations: Mapping[str, str | None] = default_volume_locations(layers)
    else:
        locations = volume_locations
    rng = random.Random(content.seed)
    skeleton = _render_skeleton(rng, skeleton_shape(content.seed), content.created_ms)
    lines = [XML_DECLARATION, "<things>\n"]
    lines += render_meta(content)
    lines += render_parameters(
        content,
        active_node_id=skeleton.active_node_id,
        edit_position=skeleton.edit_position,
        user_bounding_boxes=_random_boxes(rng),
    )
    lines += skeleton.lines
    for index, layer in enumerate(layers):
        lines += _render_volume(rng, index, layer, locations.get(layer), zip_format)
    lines.append("</things>\n")
    return "".join(lines).encode()


def render_meta(content: AnnotationContent) -> list[str]:
    """The ``<meta>`` lines real servers write at the top of an NML."""
    commit = f"{random.Random(content.seed ^ 0x5EED).getrandbits(160):040x}"
    pairs = (
        ("writer", WRITER),
        ("writerGitCommit", commit),
        ("timestamp", content.created_ms),
        ("annotationId", content.annotation_id),
        ("username", content.username),
    )
    return [f"  {element('meta', (('name', n), ('content', c)))}\n" for n, c in pairs]


def render_parameters(
    content: AnnotationContent,
    *,
    active_node_id: int,
    edit_position: tuple[int, int, int],
    user_bounding_boxes: Sequence[tuple[int, int, int, int]] = (),
) -> list[str]:
    """The ``<parameters>`` section. Each user bounding box is ``(x, y, z, edge length)``."""
    x, y, z = edit_position
    lines = [
        "  <parameters>\n",
        "    "
        + element(
            "experiment",
            (
                ("name", content.dataset),
                ("organization", content.organization),
                ("description", ""),
            ),
        )
        + "\n",
        '    <scale x="11.24" y="11.24" z="28.0" unit="nanometer"/>\n',
        '    <offset x="0" y="0" z="0"/>\n',
        f'    <time ms="{content.created_ms}"/>\n',
        f'    <editPosition x="{x}" y="{y}" z="{z}"/>\n',
        '    <editRotation xRot="0.0" yRot="0.0" zRot="0.0"/>\n',
        '    <zoomLevel zoom="1.0"/>\n',
        f'    <taskBoundingBox topLeftX="{x - 256}" topLeftY="{y - 256}" topLeftZ="{z - 64}"'
        ' width="512" height="512" depth="128"/>\n',
    ]
    for box_id, (bx, by, bz, edge) in enumerate(user_bounding_boxes, start=1):
        lines.append(
            f'    <userBoundingBox id="{box_id}" name="Bounding box {box_id}" isVisible="true"'
            f' color.r="1.0" color.g="0.0" color.b="0.0" color.a="1.0" topLeftX="{bx}"'
            f' topLeftY="{by}" topLeftZ="{bz}" width="{edge}" height="{edge}" depth="{edge}"/>\n'
        )
    lines += [f'    <activeNode id="{active_node_id}"/>\n', "  </parameters>\n"]
    return lines


def node_line(
    node_id: int | str, x: int, y: int, z: int, radius: float, time_ms: int, vp: int
) -> str:
    """One ``<node .../>`` line with every attribute real servers write."""
    return (
        f'      <node id="{node_id}" radius="{radius:.1f}" x="{x}" y="{y}" z="{z}"'
        f' rotX="0.0" rotY="0.0" rotZ="0.0" inVp="{vp}" inMag="0" bitDepth="8"'
        f' interpolation="{"true" if vp % 2 else "false"}" time="{time_ms}"/>\n'
    )


def thing_open(
    tree_id: int, name: str, color: tuple[float, float, float], group_id: int | None
) -> str:
    """The start tag of one tree."""
    attrs: list[tuple[str, object]] = [
        ("id", tree_id),
        ("color.r", f"{color[0]:.3f}"),
        ("color.g", f"{color[1]:.3f}"),
        ("color.b", f"{color[2]:.3f}"),
        ("color.a", "1.0"),
        ("name", name),
        ("isVisible", "true"),
    ]
    if group_id is not None:
        attrs.append(("groupId", group_id))
    return f"  {element('thing', attrs, close=False)}\n"


@dataclass
class _Skeleton:
    lines: list[str]
    active_node_id: int
    edit_position: tuple[int, int, int]


def below_function(rng: random.Random) -> Callable[[int], int]:
    """A fast ``rng.randrange(n)`` for ``n > 0``, drawing exactly the same numbers.

    ``randint(a, b)`` is ``a + randrange(b - a + 1)`` and ``randrange(n)`` takes ``k =
    n.bit_length()`` random bits until they are below ``n`` (CPython's ``_randbelow``); doing that
    directly skips three layers of argument checks in the per-node loop. The tests compare both.
    """
    getrandbits = rng.getrandbits

    def below(n: int) -> int:
        k = n.bit_length()
        r = getrandbits(k)
        while r >= n:
            r = getrandbits(k)
        return r

    return below


@functools.lru_cache(maxsize=1 << 14)
def skeleton_shape(seed: int) -> tuple[int, ...]:
    """The node count of each tree a rendered NML of ``seed`` holds.

    Drawn from a generator of its own, so :func:`seeded_skeleton_stats` knows the counts without
    rendering (annotation JSON reports them on every listing).
    """
    rng = random.Random(f"skeleton-shape/{seed}")
    return tuple(rng.randint(6, 32) for _ in range(rng.randint(3, 6)))


@functools.lru_cache(maxsize=1 << 14)
def seeded_skeleton_stats(seed: int) -> SkeletonStats:
    """The skeleton statistics of the NML :func:`render_nml` renders for ``seed``: each tree
    connects its nodes with one edge fewer than it has nodes, plus ``BRANCHPOINTS`` branchpoints."""
    shape = skeleton_shape(seed)
    nodes = sum(shape)
    return SkeletonStats(len(shape), nodes, nodes - len(shape), BRANCHPOINTS)


def _render_skeleton(rng: random.Random, shape: Sequence[int], created_ms: int) -> _Skeleton:
    below = below_function(rng)
    draw = rng.random
    group_lines, group_ids = _render_groups(rng)
    lines: list[str] = []
    all_nodes: list[int] = []
    next_node = 1
    time_ms = created_ms
    first_position = (0, 0, 0)
    for tree_id, count in enumerate(shape, start=1):
        ids = list(range(next_node, next_node + count))
        next_node += count
        group = rng.choice(group_ids) if group_ids and rng.random() < 0.7 else None
        color = (rng.random(), rng.random(), rng.random())
        name = f"{rng.choice(_TREE_NAMES)}_{tree_id:03d}"
        lines.append(thing_open(tree_id, name, color, group))
        lines.append("    <nodes>\n")
        x, y, z = rng.randint(2000, 9000), rng.randint(2000, 9000), rng.randint(100, 3000)
        if tree_id == 1:
            first_position = (x, y, z)
        for node_id in ids:
            # rng.randint(-40, 40) twice, randint(-8, 8), randint(200, 5000),
            # uniform(20.0, 400.0) and randrange(4), drawn as those would draw them
            x += -40 + below(81)
            y += -40 + below(81)
            z += -8 + below(17)
            time_ms += 200 + below(4801)
            radius = 20.0 + (400.0 - 20.0) * draw()
            lines.append(node_line(node_id, x, y, z, radius, time_ms, below(4)))
        lines.append("    </nodes>\n    <edges>\n")
        for index in range(1, count):
            parent = index - 1 if draw() < 0.85 else below(index)
            lines.append(f'      <edge source="{ids[parent]}" target="{ids[index]}"/>\n')
        lines.append("    </edges>\n")
        lines += _render_tree_metadata(rng, tree_id)
        lines.append("  </thing>\n")
        all_nodes += ids
    lines.append("  <branchpoints>\n")
    for node_id in sorted(rng.sample(all_nodes, BRANCHPOINTS)):
        lines.append(f'    <branchpoint id="{node_id}" time="{created_ms + node_id * 1000}"/>\n')
    lines.append("  </branchpoints>\n  <comments>\n")
    for node_id in sorted(rng.sample(all_nodes, 4)):
        text = rng.choice(_COMMENT_TEXTS)
        lines.append(f"    {element('comment', (('node', node_id), ('content', text)))}\n")
    lines.append("  </comments>\n")
    lines += group_lines
    return _Skeleton(lines, rng.choice(all_nodes), first_position)


def _render_tree_metadata(rng: random.Random, tree_id: int) -> list[str]:
    entries = [
        element("metadataEntry", (("key", "cellType"), ("stringValue", rng.choice(_TREE_NAMES)))),
        element("metadataEntry", (("key", "confidence"), ("numberValue", f"{rng.random():.3f}"))),
        element(
            "metadataEntry",
            (("key", "tags"), ("stringListValue-0", "proofread"), ("stringListValue-1", tree_id)),
        ),
    ]
    chosen = entries[: rng.randint(0, len(entries))]
    if not chosen:
        return []
    return ["    <metadata>\n", *(f"      {entry}\n" for entry in chosen), "    </metadata>\n"]


def _render_groups(rng: random.Random) -> tuple[list[str], list[int]]:
    """Two or three top-level groups, some with nested groups; returns lines and all group ids."""
    lines = ["  <groups>\n"]
    ids: list[int] = []
    next_id = 1
    for _ in range(rng.randint(2, 3)):
        group_id, next_id = next_id, next_id + 1
        ids.append(group_id)
        children = rng.randint(0, 2)
        attrs = (("id", group_id), ("name", rng.choice(_GROUP_NAMES)), ("isExpanded", "true"))
        lines.append(f"    {element('group', attrs, close=children == 0)}\n")
        for _ in range(children):
            child_id, next_id = next_id, next_id + 1
            ids.append(child_id)
            child = (("id", child_id), ("name", rng.choice(_GROUP_NAMES)), ("isExpanded", "false"))
            lines.append(f"      {element('group', child)}\n")
        if children:
            lines.append("    </group>\n")
    lines.append("  </groups>\n")
    return lines, ids


def _random_boxes(rng: random.Random) -> list[tuple[int, int, int, int]]:
    return [
        (rng.randint(0, 8000), rng.randint(0, 8000), rng.randint(0, 2000), rng.choice((64, 128)))
        for _ in range(rng.randint(1, 2))
    ]


def _render_volume(
    rng: random.Random, index: int, layer: str, location: str | None, zip_format: str | None
) -> list[str]:
    largest = rng.randint(100, 50_000)
    attrs: list[tuple[str, object]] = [("id", index), ("name", layer)]
    if location is not None:
        attrs.append(("location", location))
    attrs.append(("fallbackLayer", "segmentation"))
    if zip_format is not None:
        attrs.append(("format", zip_format))
    attrs.append(("largestSegmentId", largest))
    lines = [f"  {element('volume', attrs, close=False)}\n", "    <segments>\n"]
    for segment_id in sorted(rng.sample(range(1, largest + 1), 3)):
        segment = (
            ("id", segment_id),
            ("name", f"Segment {segment_id}"),
            ("anchorPositionX", rng.randint(0, 9000)),
            ("anchorPositionY", rng.randint(0, 9000)),
            ("anchorPositionZ", rng.randint(0, 3000)),
            ("created", 1_600_000_000_000 + segment_id),
            ("color.r", f"{rng.random():.3f}"),
            ("color.g", f"{rng.random():.3f}"),
            ("color.b", f"{rng.random():.3f}"),
            ("color.a", "1.0"),
        )
        lines.append(f"      {element('segment', segment)}\n")
    lines += ["    </segments>\n", "  </volume>\n"]
    return lines
