"""Annotation downloads: the NML alone, or a ZIP of the NML and one data zip per volume layer."""

from __future__ import annotations

import io
import json
import random
import struct
import unicodedata

from .nml import (
    AnnotationContent,
    check_volume_format,
    default_volume_locations,
    render_nml,
)
from .zip import write_zip

_MAGS = ("1", "2-2-1")
_CUBE_POSITIONS = ((0, 0, 0), (1, 0, 0), (0, 1, 0), (1, 1, 0))


def nml_file_name(content: AnnotationContent) -> str:
    """The ``<name>.nml`` a download is called: the annotation name, or when it has none the
    server's default ``<dataset>__explorational__<initial + last name>__<last 6 chars of id>``."""
    if content.name:
        return f"{content.name}.nml"
    ascii_user = (
        unicodedata.normalize("NFKD", content.username).encode("ascii", "ignore").decode().split()
    )
    if len(ascii_user) > 1:
        user = (ascii_user[0][:1] + ascii_user[-1]).lower()
    else:
        user = "".join(ascii_user).lower()
    return f"{content.dataset}__explorational__{user}__{content.annotation_id[-6:]}.nml"


def render_download(
    content: AnnotationContent, *, skip_volume_data: bool = False, zip_format: str = "wkw"
) -> tuple[bytes, str]:
    """The body and content type of ``GET /annotations/:typ/:id/download``.

    A skeleton-only annotation is its NML (``application/xml``). With volume layers it is a ZIP
    (``application/zip``) holding ``<name>.nml`` and ``data_<layer>.zip`` (one layer) or
    ``data_<i>_<layer>.zip`` (several), the names the NML's ``<volume location=...>`` gives. With
    ``skip_volume_data`` the ZIP holds only the NML, whose volumes have neither ``location`` nor
    ``format``.
    """
    check_volume_format(zip_format)
    layers = content.volume_layers
    if not layers:
        return render_nml(content), "application/xml"
    locations = default_volume_locations(layers)
    if skip_volume_data:
        nml = render_nml(content, volume_locations={}, zip_format=None)
        entries: list[tuple[str, bytes]] = [(nml_file_name(content), nml)]
    else:
        nml = render_nml(content, volume_locations=locations, zip_format=zip_format)
        entries = [(nml_file_name(content), nml)]
        for index, layer in enumerate(layers):
            data = render_volume_data_zip(content.seed, index, zip_format)
            entries.append((locations[layer], data))
    buffer = io.BytesIO()
    write_zip(entries, buffer)
    return buffer.getvalue(), "application/zip"


def render_volume_data_zip(seed: int, layer_index: int, zip_format: str) -> bytes:
    """A small volume data zip laid out like real ones: per magnification a ``header.wkw`` and
    cube files (wkw), or a ``zarr.json`` and chunk files (zarr3). The voxel bytes are arbitrary."""
    check_volume_format(zip_format)
    rng = random.Random(f"volume/{seed}/{layer_index}")
    entries: list[tuple[str, bytes]] = []
    for mag in _MAGS:
        cubes = _CUBE_POSITIONS[: rng.randint(1, len(_CUBE_POSITIONS))]
        if zip_format == "wkw":
            entries.append((f"{mag}/header.wkw", _wkw_header()))
            entries += [(f"{mag}/z{z}/y{y}/x{x}.wkw", _cube(rng)) for x, y, z in cubes]
        else:
            entries.append((f"{mag}/zarr.json", _zarr_array_metadata(mag)))
            entries += [(f"{mag}/c/0/{x}/{y}/{z}", _cube(rng)) for x, y, z in cubes]
    buffer = io.BytesIO()
    write_zip(entries, buffer)
    return buffer.getvalue()


def _wkw_header() -> bytes:
    # magic, version, log2 of cube and block edge, block type (LZ4), voxel type (uint32),
    # voxel size in bytes, then the data offset.
    return b"WKW" + struct.pack("<BBBBBQ", 1, 0x55, 2, 5, 4, 16)


def _cube(rng: random.Random) -> bytes:
    return rng.randbytes(rng.randint(256, 1024))


def _zarr_array_metadata(mag: str) -> bytes:
    factors = [int(part) for part in mag.split("-")] * (3 if "-" not in mag else 1)
    shape = [1, *(4096 // factor for factor in factors)]
    metadata = {
        "zarr_format": 3,
        "node_type": "array",
        "shape": shape,
        "data_type": "uint32",
        "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [1, 32, 32, 32]}},
        "chunk_key_encoding": {"name": "default", "configuration": {"separator": "/"}},
        "fill_value": 0,
        "codecs": [
            {"name": "transpose", "configuration": {"order": [0, 3, 2, 1]}},
            {"name": "bytes", "configuration": {"endian": "little"}},
            {"name": "zstd", "configuration": {"level": 5, "checksum": False}},
        ],
        "attributes": {},
        "dimension_names": ["c", "x", "y", "z"],
    }
    return json.dumps(metadata, indent=2).encode()
