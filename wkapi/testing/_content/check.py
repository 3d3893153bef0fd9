"""The checks an uploaded NML or ZIP goes through, streaming with bounded memory.

Checking needs well-formedness, the root element, the dataset name, the volume layers and the
skeleton counts, so it drives expat directly: no element tree is built at all. Once the facts
that need attributes are known the per-element start callback is switched off; the counts come
from an end callback that is a C-level ``list.append`` of the element name, tallied and cleared
after every chunk, so parsing still runs near C speed.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO
from xml.parsers import expat

from .stats import SkeletonStats, total

READ_CHUNK = 1 << 20
_IGNORED_ZIP_PREFIX = "__MACOSX/"


class NmlError(Exception):
    """An uploaded file the server would refuse; ``reason`` is a short human text."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class NmlSummary:
    """What a check learns from one NML. ``volume_names`` (and ``volume_locations``) are only
    collected when asked for; ``volume_count`` always is."""

    dataset: str
    stats: SkeletonStats = field(default_factory=SkeletonStats)
    volume_count: int = 0
    volume_names: tuple[str, ...] = ()
    volume_locations: tuple[str, ...] = ()


@dataclass(frozen=True)
class UploadSummary:
    """What an uploaded file holds: its dataset, the names of its volume layers (from the
    ``<volume name=...>`` elements, each name once) and the skeleton counts of its NMLs."""

    dataset: str
    volume_names: tuple[str, ...] = ()
    stats: SkeletonStats = field(default_factory=SkeletonStats)


def check_nml_file(path: Path) -> str:
    """Check that ``path`` is a well-formed NML, streaming; return its dataset name.

    The dataset name comes from ``<experiment name=...>`` (``""`` if absent). Raises
    :class:`NmlError` for an empty file, XML that is not well-formed, or a root other than
    ``<things>``.
    """
    return inspect_nml_file(path).dataset


def inspect_nml_file(path: Path) -> UploadSummary:
    """:func:`check_nml_file`, returning everything the check learnt.

    Volume names need the attribute callback to stay on to the end, so a file that turns out to
    have ``<volume>`` elements is parsed a second time for them (they are rare in plain NMLs).
    """
    with path.open("rb") as source:
        summary = scan_nml(source)
    if summary.volume_count:
        with path.open("rb") as source:
            summary = scan_nml(source, want_volumes=True)
    return summarize(summary.dataset, [summary])


def summarize(dataset: str, parts: Iterable[NmlSummary | UploadSummary]) -> UploadSummary:
    """One :class:`UploadSummary` for NMLs (or uploads) of ``dataset`` that end up in one
    annotation: volume names in order of appearance, each once, and the counts added up."""
    parts = list(parts)
    names = dict.fromkeys(name for part in parts for name in part.volume_names)
    return UploadSummary(dataset, tuple(names), total(part.stats for part in parts))


def check_zip_upload(path: Path) -> str:
    """Check an uploaded ZIP of NMLs, streaming each ``.nml`` entry; return the dataset name.

    Raises :class:`NmlError` when the file is not a ZIP, holds no NML, holds an NML that is not
    well-formed, NMLs of different datasets, or an NML whose ``<volume location=...>`` names a
    data zip the archive lacks. Other entries (volume data zips) are not inspected.
    """
    return inspect_zip_upload(path).dataset


def inspect_zip_upload(path: Path) -> UploadSummary:
    """:func:`check_zip_upload`, returning everything the check learnt about all its NMLs."""
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
        summaries: list[NmlSummary] = []
        for info in nmls:
            summary = _scan_zip_entry(archive, info)
            summaries.append(summary)
            for location in summary.volume_locations:
                if volume_entry(names, info.filename, location) is None:
                    raise NmlError(
                        f"{info.filename}: volume data {location!r} is missing from the ZIP archive"
                    )
            if summary.dataset:
                datasets.setdefault(summary.dataset, info.filename)
    if len(datasets) > 1:
        listed = ", ".join(f"{file} ({dataset})" for dataset, file in datasets.items())
        raise NmlError(f"NML files of different datasets: {listed}")
    return summarize(next(iter(datasets), ""), summaries)


class _EndTally:
    """Counts the elements that matter for the statistics as they end, at C speed: expat
    appends each end tag's name to a list, which :meth:`tally` counts and clears."""

    COUNTED = ("thing", "node", "edge", "branchpoint", "volume")

    def __init__(self, parser: expat.XMLParserType) -> None:
        self._ended: list[str] = []
        self.counts = dict.fromkeys(self.COUNTED, 0)
        parser.EndElementHandler = self._ended.append

    def tally(self) -> None:
        ended, counts = self._ended, self.counts
        if ended:
            for name in self.COUNTED:
                counts[name] += ended.count(name)
            ended.clear()

    def stats(self) -> SkeletonStats:
        counts = self.counts
        return SkeletonStats(counts["thing"], counts["node"], counts["edge"], counts["branchpoint"])


def scan_nml(source: IO[bytes], *, want_volumes: bool = False) -> NmlSummary:
    """Parse an NML from ``source`` in 1 MiB reads, checking it and counting its elements;
    collect volume names and locations only when ``want_volumes`` (that keeps the per-element
    start callback on to the end)."""
    parser = expat.ParserCreate()
    tally = _EndTally(parser)
    root: list[str] = []
    dataset: list[str] = []
    names: list[str] = []
    locations: list[str] = []

    def on_start(name: str, attrs: dict[str, str]) -> None:
        if not root:
            root.append(name)
            if name != "things":
                raise NmlError(f"Root element is <{name}>, expected <things>")
        elif name == "experiment" and not dataset:
            dataset.append(attrs.get("name", ""))
        elif name == "volume":
            names.append(attrs.get("name") or "Volume")
            if attrs.get("location"):
                locations.append(attrs["location"])
        if not want_volumes and (dataset or name == "thing"):
            parser.StartElementHandler = None

    parser.StartElementHandler = on_start
    parse_stream(parser, source, after_chunk=tally.tally)
    return NmlSummary(
        dataset[0] if dataset else "",
        tally.stats(),
        tally.counts["volume"],
        tuple(names) if want_volumes else (),
        tuple(locations),
    )


def parse_stream(
    parser: expat.XMLParserType,
    source: IO[bytes],
    *,
    after_chunk: Callable[[], None] | None = None,
) -> None:
    """Feed ``source`` to ``parser`` in 1 MiB reads, calling ``after_chunk`` after each (and
    after the end). Raises :class:`NmlError` for an empty source or XML that is not
    well-formed; exceptions raised by the parser's handlers pass through."""
    chunk = source.read(READ_CHUNK)
    if not chunk:
        raise NmlError("File is empty")
    try:
        while chunk:
            parser.Parse(chunk, False)
            if after_chunk is not None:
                after_chunk()
            chunk = source.read(READ_CHUNK)
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise NmlError(f"Error parsing XML: {exc}") from exc
    if after_chunk is not None:
        after_chunk()


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


def volume_entry(names: Collection[str], nml_name: str, location: str) -> str | None:
    """The entry of the archive holding ``names`` that an NML's ``<volume location=...>``
    names, at the archive's root or next to the NML; ``None`` when there is none."""
    if location in names:
        return location
    beside_nml = str(PurePosixPath(nml_name).parent / location)
    return beside_nml if beside_nml in names else None
