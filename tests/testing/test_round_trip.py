"""Upload, then download the new annotation: the fake server writes a new file from what it
parsed, as real servers do (what a round trip through a real server gives back).
The content survives, compared with ``wkapi.nml`` (an implementation of its own); the bytes do
not."""

from __future__ import annotations

import io
import time
import tracemalloc
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import aiohttp
import pytest

from tests.testing.helpers import Api, Reply
from wkapi.nml import assert_same_content, compare_content, read_content
from wkapi.testing._content import (
    DownloadHeader,
    SyntheticBody,
    UploadedFile,
    read_uploads,
    write_download,
)

MIB = 1 << 20

# An NML from some other writer: meta lines of its own, attributes left out, a task bounding
# box, an empty metadata element, groups without isExpanded, numbers written in other ways.
UPLOADED_NML = """<?xml version="1.0" encoding="UTF-8"?>
<things>
  <meta name="writer" content="my_pipeline.py"/>
  <meta name="annotationId" content="0123456789abcdef01234567"/>
  <parameters>
    <experiment name="l4_sample"/>
    <scale x="11.24" y="11.24" z="28"/>
    <taskBoundingBox topLeftX="0" topLeftY="0" topLeftZ="0" width="100" height="200" depth="50"/>
    <userBoundingBox id="4" name="mine" isVisible="false" color.r="0" color.g="1" color.b="0"
                     color.a="1" topLeftX="5" topLeftY="6" topLeftZ="7" width="8" height="9"
                     depth="10"/>
  </parameters>
  <thing id="3" name="axon &amp; dendrite" color.r="0.5" color.g="0.25" color.b="1.0" color.a="1"
         groupId="7">
    <nodes>
      <node id="10" x="100" y="200" z="30" radius="12.5" rotX="1.0" rotY="2" rotZ="3"
            inVp="2" inMag="1" bitDepth="8" interpolation="true" time="1500000000000"/>
      <node id="11" x="101.0" y="201" z="31"/>
      <node id="12" x="102" y="202" z="32" radius="3"/>
    </nodes>
    <edges>
      <edge source="10" target="11"/>
      <edge source="11" target="12"/>
    </edges>
    <metadata>
      <metadataEntry key="cellType" stringValue="pyramidal"/>
      <metadataEntry key="confidence" numberValue="0.5"/>
    </metadata>
  </thing>
  <thing id="5" name="lonely">
    <nodes>
      <node id="20" x="1" y="2" z="3"/>
    </nodes>
    <edges/>
    <metadata/>
  </thing>
  <branchpoints>
    <branchpoint id="11" time="1500000001000"/>
  </branchpoints>
  <comments>
    <comment node="10" content="soma &lt;check&gt;"/>
    <comment node="20" content="lonely one"/>
  </comments>
  <groups>
    <group id="6" name="cells">
      <group id="7" name="axons"/>
    </group>
  </groups>
</things>
"""


def volume_nml(*layers: tuple[str, str | None]) -> str:
    """The NML above with ``<volume>`` elements: (layer name, location or None)."""
    volumes = []
    for index, (name, location) in enumerate(layers):
        where = f' location="{location}"' if location else ""
        volumes.append(
            f'  <volume id="{index}" name="{name}"{where} fallbackLayer="segmentation"'
            f' format="wkw" largestSegmentId="{40 + index}">\n'
            "    <segments>\n"
            f'      <segment id="{index + 1}" name="cell {index}" anchorPositionX="1"'
            ' anchorPositionY="2" anchorPositionZ="3"><metadata/></segment>\n'
            "    </segments>\n"
            "  </volume>\n"
        )
    return UPLOADED_NML.replace("</things>", "".join(volumes) + "</things>")


def data_zip(seed: int) -> bytes:
    """A small volume data ZIP as a client might pack it (its own timestamps and order)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("1/header.wkw", b"WKW" + bytes([seed]) * 13)
        archive.writestr(f"1/z0/y0/x{seed}.wkw", bytes(range(256)) * (seed + 1))
        archive.writestr("2-2-1/header.wkw", b"WKW" + bytes([seed + 1]) * 13)
    return buffer.getvalue()


def zipped(entries: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


async def round_trip(api: Api, filename: str, data: bytes, **params: str) -> tuple[str, Reply]:
    form = aiohttp.FormData()
    form.add_field("createGroupForEachFile", "true")
    form.add_field("file", data, filename=filename)
    reply = await api.post("/annotations/upload", data=form, role="user")
    assert reply.status == 200, reply.text
    annotation_id = str(reply.json()["annotation"]["id"])
    download = await api.get(
        f"/annotations/Explorational/{annotation_id}/download", role="user", params=params
    )
    assert download.status == 200
    return annotation_id, download


def nml_of(download: Reply) -> ElementTree.Element:
    if download.content_type == "application/xml":
        return ElementTree.fromstring(download.body)
    with zipfile.ZipFile(io.BytesIO(download.body)) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".nml")]
        return ElementTree.fromstring(archive.read(name))


async def test_an_nml_comes_back_with_its_content_in_a_new_file(any_api: Api) -> None:
    server = any_api.server
    new = server.release == "25.01"
    annotation_id, download = await round_trip(any_api, "cell.nml", UPLOADED_NML.encode())

    assert download.content_type == "application/xml"
    assert download.headers["Content-Disposition"] == 'attachment;filename="cell.nml"'
    assert download.body != UPLOADED_NML.encode()
    comparison = assert_same_content(UPLOADED_NML.encode(), download.body)
    assert comparison.compared["nodes"] == 4
    assert comparison.compared["bounding boxes"] == 2
    root = nml_of(download)
    meta = {m.get("name"): m.get("content") for m in root.iter("meta")}
    assert set(meta) == {"writer", "writerGitCommit", "timestamp", "annotationId", "username"}
    assert meta["annotationId"] == annotation_id != "0123456789abcdef01234567"
    assert meta["writer"] != "my_pipeline.py"
    # the writer fills what the upload left out
    experiment = root.find("parameters/experiment")
    assert experiment is not None
    assert experiment.get("organization") == server.organization
    assert experiment.get("description") == ""
    assert experiment.get("wkUrl") == server.url
    assert (experiment.get("datasetId") is not None) is new
    for element in ("editPosition", "editRotation", "zoomLevel", "offset", "time"):
        assert root.find(f"parameters/{element}") is not None, element
    node_keys = {"id", "x", "y", "z", "radius", "rotX", "rotY", "rotZ", "inVp", "inMag",
                 "bitDepth", "interpolation", "time"}  # fmt: skip
    assert all(set(node.attrib) == node_keys for node in root.iter("node"))
    # the task bounding box is one more user bounding box
    assert root.find("parameters/taskBoundingBox") is None
    boxes = [
        (b.get("topLeftX"), b.get("width"), b.get("height"), b.get("depth"))
        for b in root.iter("userBoundingBox")
    ]
    assert sorted(boxes) == [("0", "100", "200", "50"), ("5", "8", "9", "10")]
    # an empty metadata element is dropped; newer writers add isVisible and isExpanded
    lonely = next(t for t in root.iter("thing") if t.get("name") == "lonely")
    assert lonely.find("metadata") is None
    assert all((t.get("isVisible") is not None) is new for t in root.iter("thing"))
    assert all((g.get("isExpanded") is not None) is new for g in root.iter("group"))
    assert server.state.annotations[annotation_id].content_stats is not None


async def test_what_changed_in_transit_is_found(api: Api) -> None:
    """The comparison is no rubber stamp: a node moved, a comment lost, an edge added."""
    _, download = await round_trip(api, "cell.nml", UPLOADED_NML.encode())
    changed = (
        download.body.replace(b'x="101"', b'x="999"')
        .replace(b"lonely one", b"someone")
        .replace(b"</edges>", b'<edge source="10" target="12"/></edges>', 1)
    )
    comparison = compare_content(UPLOADED_NML.encode(), changed)
    assert not comparison.ok
    text = "\n".join(comparison.differences)
    assert "node 11: position" in text
    assert "comments: missing" in text
    assert "tree 3 edges: unexpected" in text


async def test_times_come_back_to_the_millisecond(api: Api) -> None:
    """The fake stores and writes epoch-millisecond times as integers, so odd milliseconds
    survive, and the comparison notices a single millisecond lost in transit."""
    uploaded = UPLOADED_NML.replace('time="1500000000000"', 'time="1712345678901"').replace(
        'time="1500000001000"', 'time="1712345679999"'
    )
    _, download = await round_trip(api, "cell.nml", uploaded.encode())
    assert b'time="1712345678901"' in download.body
    assert b'time="1712345679999"' in download.body
    assert_same_content(uploaded.encode(), download.body)
    shifted = download.body.replace(b'time="1712345678901"', b'time="1712345678902"')
    shifted = shifted.replace(b'time="1712345679999"', b'time="1712345679000"')
    differences = compare_content(uploaded.encode(), shifted).differences
    assert "node 10: time 1712345678901.0 became 1712345678902.0" in differences
    assert "branchpoint 11: time 1712345679999 became 1712345679000" in differences


@pytest.mark.parametrize(
    ("layers", "expected_names"),
    [
        ({"Painted": "my volume data.zip"}, ["data_Painted.zip"]),
        (
            {"Painted": "layer_a.zip", "Cells": "nested/layer_b.zip"},
            ["data_0_Painted.zip", "data_1_Cells.zip"],
        ),
    ],
    ids=["one layer", "two layers"],
)
async def test_a_zip_with_volume_layers_comes_back_repacked(
    any_api: Api, layers: dict[str, str], expected_names: list[str]
) -> None:
    nml = volume_nml(*((name, Path(location).name) for name, location in layers.items()))
    entries: dict[str, bytes | str] = {"upload/my.nml": nml}
    for index, location in enumerate(layers.values()):
        # beside the NML, where its location names it
        entries[f"upload/{Path(location).name}"] = data_zip(index + 1)
    uploaded = zipped(entries)
    annotation_id, download = await round_trip(any_api, "bundle.zip", uploaded)

    assert download.content_type == "application/zip"
    assert download.body != uploaded
    comparison = assert_same_content(uploaded, download.body)
    assert comparison.compared["volume layers"] == len(layers)
    assert comparison.compared["volume data files"] == 3 * len(layers)
    with zipfile.ZipFile(io.BytesIO(download.body)) as archive:
        names = archive.namelist()
        assert names == ["bundle.nml", *expected_names]
        for index, name in enumerate(expected_names):
            repacked = archive.read(name)
            assert repacked != data_zip(index + 1)  # re-packed: same files, other bytes
    root = nml_of(download)
    volumes = root.findall("volume")
    assert [v.get("location") for v in volumes] == expected_names
    assert [v.get("format") for v in volumes] == ["wkw"] * len(layers)
    assert all(v.find("segments/segment/metadata") is None for v in volumes)
    new = any_api.server.release == "25.01"
    assert all((v.find("groups") is not None) is new for v in volumes)
    assert read_content(download.body).annotation_id == annotation_id
    info = await any_api.get(f"/annotations/Explorational/{annotation_id}/info?timestamp=1")
    volume_layers = [l["name"] for l in info.json()["annotationLayers"] if l["typ"] == "Volume"]  # noqa: E741
    assert volume_layers == list(layers)


async def test_skipping_volume_data_leaves_the_nml_without_location_and_format(api: Api) -> None:
    uploaded = zipped({"my.nml": volume_nml(("Painted", "data.zip")), "data.zip": data_zip(1)})
    _, download = await round_trip(api, "bundle.zip", uploaded, skipVolumeData="true")
    assert download.content_type == "application/zip"
    with zipfile.ZipFile(io.BytesIO(download.body)) as archive:
        assert archive.namelist() == ["bundle.nml"]
    (volume,) = nml_of(download).findall("volume")
    assert volume.get("location") is None
    assert volume.get("format") is None
    assert volume.get("name") == "Painted"
    comparison = compare_content(uploaded, download.body)
    assert comparison.differences == ("volume layer 'Painted': the data is missing",)


async def test_a_skeleton_only_zip_comes_back_as_a_plain_nml(api: Api) -> None:
    uploaded = zipped({"inner/cell.nml": UPLOADED_NML})
    _, download = await round_trip(api, "cell.zip", uploaded)
    assert download.content_type == "application/xml"
    assert download.headers["Content-Disposition"] == 'attachment;filename="cell.nml"'
    assert_same_content(uploaded, download.body)


def test_a_large_upload_is_parsed_and_written_with_flat_memory(tmp_path: Path) -> None:
    """A 48 MiB NML: the parse keeps nodes as records on disk and the writer reads them back a
    chunk at a time, so neither holds the file (nor a node object per node)."""
    body = SyntheticBody(48 * MIB, "nml", seed=3, dataset="l4_sample")
    source = tmp_path / "large.nml"
    with source.open("wb") as out:
        for chunk in body.chunks():
            out.write(chunk)
    header = DownloadHeader("64c000000000000000000001", "A B", 1, "org", "http://wk", "c", "n")
    dest = tmp_path / "written.nml"
    tracemalloc.start()
    try:
        started = time.perf_counter()
        stored = read_uploads(
            [UploadedFile(source, "large.nml")],
            tmp_path / "content",
            group_per_file=False,
            now_ms=1,
        )
        parsed = time.perf_counter()
        write_download(stored, header, dest)
        written = time.perf_counter()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    print(
        f"\n{body.skeleton_stats().node_count} nodes: parse {48 / (parsed - started):.0f} MiB/s,"
        f" write {48 / (written - parsed):.0f} MiB/s, peak {peak / MIB:.1f} MiB"
    )
    assert stored.stats == body.skeleton_stats()
    assert peak < 12 * MIB
    assert (tmp_path / "content" / "nodes.bin").stat().st_size < source.stat().st_size
    with dest.open("rb") as handle:
        tail = handle.read()[-200:]
    assert tail.endswith(b"</things>\n")


@pytest.mark.parametrize(
    ("node", "reason"),
    [
        ('id="99999999999999999999999" x="1" y="2" z="3"', "out of range"),
        ('id="1" x="1" y="2" z="3" inVp="99999999999"', "out of range"),
        ('id="1" x="west" y="2" z="3"', "invalid x 'west'"),
        ('id="1" y="2" z="3"', "missing x"),
        ('id="1" x="1" y="2" z="3" time="nan"', "invalid time 'nan'"),
    ],
)
async def test_a_value_no_server_would_store_is_a_400_naming_it(
    api: Api, node: str, reason: str
) -> None:
    text = (
        '<things><parameters><experiment name="l4_sample"/></parameters>'
        f'<thing id="1"><nodes><node {node}/></nodes></thing></things>'
    )
    form = aiohttp.FormData()
    form.add_field("createGroupForEachFile", "false")
    form.add_field("file", text.encode(), filename="odd.nml")
    before = len(api.server.state.annotations)
    reply = await api.post("/annotations/upload", data=form, role="user")
    assert reply.status == 400
    (message,) = reply.json()["messages"]
    assert message["error"].startswith("Could not parse file: odd.nml: node ")
    assert reason in message["error"]
    assert len(api.server.state.annotations) == before
    assert not list(api.server._ctx.temp_dir.glob("content-*"))
