"""The fake server's files: rendered NMLs, downloads, synthetic bodies, ZIPs, checks, merge."""

from __future__ import annotations

import hashlib
import io
import json
import threading
import time
import tracemalloc
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from xml.etree import ElementTree

import pytest

from tests.testing.helpers import content
from wkapi.testing._content import (
    DownloadHeader,
    NmlError,
    SyntheticBody,
    UploadedFile,
    check_nml_file,
    check_zip_upload,
    nml_file_name,
    read_uploads,
    render_download,
    render_nml,
    seeded_skeleton_stats,
    write_zip,
)
from wkapi.testing._content import synthetic as content_synthetic
from wkapi.testing._content import zip as content_zip
from wkapi.testing._content.nml_writer import write_nml

MIB = 1 << 20
Kind = Literal["nml", "zip"]


@dataclass
class Nml:
    """The facts a test checks, read from a whole NML with ElementTree."""

    root: ElementTree.Element
    trees: list[ElementTree.Element] = field(default_factory=list)
    node_ids: list[int] = field(default_factory=list)

    @classmethod
    def parse(cls, data: bytes) -> Nml:
        root = ElementTree.fromstring(data)
        nml = cls(root, root.findall("thing"))
        nml.node_ids = [int(node.get("id", "")) for node in root.iterfind("thing/nodes/node")]
        return nml

    def group_ids(self) -> list[int]:
        return [int(group.get("id", "")) for group in self.root.iterfind("groups//group")]

    def volumes(self) -> list[ElementTree.Element]:
        return self.root.findall("volume")

    def assert_consistent(self) -> None:
        """Ids unique, and every reference to a node, tree or group names one that exists."""
        assert len(self.node_ids) == len(set(self.node_ids))
        tree_ids = [tree.get("id") for tree in self.trees]
        assert len(tree_ids) == len(set(tree_ids))
        groups = self.group_ids()
        assert len(groups) == len(set(groups))
        nodes = set(self.node_ids)
        for tree in self.trees:
            own = {int(node.get("id", "")) for node in tree.iterfind("nodes/node")}
            for edge in tree.iterfind("edges/edge"):
                assert {int(edge.get("source", "")), int(edge.get("target", ""))} <= own
            if tree.get("groupId") is not None:
                assert int(tree.get("groupId", "")) in groups
        for item in self.root.iterfind("branchpoints/branchpoint"):
            assert int(item.get("id", "")) in nodes
        for item in self.root.iterfind("comments/comment"):
            assert int(item.get("node", "")) in nodes
        active = self.root.find("parameters/activeNode")
        assert active is not None
        assert int(active.get("id", "")) in nodes


def body_bytes(body: SyntheticBody, start: int = 0, chunk_size: int = MIB) -> bytes:
    return b"".join(body.chunks(start, chunk_size))


# --- rendered NMLs --------------------------------------------------------------------------


def test_render_nml_looks_like_a_real_nml() -> None:
    data = render_nml(content())
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<things>')
    assert 3_000 < len(data) < 60_000
    nml = Nml.parse(data)
    meta = {m.get("name"): m.get("content") for m in nml.root.iterfind("meta")}
    assert meta["annotationId"] == "5f0c3a7e1b0000000056fe9b"
    assert meta["username"] == "Ursula Boya"
    assert meta["timestamp"] == "1477666728000"
    assert meta["writer"]
    experiment = nml.root.find("parameters/experiment")
    assert experiment is not None
    assert experiment.get("name") == "2012-06-28_Cortex"
    assert experiment.get("organization") == "Organization_X"
    parameters = {child.tag for child in nml.root.iterfind("parameters/*")}
    assert parameters >= {
        "experiment", "scale", "offset", "time", "editPosition", "editRotation", "zoomLevel",
        "taskBoundingBox", "userBoundingBox", "activeNode",
    }  # fmt: skip
    assert len(nml.trees) >= 3
    node = nml.root.find("thing/nodes/node")
    assert node is not None
    assert set(node.attrib) >= {
        "id", "x", "y", "z", "radius", "rotX", "rotY", "rotZ", "inVp", "inMag", "bitDepth",
        "interpolation", "time",
    }  # fmt: skip
    assert nml.root.findall("branchpoints/branchpoint")
    assert nml.root.findall("comments/comment")
    assert nml.root.findall("groups/group/group"), "groups should nest"
    assert nml.root.findall("thing/metadata/metadataEntry")
    assert not nml.volumes()
    nml.assert_consistent()


def test_render_nml_is_deterministic_per_seed_and_escapes_text() -> None:
    assert render_nml(content(seed=3)) == render_nml(content(seed=3))
    assert render_nml(content(seed=3)) != render_nml(content(seed=4))
    tricky = content(dataset='a&b<"c">', username="Zoë & Co")
    nml = Nml.parse(render_nml(tricky))
    experiment = nml.root.find("parameters/experiment")
    assert experiment is not None
    assert experiment.get("name") == 'a&b<"c">'
    comments = "".join(c.get("content", "") for seed in range(20) for c in _comments(seed))
    assert "&" in comments
    assert '"' in comments


def _comments(seed: int) -> list[ElementTree.Element]:
    return Nml.parse(render_nml(content(seed=seed))).root.findall("comments/comment")


def test_render_nml_is_fast() -> None:
    rendered = [content(seed=seed) for seed in range(100)]
    started = time.perf_counter()
    for item in rendered:
        render_nml(item)
    assert (time.perf_counter() - started) / len(rendered) < 0.005


def test_render_nml_volume_locations_and_format() -> None:
    layers = ("Volume", "Seg")
    default = Nml.parse(render_nml(content(layers=layers)))
    volumes = default.volumes()
    assert [v.get("name") for v in volumes] == ["Volume", "Seg"]
    assert [v.get("id") for v in volumes] == ["0", "1"]
    assert [v.get("location") for v in volumes] == ["data_0_Volume.zip", "data_1_Seg.zip"]
    assert {v.get("format") for v in volumes} == {"wkw"}
    assert {v.get("fallbackLayer") for v in volumes} == {"segmentation"}
    assert all(v.findall("segments/segment") for v in volumes)
    chosen = Nml.parse(
        render_nml(content(layers=layers), volume_locations={"Volume": "x.zip"}, zip_format="zarr3")
    )
    assert [v.get("location") for v in chosen.volumes()] == ["x.zip", None]
    assert {v.get("format") for v in chosen.volumes()} == {"zarr3"}
    with pytest.raises(ValueError, match="zip_format"):
        render_nml(content(), zip_format="n5")


# --- downloads ------------------------------------------------------------------------------


def test_skeleton_download_is_the_nml() -> None:
    body, content_type = render_download(content())
    assert content_type == "application/xml"
    assert body == render_nml(content())


def test_download_with_one_volume_layer(tmp_path: Path) -> None:
    body, content_type = render_download(content(layers=("Volume",)))
    assert content_type == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert archive.testzip() is None
    assert archive.namelist() == ["my annotation.nml", "data_Volume.zip"]
    nml = Nml.parse(archive.read("my annotation.nml"))
    assert [v.get("location") for v in nml.volumes()] == ["data_Volume.zip"]
    inner = zipfile.ZipFile(io.BytesIO(archive.read("data_Volume.zip")))
    assert inner.testzip() is None
    names = inner.namelist()
    assert "1/header.wkw" in names
    assert any(n.startswith("1/z") and n.endswith(".wkw") for n in names)
    assert inner.read("1/header.wkw").startswith(b"WKW")
    path = tmp_path / "download.zip"
    path.write_bytes(body)
    assert check_zip_upload(path) == "2012-06-28_Cortex"


def test_download_with_two_volume_layers_in_zarr3() -> None:
    annotation = content(layers=("Volume", "Seg"))
    body, _ = render_download(annotation, zip_format="zarr3")
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert archive.namelist() == ["my annotation.nml", "data_0_Volume.zip", "data_1_Seg.zip"]
    nml = Nml.parse(archive.read("my annotation.nml"))
    assert [v.get("location") for v in nml.volumes()] == ["data_0_Volume.zip", "data_1_Seg.zip"]
    assert {v.get("format") for v in nml.volumes()} == {"zarr3"}
    first = archive.read("data_0_Volume.zip")
    assert first != archive.read("data_1_Seg.zip")
    inner = zipfile.ZipFile(io.BytesIO(first))
    metadata = json.loads(inner.read("1/zarr.json"))
    assert metadata["zarr_format"] == 3
    assert metadata["node_type"] == "array"
    assert any(name.startswith("1/c/") for name in inner.namelist())
    assert render_download(annotation, zip_format="zarr3") == (body, "application/zip")


def test_download_skipping_volume_data() -> None:
    body, content_type = render_download(content(layers=("Volume", "Seg")), skip_volume_data=True)
    assert content_type == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert archive.namelist() == ["my annotation.nml"]
    volumes = Nml.parse(archive.read("my annotation.nml")).volumes()
    assert len(volumes) == 2
    assert all(v.get("location") is None for v in volumes)
    assert all(v.get("format") is None for v in volumes)  # as real servers answer


def test_nml_file_name_defaults_like_the_server() -> None:
    assert nml_file_name(content()) == "my annotation.nml"
    unnamed = content(name="", username="Úrsula de la Boya")
    assert nml_file_name(unnamed) == "2012-06-28_Cortex__explorational__uboya__56fe9b.nml"


# --- synthetic bodies -----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["nml", "zip"])
def test_synthetic_sizes_are_exact(kind: Kind) -> None:
    minimum = SyntheticBody.minimum_size(kind)
    assert 1024 < minimum < 4096
    for size in (minimum, minimum + 1, minimum + 997, 3 * MIB + 12_345, 2 * MIB + minimum):
        body = SyntheticBody(size, kind, seed=5)
        assert body.size == size
        assert len(body_bytes(body)) == size
    with pytest.raises(ValueError, match=str(minimum)):
        SyntheticBody(minimum - 1, kind, seed=5)


def test_synthetic_minimum_does_not_depend_on_the_seed() -> None:
    kinds: tuple[Kind, ...] = ("nml", "zip")
    for kind in kinds:
        minimum = SyntheticBody.minimum_size(kind)
        for seed in (0, 1, 99, 2**40):
            assert len(body_bytes(SyntheticBody(minimum, kind, seed))) == minimum


def test_synthetic_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="kind"):
        SyntheticBody(10_000, "tar", seed=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="kind"):
        SyntheticBody.minimum_size("tar")  # type: ignore[arg-type]
    body = SyntheticBody(10_000, "nml", seed=1)
    with pytest.raises(ValueError, match="start"):
        body.chunks(10_001)
    with pytest.raises(ValueError, match="chunk_size"):
        body.chunks(0, 0)


@pytest.mark.parametrize("kind", ["nml", "zip"])
def test_synthetic_is_deterministic_and_seeded(kind: Kind) -> None:
    size = 2 * MIB + 4321
    first = body_bytes(SyntheticBody(size, kind, seed=11))
    assert first == body_bytes(SyntheticBody(size, kind, seed=11))
    assert first != body_bytes(SyntheticBody(size, kind, seed=12))
    # every 1 MiB block differs from the others, so a range that is off by a block shows
    assert first[MIB : 2 * MIB] != first[2 * MIB : 3 * MIB]


@pytest.mark.parametrize("kind", ["nml", "zip"])
def test_synthetic_ranges_equal_slices_of_the_full_stream(kind: Kind) -> None:
    size = 3 * MIB + 777
    body = SyntheticBody(size, kind, seed=3)
    full = body_bytes(body)
    for start in (0, 1, 100, 4095, MIB - 1, MIB, MIB + 2_000, 3 * MIB, size - 1, size):
        for chunk_size in (MIB, 65_536, 1000):
            chunks = list(body.chunks(start, chunk_size))
            assert all(0 < len(chunk) <= chunk_size for chunk in chunks)
            assert b"".join(chunks) == full[start:], (start, chunk_size)


def test_synthetic_nml_is_a_well_formed_nml_with_unique_node_ids(tmp_path: Path) -> None:
    body = SyntheticBody(3 * MIB + 999, "nml", seed=8)
    data = body_bytes(body)
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<things>')
    assert data.endswith(b"</things>\n")
    assert body.content_type == "application/xml"
    nml = Nml.parse(data)
    assert nml.root.find("parameters/experiment") is not None
    assert len(nml.trees) == 2
    assert len(nml.node_ids) > 15_000
    nml.assert_consistent()
    path = tmp_path / "synthetic.nml"
    path.write_bytes(data)
    assert check_nml_file(path) == "2012-06-28_Cortex"
    minimum = SyntheticBody.minimum_size("nml", dataset="Zoë")
    other = body_bytes(SyntheticBody(minimum, "nml", 1, dataset="Zoë"))
    assert len(other) == minimum
    path.write_bytes(other)
    assert check_nml_file(path) == "Zoë"


def test_synthetic_zip_opens_and_its_crc_checks_pass(tmp_path: Path) -> None:
    size = 5 * MIB + 3
    body = SyntheticBody(size, "zip", seed=21)
    assert body.content_type == "application/zip"
    data = body_bytes(body)
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    nml_info, data_info = archive.infolist()
    assert nml_info.filename.endswith(".nml")
    assert data_info.compress_type == zipfile.ZIP_STORED
    assert data_info.file_size > size - 4096
    locations = [v.get("location") for v in Nml.parse(archive.read(nml_info)).volumes()]
    assert locations == [data_info.filename]
    path = tmp_path / "synthetic.zip"
    path.write_bytes(data)
    assert check_zip_upload(path) == "2012-06-28_Cortex"


@pytest.mark.parametrize("size_after_minimum", [0, 1, 150, MIB - 1, MIB, MIB + 1, 2 * MIB + 17])
@pytest.mark.parametrize("kind", ["nml", "zip"])
def test_synthetic_skeleton_stats_count_the_generated_nml(
    kind: Kind, size_after_minimum: int
) -> None:
    body = SyntheticBody(SyntheticBody.minimum_size(kind) + size_after_minimum, kind, seed=8)
    data = body_bytes(body)
    if kind == "zip":
        archive = zipfile.ZipFile(io.BytesIO(data))
        data = archive.read(archive.namelist()[0])
    nml = Nml.parse(data)
    stats = body.skeleton_stats()
    assert stats.tree_count == len(nml.trees)
    assert stats.node_count == len(nml.node_ids)
    assert stats.edge_count == len(nml.root.findall("thing/edges/edge"))
    assert stats.branch_point_count == len(nml.root.findall("branchpoints/branchpoint"))


def test_synthetic_zip_names_its_nml_as_told() -> None:
    name = "cells__explorational__aboyd__000042.nml"
    size = SyntheticBody.minimum_size("zip", nml_name=name) + 500
    body = SyntheticBody(size, "zip", seed=3, nml_name=name)
    archive = zipfile.ZipFile(io.BytesIO(body_bytes(body)))
    assert len(body_bytes(body)) == size
    assert archive.namelist() == [name, "data_Volume.zip"]
    assert archive.testzip() is None


def test_seeded_skeleton_stats_count_the_rendered_nml() -> None:
    shapes = set()
    for seed in range(30):
        nml = Nml.parse(render_nml(content(seed=seed)))
        stats = seeded_skeleton_stats(seed)
        assert (stats.tree_count, stats.node_count) == (len(nml.trees), len(nml.node_ids))
        assert stats.edge_count == len(nml.root.findall("thing/edges/edge"))
        assert stats.branch_point_count == len(nml.root.findall("branchpoints/branchpoint"))
        shapes.add(stats)
    assert len(shapes) > 20


@pytest.mark.parametrize("size_after_minimum", [0, 1, 15, 16, 17, MIB - 1, MIB, MIB + 1])
def test_synthetic_zip_crc_at_block_edges(size_after_minimum: int) -> None:
    size = SyntheticBody.minimum_size("zip") + size_after_minimum
    archive = zipfile.ZipFile(io.BytesIO(body_bytes(SyntheticBody(size, "zip", seed=2))))
    assert archive.testzip() is None
    inner = zipfile.ZipFile(io.BytesIO(archive.read(archive.infolist()[1])))
    assert inner.testzip() is None
    assert [(i.filename, i.file_size) for i in inner.infolist()] == [
        ("1/z0/y0/x0.wkw", size_after_minimum)
    ]


def test_synthetic_zip64_records(monkeypatch: pytest.MonkeyPatch) -> None:
    # Real ZIP64 bodies are over 4 GiB; lowering the threshold exercises the same records.
    monkeypatch.setattr(content_synthetic, "ZIP64_FROM_SIZE", 0)
    size = 2 * MIB + 101
    data = body_bytes(SyntheticBody(size, "zip", seed=4))
    assert len(data) == size
    assert b"PK\x06\x06" in data[-200:], "ZIP64 end of central directory record"
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    assert archive.infolist()[1].file_size > 2 * MIB - 4096
    inner = zipfile.ZipFile(io.BytesIO(archive.read(archive.infolist()[1])))
    assert inner.testzip() is None


def test_sha256_matches_the_stream_and_is_shared_across_threads() -> None:
    body = SyntheticBody(4 * MIB + 5, "zip", seed=6)
    expected = hashlib.sha256(body_bytes(body)).hexdigest()
    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(body.sha256())) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [expected] * 4
    assert body.sha256() == expected


def test_synthetic_throughput() -> None:
    """A measurement, printed with -s: the fake server must outrun curl on a 2 GiB download."""
    size = 1 << 30
    kinds: tuple[Kind, ...] = ("nml", "zip")
    for kind in kinds:
        body = SyntheticBody(size, kind, seed=9)
        total = 0
        last = b""
        started = time.perf_counter()
        for chunk in body.chunks():
            total += len(chunk)
            last = chunk
        elapsed = time.perf_counter() - started
        print(f"\nsynthetic {kind}: {size / elapsed / 1e9:.1f} GB/s over {size >> 20} MiB")
        assert total == size
        if kind == "nml":
            assert last.endswith(b"</things>\n")
        else:
            assert last[-22:].startswith(b"PK\x05\x06"), "end of central directory record"
    tail = body_bytes(SyntheticBody(size, "nml", seed=9), size - 100)
    assert tail.endswith(b"</groups>\n</things>\n")


@pytest.mark.parametrize("kind", ["nml", "zip"])
def test_synthetic_stream_memory_is_bounded(kind: Kind) -> None:
    body = SyntheticBody(160 * MIB, kind, seed=13)
    tracemalloc.start()
    try:
        total = sum(len(chunk) for chunk in body.chunks(12_345, 256 * 1024))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert total == 160 * MIB - 12_345
    # a 1 MiB block, the shorter last block cut from one, and a chunk, whatever the size
    assert peak < 3 * MIB, peak


# --- write_zip ------------------------------------------------------------------------------


class _Unseekable(io.RawIOBase):
    """A write-only stream, like a socket or pipe."""

    def __init__(self) -> None:
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b: bytes) -> int:  # type: ignore[override]
        view = memoryview(b)
        self.data += view
        return view.nbytes


def test_write_zip_deflates_small_nmls_and_stores_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = tmp_path / "big.nml"
    big.write_bytes(b"<things>" + b" " * (3 * MIB) + b"</things>")
    data_zip = tmp_path / "data.zip"
    data_zip.write_bytes(bytes(range(256)) * 100)
    monkeypatch.setattr(content_zip, "DEFLATE_MAX_SIZE", 2 * MIB)
    entries: list[tuple[str, Path | bytes]] = [
        ("a.nml", b"<things/>" * 100),
        ("big.nml", big),
        ("data_Volume.zip", data_zip),
    ]
    buffer = io.BytesIO()
    write_zip(entries, buffer)
    archive = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    assert archive.testzip() is None
    types = {info.filename: info.compress_type for info in archive.infolist()}
    assert types == {
        "a.nml": zipfile.ZIP_DEFLATED,
        "big.nml": zipfile.ZIP_STORED,
        "data_Volume.zip": zipfile.ZIP_STORED,
    }
    assert archive.read("big.nml") == big.read_bytes()
    assert archive.read("data_Volume.zip") == data_zip.read_bytes()
    unseekable = _Unseekable()
    write_zip(entries, unseekable)  # type: ignore[arg-type]
    again = io.BytesIO()
    write_zip(entries, again)
    assert again.getvalue() == buffer.getvalue(), "same entries, same bytes"
    streamed = zipfile.ZipFile(io.BytesIO(bytes(unseekable.data)))
    assert streamed.testzip() is None
    assert streamed.read("big.nml") == big.read_bytes()


# --- upload checks --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (b"", "File is empty"),
        (b"   \n", "Error parsing XML: no element found"),
        (b"<things>\n  <thing>\n</things>", "Error parsing XML: mismatched tag: line 3"),
        (b"<things></things><things/>", "Error parsing XML: junk after document element"),
        (b"<annotation/>", "Root element is <annotation>, expected <things>"),
    ],
)
def test_check_nml_file_rejects_broken_files(tmp_path: Path, text: bytes, reason: str) -> None:
    path = tmp_path / "broken.nml"
    path.write_bytes(text)
    with pytest.raises(NmlError) as caught:
        check_nml_file(path)
    assert caught.value.reason.startswith(reason)
    assert str(caught.value) == caught.value.reason


def test_check_nml_file_accepts_rendered_nmls(tmp_path: Path) -> None:
    path = tmp_path / "a.nml"
    path.write_bytes(render_nml(content(layers=("Volume",))))
    assert check_nml_file(path) == "2012-06-28_Cortex"
    path.write_bytes(b"<things><thing id='1'/></things>")
    assert check_nml_file(path) == ""


def _zip(path: Path, entries: dict[str, bytes]) -> Path:
    with path.open("wb") as dest:
        write_zip(list(entries.items()), dest)
    return path


def test_check_zip_upload(tmp_path: Path) -> None:
    nml = render_nml(content(), volume_locations={})
    nested = _zip(tmp_path / "ok.zip", {"folder/a.nml": nml, "readme.txt": b"hi"})
    assert check_zip_upload(nested) == "2012-06-28_Cortex"
    with_volume = render_nml(content(layers=("Volume",)))
    cases = {
        "not a zip": (b"PK but not really", "File is not a valid ZIP archive"),
        "empty": (b"", "File is empty"),
    }
    for name, (data, reason) in cases.items():
        path = tmp_path / f"{name}.zip"
        path.write_bytes(data)
        with pytest.raises(NmlError, match=reason):
            check_zip_upload(path)
    broken = {
        "no nml": ({"a.txt": b"x"}, "ZIP archive contains no NML file"),
        "broken nml": ({"a.nml": nml, "b.nml": b"<things>"}, r"^b\.nml: Error parsing XML"),
        "missing data": ({"a.nml": with_volume}, "'data_Volume.zip' is missing"),
        "two datasets": (
            {"a.nml": nml, "b.nml": render_nml(content(dataset="other"))},
            "different datasets",
        ),
    }
    for name, (entries, reason) in broken.items():
        with pytest.raises(NmlError, match=reason):
            check_zip_upload(_zip(tmp_path / f"{name}.zip", entries))


def test_check_zip_upload_reports_a_corrupt_entry(tmp_path: Path) -> None:
    data = bytearray(body_bytes(SyntheticBody(SyntheticBody.minimum_size("zip"), "zip", seed=1)))
    index = data.index(b"<things>")
    data[index + 1 : index + 7] = b"THINGS"  # same length, so only the CRC notices
    path = tmp_path / "corrupt.zip"
    path.write_bytes(bytes(data))
    with pytest.raises(NmlError, match=r"synthetic\.nml: "):
        check_zip_upload(path)


def test_checks_stream_large_nmls_with_bounded_memory(tmp_path: Path) -> None:
    body = SyntheticBody(96 * MIB, "nml", seed=17)
    path = tmp_path / "large.nml"
    with path.open("wb") as out:
        for chunk in body.chunks():
            out.write(chunk)
    large_zip = tmp_path / "large.zip"
    with large_zip.open("wb") as out:
        write_zip([("large.nml", path)], out)
    tracemalloc.start()
    try:
        started = time.perf_counter()
        assert check_nml_file(path) == "2012-06-28_Cortex"
        nml_seconds = time.perf_counter() - started
        _, nml_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    print(f"\ncheck_nml_file: {96 / nml_seconds:.0f} MiB/s, peak {nml_peak / MIB:.1f} MiB")
    assert nml_peak < 8 * MIB
    assert check_zip_upload(large_zip) == "2012-06-28_Cortex"


# --- merge ----------------------------------------------------------------------------------


def merge_nml_files(paths: list[Path], dest: Path, *, create_group_for_each_file: bool) -> None:
    """What an upload of several files goes through: read into one stored content, then
    written back as an NML (volumes without data, so without ``location``)."""
    stored = read_uploads(
        [UploadedFile(path, path.name) for path in paths],
        dest.with_name(dest.name + ".content"),
        group_per_file=create_group_for_each_file,
        now_ms=1_477_666_728_000,
    )
    header = DownloadHeader(
        "5f0c3a7e1b0000000056fe9b", "Ursula Boya", 1, "org", "http://wk", "c0", "m.nml"
    )
    with dest.open("w", encoding="utf-8") as out:
        write_nml(stored, header, out)


def _node_count(path: Path) -> int:
    return len(Nml.parse(path.read_bytes()).node_ids)


def test_merge_with_a_group_per_file(tmp_path: Path, upload_files: list[Path]) -> None:
    dest = tmp_path / "merged.nml"
    merge_nml_files(upload_files, dest, create_group_for_each_file=True)
    assert check_nml_file(dest) == "2012-06-28_Cortex"
    merged = Nml.parse(dest.read_bytes())
    merged.assert_consistent()
    inputs = [
        Nml.parse(render_nml(content(seed=seed, layers=layers)))
        for seed, layers in ((1, ()), (2, ("Volume",)), (3, ("Volume",)))
    ]
    assert len(merged.node_ids) == sum(len(nml.node_ids) for nml in inputs)
    assert len(merged.trees) == sum(len(nml.trees) for nml in inputs)
    # the first file keeps its ids
    assert merged.node_ids[: len(inputs[0].node_ids)] == inputs[0].node_ids
    top = merged.root.findall("groups/group")
    assert [group.get("name") for group in top] == ["first", "second", "third"]
    for file_group, nml in zip(top, inputs, strict=True):
        inside = {int(g.get("id", "")) for g in file_group.iter("group")}
        assert len(inside) == len(nml.group_ids()) + 1
    first_trees = merged.trees[: len(inputs[0].trees)]
    first_group = {int(g.get("id", "")) for g in top[0].iter("group")}
    assert {int(tree.get("groupId", "")) for tree in first_trees} <= first_group
    names = [tree.get("name") for tree in merged.trees]
    assert names == [tree.get("name") for nml in inputs for tree in nml.trees]
    volumes = merged.volumes()
    # The second and third file both have a layer called Volume: it is kept once (the first).
    assert [(v.get("id"), v.get("name")) for v in volumes] == [("0", "Volume")]
    assert all(v.get("location") is None for v in volumes)
    assert len(merged.root.findall("parameters")) == 1

    def texts(nml: Nml, path: str, key: str) -> Counter[str]:
        return Counter(str(item.get(key)) for item in nml.root.iterfind(path))

    for path, key in (("comments/comment", "content"), ("thing/metadata/metadataEntry", "key")):
        assert texts(merged, path, key) == sum((texts(nml, path, key) for nml in inputs), Counter())
    assert len(merged.root.findall("branchpoints/branchpoint")) == sum(
        len(nml.root.findall("branchpoints/branchpoint")) for nml in inputs
    )


def test_merge_with_tree_name_prefixes(tmp_path: Path, upload_files: list[Path]) -> None:
    dest = tmp_path / "merged.nml"
    merge_nml_files(upload_files, dest, create_group_for_each_file=False)
    merged = Nml.parse(dest.read_bytes())
    merged.assert_consistent()
    prefixes = Counter(str(tree.get("name")).split("_", 1)[0] for tree in merged.trees)
    assert set(prefixes) == {"first", "second", "third"}
    names = {g.get("name") for g in merged.root.iterfind("groups/group")}
    assert not names & {"first", "second", "third"}


def test_merge_streams_a_large_synthetic_nml(tmp_path: Path, upload_files: list[Path]) -> None:
    large = tmp_path / "large.nml"
    large.write_bytes(body_bytes(SyntheticBody(6 * MIB, "nml", seed=5)))
    dest = tmp_path / "merged.nml"
    merge_nml_files([upload_files[0], large], dest, create_group_for_each_file=True)
    merged = Nml.parse(dest.read_bytes())
    merged.assert_consistent()
    assert len(merged.node_ids) == _node_count(upload_files[0]) + _node_count(large)


def test_merge_refuses_bad_input(tmp_path: Path, upload_files: list[Path]) -> None:
    other = tmp_path / "other.nml"
    other.write_bytes(render_nml(content(dataset="another_dataset")))
    dest = tmp_path / "merged.nml"
    with pytest.raises(NmlError, match="different datasets"):
        merge_nml_files([upload_files[0], other], dest, create_group_for_each_file=True)
    assert not dest.exists()
    broken = tmp_path / "broken.nml"
    broken.write_bytes(b"<things><thing>")
    with pytest.raises(NmlError, match=r"^broken\.nml: Error parsing XML"):
        merge_nml_files([upload_files[0], broken], dest, create_group_for_each_file=False)
