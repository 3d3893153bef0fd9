"""New annotations made from stored ones: ``duplicate`` and ``merge``.

A duplicate downloads exactly what its original does: it shares the original's uploaded file
(kept files are never changed or deleted while the server runs), its generator (still streamed,
never held whole) or its seed (a rendered NML; only the ``<meta>`` values that name the
annotation differ, as on a real server).

A merge holds the trees of both sides: the NML of each side (an uploaded file or the NMLs in an
uploaded ZIP, a generated body, or the rendered NML) is merged with the same streaming merge an
upload of several files goes through, each side's trees in a group named after it. The result
is an NML kept like an upload; volume layers are listed, but as in a merged upload the NML keeps
their ``<volume>`` elements without data. Merging generated content rather than rendering
something new keeps what a test uploaded or generated visible in the result.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ._build import new_annotation
from ._content import merge_nml_files, render_nml, total
from ._downloads import content_of, download_stem, skeleton_stats, synthetic_body
from ._state import Annotation, State

_merge_counter = itertools.count()
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
    copy.upload_path = source.upload_path
    copy.synthetic = source.synthetic
    copy.content_stats = source.content_stats
    return copy


async def merge_annotations(
    state: State, owner_id: str, sources: Sequence[Annotation], temp_dir: Path
) -> Annotation:
    """A new Explorational annotation of ``owner_id`` whose NML merges those of ``sources``
    (all on one dataset). Raises ``NmlError`` if a side's content does not merge."""
    number = next(_merge_counter)
    dest = temp_dir / f"merged-annotation-{number}.nml"
    inputs = [_merge_input(state, source) for source in sources]
    await asyncio.to_thread(_merge_files, inputs, temp_dir / f"merge-work-{number}", dest)
    layers = dict.fromkeys(layer for source in sources for layer in source.volume_layers)
    merged = new_annotation(
        state,
        owner_id=owner_id,
        dataset=sources[0].dataset,
        volume_layers=tuple(layers),
        skeleton=any(source.skeleton for source in sources),
    )
    merged.upload_path = dest
    merged.content_stats = total(skeleton_stats(source) for source in sources)
    return merged


@dataclass(frozen=True)
class _MergeInput:
    """One side of a merge: the file name it gets (its label in the merged NML) and how to put
    its content at a path."""

    file_name: str
    write: Callable[[Path], None]


def _merge_input(state: State, source: Annotation) -> _MergeInput:
    """Read what a side needs from the state now (on the event loop); the writing happens in
    a worker thread."""
    stem = download_stem(state, source).translate(_UNSAFE_IN_FILE_NAMES)[:_MAX_STEM] or "merged"
    if source.synthetic is not None:
        body = synthetic_body(source.synthetic, source.dataset, state.organization)

        def spill(dest: Path) -> None:
            with dest.open("wb") as handle:
                for chunk in body.chunks():
                    handle.write(chunk)

        return _MergeInput(f"{stem}.{source.synthetic.kind}", spill)
    if source.upload_path is not None:
        uploaded = source.upload_path
        return _MergeInput(stem + uploaded.suffix.lower(), lambda dest: _link(uploaded, dest))
    nml = render_nml(content_of(state, source))

    def write_rendered(dest: Path) -> None:
        dest.write_bytes(nml)

    return _MergeInput(f"{stem}.nml", write_rendered)


def _link(source: Path, dest: Path) -> None:
    """A hard link (the temporary directory is one file system), or a copy where that fails."""
    try:
        os.link(source, dest)
    except OSError:
        shutil.copyfile(source, dest)


def _merge_files(inputs: Sequence[_MergeInput], work_dir: Path, dest: Path) -> None:
    """Write each side into a folder of its own (names may repeat), then merge them."""
    try:
        paths = []
        for index, item in enumerate(inputs):
            folder = work_dir / str(index)
            folder.mkdir(parents=True)
            path = folder / item.file_name
            item.write(path)
            paths.append(path)
        merge_nml_files(paths, dest, create_group_for_each_file=True)
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
