"""Synthetic annotation bodies of any exact size, generated while streaming at several GB/s.

A body is a short prefix, a long region made of 1 MiB blocks, and a short suffix. Each block is
one precomputed pseudo-random template per seed with the block number stamped in, so every block
differs (a misplaced range shows) while generating one costs a single C-level join.

- ``"nml"``: an NML whose second tree holds the region as ``<node .../>`` lines; the block number
  is stamped into every node id, so node ids stay unique across the file.
- ``"zip"``: laid out like a volume annotation download: a ZIP holding a small NML (named
  ``nml_name``, by default ``synthetic.nml``; the fake server passes ``<annotation name>.nml``)
  whose ``<volume name="Volume" location="data_Volume.zip">`` names a STORED ``data_Volume.zip``
  entry. That entry is itself a valid ZIP with one STORED cube file, ``1/z0/y0/x0.wkw``, whose
  bytes are the region (pseudo-random, not real WKW voxel data). Both CRC-32s are combined from
  per-block CRCs (see ``crc``), so they are known before the first byte is sent and
  ranges need no pass over the data.
"""

from __future__ import annotations

import functools
import hashlib
import random
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal, Protocol

from .crc import zero_shift
from .nml import (
    XML_DECLARATION,
    AnnotationContent,
    below_function,
    node_line,
    render_meta,
    render_parameters,
    thing_open,
)
from .stats import SkeletonStats
from .zipframe import StoredEntry, central_directory, local_header

BLOCK_SIZE = 1 << 20
DEFAULT_DATASET = "2012-06-28_Cortex"
DEFAULT_ORGANIZATION = "Organization_X"
SYNTHETIC_NML_NAME = "synthetic.nml"
SYNTHETIC_DATA_NAME = "data_Volume.zip"
SYNTHETIC_CUBE_NAME = "1/z0/y0/x0.wkw"
_CREATED_MS = 1_700_000_000_000
# Bodies from this size on use ZIP64 records (a module constant so tests can lower it).
ZIP64_FROM_SIZE = 0xFFFFFFFF
_CONTENT_TYPES = {"nml": "application/xml", "zip": "application/zip"}

# Node ids in the region are <9-digit block stamp><5-digit line number>.
_STAMP_PLACEHOLDER = b"#########"
_FIRST_STAMP = 100_000_000
_STAMP_BYTES = 16
# The small first tree every synthetic NML starts with: a chain of this many nodes.
_SEED_TREE_NODES = 4


class _Blocks(Protocol):
    def block(self, index: int) -> bytes: ...

    def tail(self, index: int, length: int) -> bytes: ...


class SyntheticBody:
    """A deterministic annotation body of exactly ``size`` bytes, never held in memory.

    The same ``size``, ``kind`` and ``seed`` always give the same bytes; other seeds give other
    bytes. ``kind="nml"`` is a well-formed NML, ``kind="zip"`` a valid ZIP (NML plus a large STORED
    data entry with a correct CRC-32, itself a valid ZIP). ``nml_name`` is the name of the NML
    inside a ``"zip"`` body. Sizes below :meth:`minimum_size` (about 2.4 KiB for ``"nml"``,
    2.8 KiB for ``"zip"``, with the default dataset) raise ``ValueError``.
    """

    def __init__(
        self,
        size: int,
        kind: Literal["nml", "zip"],
        seed: int,
        *,
        dataset: str = DEFAULT_DATASET,
        organization: str = DEFAULT_ORGANIZATION,
        nml_name: str = SYNTHETIC_NML_NAME,
    ) -> None:
        if kind not in _CONTENT_TYPES:
            raise ValueError(f"kind must be 'nml' or 'zip', not {kind!r}")
        framing = _build_framing(size, kind, seed, dataset, organization, nml_name)
        self.size = size
        self.kind: str = kind
        self.seed = seed
        self.content_type = _CONTENT_TYPES[kind]
        self._framing = framing
        self._sha256: str | None = None
        self._sha256_lock = threading.Lock()

    @staticmethod
    def minimum_size(
        kind: Literal["nml", "zip"],
        *,
        dataset: str = DEFAULT_DATASET,
        organization: str = DEFAULT_ORGANIZATION,
        nml_name: str = SYNTHETIC_NML_NAME,
    ) -> int:
        """The smallest valid size of a body of ``kind``: its framing with an empty region.

        It does not depend on the seed (every seeded field of the framing has a fixed width).
        """
        if kind not in _CONTENT_TYPES:
            raise ValueError(f"kind must be 'nml' or 'zip', not {kind!r}")
        if kind == "nml":
            prefix, suffix = _nml_text(0, dataset, organization, big_tree=True)
            return len(prefix.encode()) + len(suffix.encode())
        nml = _zip_nml(0, dataset, organization)
        head, tail = _zip_records(nml, nml_name, 0, None, zip64=False)
        return len(head) + len(tail)

    def __repr__(self) -> str:
        return f"SyntheticBody(size={self.size}, kind={self.kind!r}, seed={self.seed})"

    def chunks(self, start: int = 0, chunk_size: int = 1 << 20) -> Iterator[bytes]:
        """The bytes ``[start:size]`` in chunks of at most ``chunk_size`` bytes.

        The bytes are identical to the same slice of a full stream, so this serves range
        requests. Memory stays around ``chunk_size`` plus two 1 MiB blocks, whatever the size.
        """
        if not 0 <= start <= self.size:
            raise ValueError(f"start must be within 0..{self.size}, not {start}")
        if chunk_size < 1:
            raise ValueError(f"chunk_size must be positive, not {chunk_size}")
        return self._framing.chunks(start, chunk_size)

    def skeleton_stats(self) -> SkeletonStats:
        """The counts of trees, nodes, edges and branchpoints in the body's NML, without
        generating it: a four-node seed tree, one branchpoint, and for ``"nml"`` the tree whose
        nodes fill the region."""
        stats = SkeletonStats(1, _SEED_TREE_NODES, _SEED_TREE_NODES - 1, 1)
        if isinstance(self._framing.blocks, _NodeBlocks):
            region_nodes = self._framing.blocks.node_count(self._framing.region_size)
            stats += SkeletonStats(tree_count=1, node_count=region_nodes)
        return stats

    def sha256(self) -> str:
        """The hex SHA-256 of the whole body: computed by streaming once, then cached.

        Safe to call from several threads; concurrent callers wait for one computation.
        """
        with self._sha256_lock:
            if self._sha256 is None:
                digest = hashlib.sha256()
                for chunk in self.chunks():
                    digest.update(chunk)
                self._sha256 = digest.hexdigest()
            return self._sha256


@dataclass(frozen=True)
class _Framing:
    prefix: bytes
    region_size: int
    suffix: bytes
    blocks: _Blocks

    def chunks(self, start: int, chunk_size: int) -> Iterator[bytes]:
        prefix_end = len(self.prefix)
        region_end = prefix_end + self.region_size
        position = start
        if position < prefix_end:
            yield from _pieces(self.prefix, position, chunk_size)
            position = prefix_end
        while position < region_end:
            index, within = divmod(position - prefix_end, BLOCK_SIZE)
            length = min(BLOCK_SIZE, self.region_size - index * BLOCK_SIZE)
            if length == BLOCK_SIZE:
                block = self.blocks.block(index)
            else:
                block = self.blocks.tail(index, length)
            yield from _pieces(block, within, chunk_size)
            del block  # before the next block is built, so at most one is alive
            position += length - within
        yield from _pieces(self.suffix, position - region_end, chunk_size)


def _pieces(data: bytes, begin: int, chunk_size: int) -> Iterator[bytes]:
    if begin == 0 and len(data) <= chunk_size:
        if data:
            yield data
        return
    for offset in range(begin, len(data), chunk_size):
        yield data[offset : offset + chunk_size]


def _build_framing(
    size: int, kind: str, seed: int, dataset: str, organization: str, nml_name: str
) -> _Framing:
    if kind == "nml":
        prefix_text, suffix_text = _nml_text(seed, dataset, organization, big_tree=True)
        prefix, suffix = prefix_text.encode(), suffix_text.encode()
        region_size = _region_size(size, kind, len(prefix) + len(suffix))
        return _Framing(prefix, region_size, suffix, _NodeBlocks(seed))
    nml = _zip_nml(seed, dataset, organization)
    zip64 = size >= ZIP64_FROM_SIZE
    head, tail = _zip_records(nml, nml_name, 0, None, zip64=zip64)
    region_size = _region_size(size, kind, len(head) + len(tail))
    blocks = _RandomBlocks(seed)
    head, tail = _zip_records(nml, nml_name, region_size, blocks, zip64=zip64)
    return _Framing(head, region_size, tail, blocks)


def _region_size(size: int, kind: str, framing_size: int) -> int:
    if size < framing_size:
        raise ValueError(f"a {kind!r} body needs at least {framing_size} bytes, not {size}")
    return size - framing_size


class _NodeBlocks:
    """1 MiB of ``<node .../>`` lines per block, the block number stamped into each node id."""

    def __init__(self, seed: int) -> None:
        self._parts = _node_template_parts(seed)

    def block(self, index: int) -> bytes:
        return (b"%09d" % (_FIRST_STAMP + index)).join(self._parts)

    def tail(self, index: int, length: int) -> bytes:
        """The first ``length`` bytes of a block, cut after a whole line and padded with spaces."""
        text = self.block(index)
        cut = _line_cut(text, length)
        padding = length - cut
        return b"".join((memoryview(text)[:cut], b" " * (padding - 1) + b"\n" if padding else b""))

    def node_count(self, region_size: int) -> int:
        """How many ``<node>`` lines the first ``region_size`` bytes of the blocks hold."""
        full_blocks, remainder = divmod(region_size, BLOCK_SIZE)
        count = full_blocks * (len(self._parts) - 1)
        if remainder:
            text = self.block(full_blocks)
            count += text.count(b"\n", 0, _line_cut(text, remainder))
        return count


def _line_cut(text: bytes, length: int) -> int:
    """The end of the last whole line within the first ``length`` bytes of ``text``."""
    return text.rfind(b"\n", 0, length) + 1


class _RandomBlocks:
    """1 MiB of pseudo-random bytes per block, the block number XORed into the first 16 bytes."""

    def __init__(self, seed: int) -> None:
        self._head, self._rest = _random_template(seed)

    def _stamp(self, index: int) -> bytes:
        return (self._head ^ index).to_bytes(_STAMP_BYTES, "little")

    def block(self, index: int) -> bytes:
        return self._stamp(index) + self._rest

    def tail(self, index: int, length: int) -> bytes:
        head = self._stamp(index)[:length]
        return b"".join((head, memoryview(self._rest)[: length - len(head)]))

    def crc32(self, region_size: int, start: int = 0) -> int:
        """CRC-32 of the first ``region_size`` bytes of the blocks, continuing the running CRC
        ``start`` (as ``zlib.crc32(data, start)``), without generating them."""
        full_blocks, remainder = divmod(region_size, BLOCK_SIZE)
        shift = zero_shift(len(self._rest))
        rest_crc = zlib.crc32(self._rest)
        crc = start
        for index in range(full_blocks):
            crc = shift.append(zlib.crc32(self._stamp(index), crc), rest_crc)
        if remainder:
            crc = zlib.crc32(self.tail(full_blocks, remainder), crc)
        return crc


@functools.lru_cache(maxsize=8)
def _random_template(seed: int) -> tuple[int, bytes]:
    """A block's first 16 bytes as an integer (to XOR the block number into), and the rest."""
    template = random.Random(f"synthetic-zip/{seed}").randbytes(BLOCK_SIZE)
    return int.from_bytes(template[:_STAMP_BYTES], "little"), template[_STAMP_BYTES:]


@functools.lru_cache(maxsize=8)
def _node_template_parts(seed: int) -> tuple[bytes, ...]:
    """One block of node lines with a placeholder for the stamp, split at the placeholders."""
    rng = random.Random(f"synthetic-nml/{seed}")
    below, draw = below_function(rng), rng.random
    placeholder = _STAMP_PLACEHOLDER.decode()
    lines: list[bytes] = []
    total = 0
    x, y, z = 5000, 5000, 1000
    time_ms = _CREATED_MS
    while True:
        # rng.randint(-30, 30) twice, randint(-6, 6), randint(100, 3000),
        # uniform(20.0, 400.0) and randrange(4), drawn as those would draw them
        x += -30 + below(61)
        y += -30 + below(61)
        z += -6 + below(13)
        time_ms += 100 + below(2901)
        radius = 20.0 + (400.0 - 20.0) * draw()
        node_id = f"{placeholder}{len(lines):05d}"
        line = node_line(node_id, x, y, z, radius, time_ms, below(4)).encode()
        if total + len(line) > BLOCK_SIZE:
            break
        lines.append(line)
        total += len(line)
    # Trailing spaces before the last newline make the block exactly BLOCK_SIZE bytes.
    lines[-1] = lines[-1][:-1] + b" " * (BLOCK_SIZE - total) + b"\n"
    return tuple(b"".join(lines).split(_STAMP_PLACEHOLDER))


def _nml_text(seed: int, dataset: str, organization: str, *, big_tree: bool) -> tuple[str, str]:
    """Prefix and suffix of a synthetic NML: header, a small tree, and (``big_tree``) the start
    and end of the tree whose nodes the region holds; without it, a volume layer instead."""
    rng = random.Random(f"synthetic-header/{seed}")
    content = AnnotationContent(
        annotation_id=f"{rng.getrandbits(96):024x}",
        name="synthetic",
        dataset=dataset,
        organization=organization,
        username="Synthetic User",
        created_ms=_CREATED_MS,
        seed=seed,
    )
    # Every seeded number below has a fixed width, so the framing size does not depend on the seed.
    edit_position = (rng.randint(1256, 9999), rng.randint(1256, 9999), rng.randint(1064, 9999))
    box = (rng.randint(1000, 9999), rng.randint(1000, 9999), rng.randint(1000, 9999), 128)
    prefix = [XML_DECLARATION, "<things>\n", *render_meta(content)]
    prefix += render_parameters(
        content, active_node_id=1, edit_position=edit_position, user_bounding_boxes=[box]
    )
    color = (rng.random(), rng.random(), rng.random())
    prefix += [thing_open(1, "seed_tree", color, 1), "    <nodes>\n"]
    for node_id in range(1, _SEED_TREE_NODES + 1):
        position = (rng.randint(1000, 9999), rng.randint(1000, 9999), rng.randint(1000, 9999))
        radius = rng.uniform(10.0, 99.0)
        prefix.append(
            # an odd viewport keeps interpolation="true", the same width for every seed
            node_line(node_id, *position, radius, _CREATED_MS + node_id, rng.choice((1, 3)))
        )
    prefix += ["    </nodes>\n", "    <edges>\n"]
    prefix += [f'      <edge source="{n}" target="{n + 1}"/>\n' for n in range(1, _SEED_TREE_NODES)]
    prefix += ["    </edges>\n", "  </thing>\n"]
    suffix = []
    if big_tree:
        prefix += [thing_open(2, "synthetic_tree", (0.2, 0.6, 0.9), 1), "    <nodes>\n"]
        suffix += ["    </nodes>\n", "    <edges>\n", "    </edges>\n", "  </thing>\n"]
    suffix += [
        "  <branchpoints>\n",
        f'    <branchpoint id="2" time="{_CREATED_MS + 2}"/>\n',
        "  </branchpoints>\n",
        '  <comments>\n    <comment node="1" content="soma"/>\n  </comments>\n',
        '  <groups>\n    <group id="1" name="synthetic" isExpanded="true"/>\n  </groups>\n',
    ]
    if not big_tree:
        largest_segment_id = rng.randint(1000, 9999)
        suffix.append(
            f'  <volume id="0" name="Volume" location="{SYNTHETIC_DATA_NAME}"'
            ' fallbackLayer="segmentation" format="wkw"'
            f' largestSegmentId="{largest_segment_id}"/>\n'
        )
    suffix.append("</things>\n")
    return "".join(prefix), "".join(suffix)


def _zip_nml(seed: int, dataset: str, organization: str) -> bytes:
    prefix, suffix = _nml_text(seed, dataset, organization, big_tree=False)
    return (prefix + suffix).encode()


def _zip_records(
    nml: bytes, nml_name: str, region_size: int, blocks: _RandomBlocks | None, *, zip64: bool
) -> tuple[bytes, bytes]:
    """Everything before the region and everything after it.

    Before: the NML entry, the data zip entry's local header and the inner zip's local header
    for its cube file; after: the inner zip's central directory, then the outer one. Without
    ``blocks`` the CRCs are left zero (the record sizes are the same, for size calculations).
    """
    cube_crc = blocks.crc32(region_size) if blocks is not None else 0
    cube = StoredEntry(SYNTHETIC_CUBE_NAME, cube_crc, region_size, 0, zip64)
    inner_head = local_header(cube)
    inner_tail = central_directory([cube], offset=len(inner_head) + region_size)
    data_size = len(inner_head) + region_size + len(inner_tail)
    data_crc = 0
    if blocks is not None:
        head_crc = zlib.crc32(inner_head)
        data_crc = zlib.crc32(inner_tail, blocks.crc32(region_size, head_crc))
    nml_entry = StoredEntry(nml_name, zlib.crc32(nml), len(nml), 0)
    nml_record = local_header(nml_entry) + nml
    data_entry = StoredEntry(SYNTHETIC_DATA_NAME, data_crc, data_size, len(nml_record), zip64)
    head = nml_record + local_header(data_entry)
    outer_tail = central_directory([nml_entry, data_entry], offset=len(head) + data_size)
    return head + inner_head, inner_tail + outer_tail
