"""``wkapi.nml``: reading annotations by content and comparing them, the way a test of a round
trip through a server should (a server writes a new file, so bytes never match)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from wkapi import InputError
from wkapi.nml import (
    BoundingBox,
    Node,
    assert_same_content,
    compare_content,
    read_content,
)

BASE = b"""<things>
  <meta name="annotationId" content="aaaaaaaaaaaaaaaaaaaaaaaa"/>
  <parameters><experiment name="ds"/>
    <taskBoundingBox topLeftX="1" topLeftY="2" topLeftZ="3" width="4" height="5" depth="6"/>
  </parameters>
  <thing id="1" name="t" color.r="1" color.g="0" color.b="0" color.a="1">
    <nodes>
      <node id="1" x="1" y="2" z="3" radius="2"/>
      <node id="2" x="4" y="5" z="6"/>
    </nodes>
    <edges><edge source="1" target="2"/></edges>
  </thing>
  <branchpoints><branchpoint id="2"/></branchpoints>
  <comments><comment node="1" content="soma"/></comments>
  <groups><group id="1" name="g"><group id="2" name="h"/></group></groups>
</things>"""

REWRITTEN = b"""<?xml version="1.0" encoding="UTF-8"?>
<things>
  <meta name="writer" content="SomeServer"/>
  <meta name="annotationId" content="bbbbbbbbbbbbbbbbbbbbbbbb"/>
  <parameters>
    <experiment name="ds" description="" organization="o"/>
    <userBoundingBox id="1" name="task bounding box" topLeftX="1" topLeftY="2" topLeftZ="3"
                     width="4" height="5" depth="6"/>
  </parameters>
  <thing id="1" color.r="1.0" color.g="0.0" color.b="0.0" color.a="1.0" name="t" isVisible="true">
    <nodes>
      <node id="1" radius="2.0" x="1" y="2" z="3" rotX="0.0" rotY="0.0" rotZ="0.0" time="5"/>
      <node id="2" radius="1.0" x="4.0" y="5" z="6" rotX="0.0" rotY="0.0" rotZ="0.0" time="5"/>
    </nodes>
    <edges>
      <edge source="1" target="2"/>
    </edges>
  </thing>
  <branchpoints><branchpoint id="2" time="5"/></branchpoints>
  <comments><comment node="1" content="soma"/></comments>
  <groups>
    <group id="1" name="g" isExpanded="true"><group id="2" name="h" isExpanded="true"/></group>
  </groups>
</things>"""


def test_read_content_of_bytes_and_paths(tmp_path: Path) -> None:
    path = tmp_path / "a.nml"
    path.write_bytes(BASE)
    for source in (BASE, path, str(path)):
        content = read_content(source)
        assert content.dataset == "ds"
        assert content.annotation_id == "aaaaaaaaaaaaaaaaaaaaaaaa"
        (tree,) = content.trees
        assert tree.nodes[0] == Node(1, (1.0, 2.0, 3.0), radius=2.0)
        assert tree.nodes[1].radius is None  # left out: None, not a default
        assert tree.edges == ((1, 2),)
        assert content.bounding_boxes == (BoundingBox((1, 2, 3), (4, 5, 6), None, is_task=True),)
        assert [g.name for g in content.groups[0].children] == ["h"]


def test_a_rewritten_file_has_the_same_content() -> None:
    comparison = assert_same_content(BASE, REWRITTEN)
    assert comparison.ok
    assert comparison.summary() == (
        "1 tree, 2 nodes, 1 edge, 1 branchpoint, 1 comment, 2 groups, 1 bounding box"
    )


def test_the_comparison_is_one_sided() -> None:
    """What the expected file states must come back; what it leaves out may be filled in,
    but what the actual file lacks is a difference."""
    assert compare_content(BASE, REWRITTEN).ok
    comparison = compare_content(REWRITTEN, BASE)
    assert not comparison.ok
    assert "node 1: time 5.0 became None" in comparison.differences


@pytest.mark.parametrize(
    ("change", "found"),
    [
        ((b'radius="2.0"', b'radius="2.5"'), "node 1: radius 2.0 became 2.5"),
        ((b'name="t"', b'name="u"'), "tree 1: name 't' became 'u'"),
        ((b'content="soma"', b'content="axon"'), "comments: missing (1, 'soma')"),
        ((b'<branchpoint id="2"', b'<branchpoint id="1"'), "branchpoints: missing 2"),
        ((b'name="h"', b'name="x"'), "groups: "),
        ((b'width="4"', b'width="7"'), "bounding boxes: missing ((1, 2, 3), (4, 5, 6))"),
        ((b'<node id="2"', b'<node id="3"'), "tree 1: node 2 is missing"),
        ((b'<experiment name="ds"', b'<experiment name="other"'), "dataset: expected 'ds'"),
    ],
)
def test_every_kind_of_loss_is_reported(change: tuple[bytes, bytes], found: str) -> None:
    changed = REWRITTEN.replace(*change)
    assert changed != REWRITTEN
    comparison = compare_content(BASE, changed)
    assert not comparison.ok
    assert any(text.startswith(found) for text in comparison.differences), comparison.differences
    with pytest.raises(AssertionError, match="the content differs"):
        assert_same_content(BASE, changed)


TIMED = REWRITTEN.replace(b'time="5"', b'time="1700000000000"')


@pytest.mark.parametrize(
    ("change", "found"),
    [
        (
            (
                b'<node id="1" radius="2.0" x="1" y="2" z="3" rotX="0.0" rotY="0.0" rotZ="0.0"'
                b' time="1700000000000"',
                b'<node id="1" radius="2.0" x="1" y="2" z="3"'
                b' rotX="0.0" rotY="0.0" rotZ="0.0" time="1700000000001"',
            ),
            "node 1: time 1700000000000.0 became 1700000000001.0",
        ),
        (
            (
                b'<branchpoint id="2" time="1700000000000"',
                b'<branchpoint id="2" time="1700000001500"',
            ),
            "branchpoint 2: time 1700000000000 became 1700000001500",
        ),
        (
            (
                b'rotX="0.0" rotY="0.0" rotZ="0.0" time',
                b'rotX="0.0" rotY="0.0" rotZ="0.0" inVp="1" time',
            ),
            None,
        ),
    ],
    ids=["node time 1 ms", "branchpoint time 1.5 s", "filled in"],
)
def test_integer_attributes_compare_exactly(change: tuple[bytes, bytes], found: str | None) -> None:
    """Epoch-millisecond times are integers near 1.7e12: a relative tolerance would let
    seconds slip through, so a single millisecond is a difference."""
    changed = TIMED.replace(*change)
    assert changed != TIMED
    assert compare_content(TIMED, TIMED).ok
    comparison = compare_content(TIMED, changed)
    if found is None:
        assert comparison.ok, comparison.differences
    else:
        assert found in comparison.differences, comparison.differences


def test_float_attributes_keep_a_tolerance_for_how_they_are_written() -> None:
    expected = TIMED.replace(b'radius="2.0"', b'radius="0.1"').replace(
        b'rotX="0.0"', b'rotX="0.3"', 1
    )
    written = TIMED.replace(b'radius="2.0"', b'radius="0.1000000000000000055511"').replace(
        b'rotX="0.0"', b'rotX="0.30000000000000004"', 1
    )
    assert compare_content(expected, written).ok
    moved = TIMED.replace(b'radius="2.0"', b'radius="0.1001"')
    assert "node 1: radius 0.1 became 0.1001" in compare_content(expected, moved).differences


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_volume_data_is_compared_by_its_files() -> None:
    volume = b'<volume id="0" name="V" location="data_V.zip" largestSegmentId="9"/></things>'
    nml = BASE.replace(b"</things>", volume)
    data = _zip({"1/header.wkw": b"h", "1/z0/y0/x0.wkw": b"cube"})
    original = _zip({"a.nml": nml, "data_V.zip": data})
    moved = _zip(
        {
            "b.nml": nml.replace(b"data_V.zip", b"other.zip"),
            "other.zip": _zip({"1/header.wkw": b"h", "1/z0/y0/x0.wkw": b"cube"}),
        }
    )
    comparison = assert_same_content(original, moved)
    assert comparison.compared["volume data files"] == 2
    broken = _zip(
        {"a.nml": nml, "data_V.zip": _zip({"1/header.wkw": b"h", "1/z0/y0/x0.wkw": b"edit"})}
    )
    assert (
        "volume layer 'V' data files: missing" in compare_content(original, broken).differences[0]
    )
    plain = compare_content(original, nml)  # an NML alone carries no data
    assert plain.differences == ("volume layer 'V': the data is missing",)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not xml at all", "not a well-formed NML"),
        (b"<annotation/>", "the root element is <annotation>, not <things>"),
        (b"<things><thing id='x'/></things>", "unexpected value"),
        (b"", "not a well-formed NML"),
    ],
)
def test_what_is_not_an_nml_is_an_input_error(data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message):
        read_content(data)


def test_a_zip_must_hold_one_nml(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"expected one \.nml in the ZIP, found 2"):
        read_content(_zip({"a.nml": BASE, "b.nml": BASE}))
    with pytest.raises(InputError, match="cannot read"):
        read_content(tmp_path / "missing.nml")
