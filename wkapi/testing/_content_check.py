"""The checks an uploaded NML or ZIP goes through, streaming with bounded memory.

Checking only needs well-formedness, the root element, the dataset name and the volume data
locations, so it drives expat directly: no element tree is built at all, and once the facts it
needs are known the per-element callback is switched off and parsing runs at C speed.
"""

from __future__ import annotations

import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO
from xml.parsers import expat

READ_CHUNK = 1 << 20
_IGNORED_ZIP_PREFIX = "__MACOSX/"


class NmlError(Exception):
    """An uploaded file the server would refuse; ``reason`` is a short human text."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class NmlSummary:
    """What a check learns from one NML."""

    dataset: str
    volume_locations: tuple[str, ...] = ()


def check_nml_file(path: Path) -> str:
    """Check that ``path`` is a well-formed NML, streaming; return its dataset name.

    The dataset name comes from ``<experiment name=...>`` (``""`` if absent). Raises
    :class:`NmlError` for an empty file, XML that is not well-formed, or a root other than
    ``<things>``.
    """
    with path.open("rb") as source:
        return scan_nml(source).dataset


def check_zip_upload(path: Path) -> str:
    """Check an uploaded ZIP of NMLs, streaming each ``.nml`` entry; return the dataset name.

    Raises :class:`NmlError` when the file is not a ZIP, holds no NML, holds an NML that is not
    well-formed, NMLs of different datasets, or an NML whose ``<volume location=...>`` names a
    data zip the archive lacks. Other entries (volume data zips) are not inspected.
    """
    if path.stat().st_size == 0:
        raise NmlError("File is empty")
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise NmlError("File is not a valid ZIP archive") from exc
    with archive:
        infos = archive.infolist()
        names = {info.filename for info in infos}
        nmls = [info for info in infos if is_nml_entry(info)]
        if not nmls:
            raise NmlError("ZIP archive contains no NML file")
        datasets: dict[str, str] = {}
        for info in nmls:
            summary = _scan_zip_entry(archive, info)
            for location in summary.volume_locations:
                if not _has_entry(names, info.filename, location):
                    raise NmlError(
                        f"{info.filename}: volume data {location!r} is missing from the ZIP archive"
                    )
            if summary.dataset:
                datasets.setdefault(summary.dataset, info.filename)
    if len(datasets) > 1:
        listed = ", ".join(f"{file} ({dataset})" for dataset, file in datasets.items())
        raise NmlError(f"NML files of different datasets: {listed}")
    return next(iter(datasets), "")


def scan_nml(source: IO[bytes], *, want_volumes: bool = False) -> NmlSummary:
    """Parse an NML from ``source`` in 1 MiB reads, checking it; collect volume locations only
    when ``want_volumes`` (that keeps the per-element callback on to the end)."""
    parser = expat.ParserCreate()
    root: list[str] = []
    dataset: list[str] = []
    locations: list[str] = []

    def on_start(name: str, attrs: dict[str, str]) -> None:
        if not root:
            root.append(name)
            if name != "things":
                raise NmlError(f"Root element is <{name}>, expected <things>")
        elif name == "experiment" and not dataset:
            dataset.append(attrs.get("name", ""))
        elif name == "volume" and attrs.get("location"):
            locations.append(attrs["location"])
        if not want_volumes and (dataset or name == "thing"):
            parser.StartElementHandler = None

    parser.StartElementHandler = on_start
    parse_stream(parser, source)
    return NmlSummary(dataset[0] if dataset else "", tuple(locations))


def parse_stream(parser: expat.XMLParserType, source: IO[bytes]) -> None:
    """Feed ``source`` to ``parser`` in 1 MiB reads. Raises :class:`NmlError` for an empty source
    or XML that is not well-formed; exceptions raised by the parser's handlers pass through."""
    chunk = source.read(READ_CHUNK)
    if not chunk:
        raise NmlError("File is empty")
    try:
        while chunk:
            parser.Parse(chunk, False)
            chunk = source.read(READ_CHUNK)
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise NmlError(f"Error parsing XML: {exc}") from exc


def _scan_zip_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> NmlSummary:
    try:
        with archive.open(info) as entry:
            return scan_nml(entry, want_volumes=True)
    except NmlError as exc:
        raise NmlError(f"{info.filename}: {exc.reason}") from exc
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
        raise NmlError(f"{info.filename}: corrupt ZIP entry ({exc})") from exc


def is_nml_entry(info: zipfile.ZipInfo) -> bool:
    """Whether a ZIP entry is an NML file (not a directory, not macOS resource fork metadata)."""
    name = info.filename
    return (
        not info.is_dir()
        and name.lower().endswith(".nml")
        and not name.startswith(_IGNORED_ZIP_PREFIX)
    )


def _has_entry(names: set[str], nml_name: str, location: str) -> bool:
    """Whether ``location`` names an entry, at the archive root or next to the NML."""
    beside_nml = str(PurePosixPath(nml_name).parent / location)
    return location in names or beside_nml in names
