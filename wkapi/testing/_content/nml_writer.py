"""Writing the download of a stored (uploaded or merged) annotation: a new file, as a server
writes one from its records, never the bytes that were uploaded.

The layout is the server writer's: its own ``<meta>`` lines (writer, commit, timestamp, the
downloaded annotation's id, user name), ``<parameters>`` with what the upload left out filled
in (description, organization, ``wkUrl``, on newer servers ``datasetId``; the dataset's voxel
size), every node attribute written (missing ones were filled when parsing), the uploaded task
bounding box as one more user bounding box. Newer servers' writer also writes tree
``isVisible``, group ``isExpanded`` and ``<groups>`` inside ``<volume>``. Empty metadata is
left out. With volume layers the download is a ZIP of the NML and one re-packed data ZIP per
layer, named ``data_<layer>.zip`` (several: ``data_<i>_<layer>.zip``); skipping volume data
leaves only the NML, whose volumes have neither ``location`` nor ``format``.

Nodes and edges are read from the content's record files a chunk at a time, so writing the
download of a large annotation takes flat memory.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from .nml import WRITER, XML_DECLARATION, default_volume_locations, element
from .stored import EDGE_RECORD, NODE_RECORD, Attributes, Group, StoredContent, Volume
from .zip import write_zip

_RECORDS_PER_READ = 8192
_XML = "application/xml"
_ZIP = "application/zip"


@dataclass(frozen=True)
class DownloadHeader:
    """What the server's writer says about a download: the downloaded annotation and its
    owner, when it was written, the server, and which generation's writer writes it."""

    annotation_id: str
    username: str
    timestamp_ms: int
    organization: str
    wk_url: str
    writer_commit: str
    nml_name: str
    """The NML's name inside a ZIP download (``<name>.nml``)."""
    newer: bool = True
    dataset_id: str | None = None
    voxel_size: tuple[float, float, float] = (11.24, 11.24, 28.0)


def write_download(
    content: StoredContent, header: DownloadHeader, dest: Path, *, skip_volume_data: bool = False
) -> str:
    """Write what ``GET /annotations/:typ/:id/download`` sends to ``dest``; return its content
    type: ``application/xml`` (skeleton only) or ``application/zip`` (with volume layers)."""
    if not content.volumes:
        with _text_file(dest) as out:
            write_nml(content, header, out)
        return _XML
    names = content.volume_names
    locations = {} if skip_volume_data else default_volume_locations(names)
    nml_path = dest.with_name(dest.name + ".nml-part")
    try:
        with _text_file(nml_path) as out:
            write_nml(content, header, out, locations=locations, formats=not skip_volume_data)
        entries: list[tuple[str, Path | bytes]] = [(header.nml_name, nml_path)]
        if not skip_volume_data:
            entries += [
                (locations[volume.name], volume.data if volume.data is not None else _EMPTY_ZIP)
                for volume in content.volumes
            ]
        with dest.open("wb") as handle:
            write_zip(entries, handle)
    finally:
        nml_path.unlink(missing_ok=True)
    return _ZIP


def _text_file(path: Path) -> IO[str]:
    return path.open("w", encoding="utf-8", newline="\n", buffering=1 << 20)


def _empty_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w"):
        pass
    return buffer.getvalue()


_EMPTY_ZIP = _empty_zip()


def write_nml(
    content: StoredContent,
    header: DownloadHeader,
    out: IO[str],
    *,
    locations: Mapping[str, str] | None = None,
    formats: bool = True,
) -> None:
    """Write the NML of ``content`` to ``out``. A volume gets ``location="..."`` from
    ``locations`` (none when it is not there) and its ``format`` only with ``formats``."""
    out.write(XML_DECLARATION + "<things>\n")
    out.writelines(_meta(header))
    out.writelines(_parameters(content, header))
    _write_trees(content, header, out)
    out.write("  <branchpoints>\n")
    out.writelines(
        f"    {element('branchpoint', (('id', node), ('time', time)))}\n"
        for node, time in content.branchpoints
    )
    out.write("  </branchpoints>\n  <comments>\n")
    out.writelines(
        f"    {element('comment', (('node', node), ('content', text)))}\n"
        for node, text in content.comments
    )
    out.write("  </comments>\n  <groups>\n")
    out.writelines(_groups(content.groups, "    ", header.newer))
    out.write("  </groups>\n")
    for index, volume in enumerate(content.volumes):
        location = (locations or {}).get(volume.name)
        out.writelines(_volume(index, volume, location, formats, header.newer))
    out.write("</things>\n")


def _meta(header: DownloadHeader) -> list[str]:
    pairs = (
        ("writer", WRITER),
        ("writerGitCommit", header.writer_commit),
        ("timestamp", header.timestamp_ms),
        ("annotationId", header.annotation_id),
        ("username", header.username),
    )
    return [f"  {element('meta', (('name', n), ('content', c)))}\n" for n, c in pairs]


def _number(value: float) -> int | float:
    """Integral values as integers (positions are integers on a server)."""
    return int(value) if value.is_integer() else value


def _parameters(content: StoredContent, header: DownloadHeader) -> list[str]:
    p = content.parameters
    experiment: list[tuple[str, object]] = [
        ("name", p.dataset),
        ("description", p.description),
        ("organization", header.organization),
        ("wkUrl", header.wk_url),
    ]
    if header.newer and header.dataset_id is not None:
        experiment.append(("datasetId", header.dataset_id))
    vx, vy, vz = header.voxel_size
    ox, oy, oz = (_number(v) for v in p.offset)
    ex, ey, ez = (_number(v) for v in p.edit_position)
    rx, ry, rz = p.edit_rotation
    lines = [
        "  <parameters>\n",
        f"    {element('experiment', experiment)}\n",
        f'    <scale x="{vx}" y="{vy}" z="{vz}" unit="nanometer"/>\n',
        f'    <offset x="{ox}" y="{oy}" z="{oz}"/>\n',
        f'    <time ms="{p.time_ms}"/>\n',
        f'    <editPosition x="{ex}" y="{ey}" z="{ez}"/>\n',
        f'    <editRotation xRot="{rx}" yRot="{ry}" zRot="{rz}"/>\n',
        f'    <zoomLevel zoom="{p.zoom_level}"/>\n',
    ]
    for box in content.bounding_boxes:
        x, y, z = box.top_left
        width, height, depth = box.size
        r, g, b, a = box.color
        attrs: list[tuple[str, object]] = [
            ("id", box.id),
            ("name", box.name),
            ("isVisible", _bool(box.is_visible)),
            ("color.r", r),
            ("color.g", g),
            ("color.b", b),
            ("color.a", a),
            ("topLeftX", x),
            ("topLeftY", y),
            ("topLeftZ", z),
            ("width", width),
            ("height", height),
            ("depth", depth),
        ]
        lines.append(f"    {element('userBoundingBox', attrs)}\n")
    if p.active_node is not None:
        lines.append(f'    <activeNode id="{p.active_node}"/>\n')
    lines.append("  </parameters>\n")
    return lines


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _write_trees(content: StoredContent, header: DownloadHeader, out: IO[str]) -> None:
    with content.nodes_path.open("rb") as nodes, content.edges_path.open("rb") as edges:
        for tree in content.trees:
            attrs: list[tuple[str, object]] = [("id", tree.id)]
            if tree.color is not None:
                r, g, b, a = tree.color
                attrs += [("color.r", r), ("color.g", g), ("color.b", b), ("color.a", a)]
            attrs.append(("name", tree.name))
            if tree.group_id is not None:
                attrs.append(("groupId", tree.group_id))
            visible = tree.is_visible if tree.is_visible is not None or not header.newer else True
            if visible is not None:
                attrs.append(("isVisible", _bool(visible)))
            if tree.type is not None:
                attrs.append(("type", tree.type))
            if tree.edges_are_visible is not None:
                attrs.append(("edgesAreVisible", _bool(tree.edges_are_visible)))
            out.write(f"  {element('thing', attrs, close=False)}\n    <nodes>\n")
            for lines in _node_lines(nodes, tree.node_count):
                out.write(lines)
            out.write("    </nodes>\n    <edges>\n")
            for lines in _edge_lines(edges, tree.edge_count):
                out.write(lines)
            out.write("    </edges>\n")
            if tree.metadata:
                out.write("    <metadata>\n")
                out.writelines(f"      {_entry(entry)}\n" for entry in tree.metadata)
                out.write("    </metadata>\n")
            out.write("  </thing>\n")


def _records(source: IO[bytes], size: int, count: int) -> Iterator[bytes]:
    """``count`` records of ``size`` bytes from ``source``, a chunk of them at a time."""
    while count > 0:
        take = min(count, _RECORDS_PER_READ)
        data = source.read(take * size)
        if len(data) != take * size:
            raise ValueError("the stored records end early")
        yield data
        count -= take


def _node_lines(source: IO[bytes], count: int) -> Iterator[str]:
    for data in _records(source, NODE_RECORD.size, count):
        yield "".join(
            f'      <node id="{node_id}" radius="{radius}" x="{_number(x)}" y="{_number(y)}"'
            f' z="{_number(z)}" rotX="{rot_x}" rotY="{rot_y}" rotZ="{rot_z}" inVp="{viewport}"'
            f' inMag="{mag}" bitDepth="{bit_depth}"'
            f' interpolation="{"true" if interpolation else "false"}" time="{time}"/>\n'
            for (
                node_id,
                x,
                y,
                z,
                radius,
                rot_x,
                rot_y,
                rot_z,
                viewport,
                mag,
                bit_depth,
                interpolation,
                time,
            ) in NODE_RECORD.iter_unpack(data)
        )


def _edge_lines(source: IO[bytes], count: int) -> Iterator[str]:
    for data in _records(source, EDGE_RECORD.size, count):
        yield "".join(
            f'      <edge source="{edge_source}" target="{target}"/>\n'
            for edge_source, target in EDGE_RECORD.iter_unpack(data)
        )


def _entry(attributes: Attributes) -> str:
    return element("metadataEntry", attributes)


def _groups(groups: Sequence[Group], indent: str, newer: bool) -> Iterator[str]:
    for group in groups:
        attrs: list[tuple[str, object]] = [("id", group.id), ("name", group.name)]
        expanded = group.is_expanded if group.is_expanded is not None or not newer else True
        if expanded is not None:
            attrs.append(("isExpanded", _bool(expanded)))
        if not group.children:
            yield f"{indent}{element('group', attrs)}\n"
            continue
        yield f"{indent}{element('group', attrs, close=False)}\n"
        yield from _groups(group.children, indent + "  ", newer)
        yield f"{indent}</group>\n"


def _volume(
    index: int, volume: Volume, location: str | None, formats: bool, newer: bool
) -> Iterator[str]:
    attrs: list[tuple[str, object]] = [("id", index), ("name", volume.name)]
    if location is not None:
        attrs.append(("location", location))
    attrs += volume.attributes
    if formats:
        attrs.append(("format", volume.data_format))
    yield f"  {element('volume', attrs, close=False)}\n"
    yield "    <segments>\n"
    for segment in volume.segments:
        if not segment.metadata:
            yield f"      {element('segment', segment.attributes)}\n"
            continue
        yield f"      {element('segment', segment.attributes, close=False)}\n"
        yield "        <metadata>\n"
        for entry in segment.metadata:
            yield f"          {_entry(entry)}\n"
        yield "        </metadata>\n      </segment>\n"
    yield "    </segments>\n"
    if newer or volume.groups:
        yield "    <groups>\n"
        yield from _groups(volume.groups, "      ", newer)
        yield "    </groups>\n"
    yield "  </volume>\n"
