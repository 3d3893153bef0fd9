"""New annotations made from stored ones: ``duplicate`` and ``merge``.

A duplicate has the content of its original: it shares the original's stored content (never
changed once parsed), its generator (still streamed, never held whole) or its seed (a rendered
NML). Its download is written for the duplicate itself, so the ``<meta>`` values that name the
annotation differ, as on a real server; a generated body is sent unchanged.

A merge holds the trees of both sides: the download of each side (a file written from stored
content, a generated body, or the rendered NML or ZIP) is read as an upload of several files
is, each side's trees in a group named after it, into new stored content; volume layers keep
their data (a layer name both sides have is kept once, the first side's). Merging what a test
uploaded or generated rather than rendering something new keeps it visible in the result.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ._build import new_annotation
from ._content import StoredContent, UploadedFile, read_uploads, render_download
from ._context import Context
from ._downloads import content_of, download_stem, synthetic_body, write_stored
from ._state import Annotation, State

_UNSAFE_IN_FILE_NAMES = str.maketrans({"/": "_", "\\": "_", "\0": "_"})
_MAX_STEM = 100


def duplicate_annotation(state: State, owner_id: str, source: Annotation) -> Annotation:
    """A new Explorational annotation of ``owner_id`` with the content of ``source``."""
    copy = new_annotation(
        state,
        owner_id=owner_id,
        dataset=source.dataset,
        name=source.name,
        volume_layers=source.volume_layers,
        skeleton=source.skeleton,
    )
    copy.content_seed = source.content_seed
    copy.stored = source.stored
    copy.synthetic = source.synthetic
    copy.content_stats = source.content_stats
    copy.mag_restrictions = dict(source.mag_restrictions)
    return copy


async def merge_annotations(
    ctx: Context, owner_id: str, sources: Sequence[Annotation]
) -> Annotation:
    """A new Explorational annotation of ``owner_id`` whose content merges that of ``sources``
    (all on one dataset). Raises ``NmlError`` if a side's content does not merge."""
    state = ctx.state
    inputs = [_merge_input(ctx, source) for source in sources]
    work_dir = ctx.work_path("merge-work")
    directory = ctx.work_path("content")
    stored = await asyncio.to_thread(_merge_files, inputs, work_dir, directory, state.now_ms())
    merged = new_annotation(
        state,
        owner_id=owner_id,
        dataset=sources[0].dataset,
        volume_layers=stored.volume_names,
        skeleton=any(source.skeleton for source in sources),
    )
    merged.stored = stored
    merged.content_stats = stored.stats
    return merged


@dataclass(frozen=True)
class _MergeInput:
    """One side of a merge: the file name it gets (its label in the merged content) and how to
    put its download at a path."""

    file_name: str
    write: Callable[[Path], object]


def _merge_input(ctx: Context, source: Annotation) -> _MergeInput:
    """Read what a side needs from the state now (on the event loop); the writing happens in
    a worker thread."""
    state = ctx.state
    stem = download_stem(state, source).translate(_UNSAFE_IN_FILE_NAMES)[:_MAX_STEM] or "merged"
    if source.synthetic is not None:
        body = synthetic_body(source.synthetic, source.dataset, state.organization)

        def spill(dest: Path) -> None:
            with dest.open("wb") as handle:
                for chunk in body.chunks():
                    handle.write(chunk)

        return _MergeInput(f"{stem}.{source.synthetic.kind}", spill)
    stored = source.stored
    if stored is not None:
        suffix = ".zip" if stored.volumes else ".nml"
        return _MergeInput(stem + suffix, lambda dest: write_stored(ctx, source, stored, dest))
    data, content_type = render_download(content_of(state, source))
    suffix = ".zip" if content_type == "application/zip" else ".nml"

    def write_rendered(dest: Path) -> None:
        dest.write_bytes(data)

    return _MergeInput(stem + suffix, write_rendered)


def _merge_files(
    inputs: Sequence[_MergeInput], work_dir: Path, directory: Path, now_ms: int
) -> StoredContent:
    """Write each side into a folder of its own (names may repeat), then read them all."""
    try:
        files = []
        for index, item in enumerate(inputs):
            folder = work_dir / str(index)
            folder.mkdir(parents=True)
            path = folder / item.file_name
            item.write(path)
            files.append(UploadedFile(path, item.file_name))
        return read_uploads(files, directory, group_per_file=True, now_ms=now_ms)
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
