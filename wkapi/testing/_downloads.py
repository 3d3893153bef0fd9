"""What an annotation download sends: its file name, its body source and its checksum.

Bodies are made lazily: seeded annotations are rendered by ``_content`` on first request (renders
are cached up to ``RENDER_CACHE_BYTES``, shared by every server of the process), synthetic ones
are generated while streaming, uploaded (and merged) ones are written from their stored content
to a file in the server's temporary directory, once per form (the file is reused until what its
bytes depend on changes). Compound downloads are written to a temporary ZIP file first, as the
real server builds them fully before sending.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import unicodedata
from collections.abc import Generator
from functools import lru_cache
from pathlib import Path
from typing import Literal

from ._bodies import BodySource, BytesSource, FileSource, GeneratedSource
from ._cache import ByteBudgetCache
from ._content import (
    AnnotationContent,
    DownloadHeader,
    SkeletonStats,
    StoredContent,
    SyntheticBody,
    render_download,
    seeded_skeleton_stats,
    write_download,
    write_zip,
)
from ._context import Context
from ._releases import commit_hash
from ._state import Annotation, State, SyntheticSpec

_XML = "application/xml"
_ZIP = "application/zip"


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def download_stem(state: State, annotation: Annotation) -> str:
    """The name a download gets: the annotation's name, or
    ``<dataset>__<taskId|explorational>__<initial + last name>__<last 6 of id>``."""
    if annotation.name:
        return annotation.name
    owner = state.users.get(annotation.owner_id) if annotation.owner_id else None
    user = _ascii(owner.first_name[:1] + owner.last_name).lower() if owner is not None else ""
    middle = annotation.task_id or "explorational"
    return f"{annotation.dataset}__{middle}__{user}__{annotation.id[-6:]}"


def content_of(state: State, annotation: Annotation) -> AnnotationContent:
    owner = state.users.get(annotation.owner_id) if annotation.owner_id else None
    return AnnotationContent(
        annotation_id=annotation.id,
        name=download_stem(state, annotation),
        dataset=annotation.dataset,
        organization=state.organization,
        username=owner.full_name if owner is not None else "",
        created_ms=annotation.created,
        seed=annotation.content_seed,
        volume_layers=annotation.volume_layers,
    )


# Rendered downloads are pure functions of their content, so every server in the process shares
# them; an export downloads each annotation once or twice and the checksum asks once more.
RENDER_CACHE_BYTES = 64 << 20
_rendered_cache: ByteBudgetCache[tuple[AnnotationContent, bool, str], BytesSource] = (
    ByteBudgetCache(RENDER_CACHE_BYTES, lambda source: source.size)
)


def _rendered(content: AnnotationContent, skip_volume_data: bool, zip_format: str) -> BytesSource:
    def render() -> BytesSource:
        body, content_type = render_download(
            content, skip_volume_data=skip_volume_data, zip_format=zip_format
        )
        return BytesSource(body, content_type)

    return _rendered_cache.get((content, skip_volume_data, zip_format), render)


@lru_cache(maxsize=64)
def synthetic_body(spec: SyntheticSpec, dataset: str, organization: str) -> SyntheticBody:
    """One shared generator per synthetic body, so its checksum is computed once."""
    kind: Literal["nml", "zip"] = "zip" if spec.kind == "zip" else "nml"
    if spec.kind != kind:
        raise ValueError(f"kind must be 'nml' or 'zip', not {spec.kind!r}")
    return SyntheticBody(
        spec.size,
        kind,
        spec.seed,
        dataset=dataset,
        organization=organization,
        nml_name=spec.nml_name,
    )


def _synthetic(state: State, annotation: Annotation) -> SyntheticBody | None:
    if annotation.synthetic is None:
        return None
    return synthetic_body(annotation.synthetic, annotation.dataset, state.organization)


def body_source(
    ctx: Context,
    annotation: Annotation,
    *,
    skip_volume_data: bool = False,
    zip_format: str = "wkw",
) -> BodySource:
    """What ``GET /annotations/:typ/:id/download`` sends for ``annotation``.

    For stored content this may write a file first: call it off the event loop then
    (:func:`writes_a_file`). Stored volume data keeps the format it was uploaded in, whatever
    ``zip_format`` asks (the fake server does not convert voxel data).
    """
    state = ctx.state
    synthetic = _synthetic(state, annotation)
    if synthetic is not None:
        return GeneratedSource(synthetic.size, synthetic.content_type, synthetic.chunks)
    if annotation.stored is not None:
        return _written(ctx, annotation, annotation.stored, skip_volume_data)
    return _rendered(content_of(state, annotation), skip_volume_data, zip_format)


def writes_a_file(annotation: Annotation) -> bool:
    """Whether :func:`body_source` may write a file for ``annotation`` (stored content)."""
    return annotation.synthetic is None and annotation.stored is not None


def download_header(ctx: Context, annotation: Annotation) -> DownloadHeader:
    """What the server's writer says about ``annotation`` in its download."""
    state = ctx.state
    owner = state.users.get(annotation.owner_id) if annotation.owner_id else None
    dataset = state.datasets.get(annotation.dataset)
    return DownloadHeader(
        annotation_id=annotation.id,
        username=owner.full_name if owner is not None else "",
        timestamp_ms=annotation.created,
        organization=state.organization,
        wk_url=ctx.base_url,
        writer_commit=commit_hash(ctx.release),
        nml_name=f"{download_stem(state, annotation)}.nml",
        newer=ctx.new,
        dataset_id=dataset.id if dataset is not None else None,
    )


def write_stored(ctx: Context, annotation: Annotation, stored: StoredContent, dest: Path) -> str:
    """Write the default download of stored content to ``dest``; returns its content type."""
    return write_download(stored, download_header(ctx, annotation), dest)


def _written(
    ctx: Context, annotation: Annotation, stored: StoredContent, skip_volume_data: bool
) -> FileSource:
    header = download_header(ctx, annotation)
    key = (stored.key, header, skip_volume_data)  # the header names the annotation
    path = ctx.written.get(key)
    if path is None or not path.exists():
        part = ctx.work_path(f"download-{annotation.id}").with_suffix(".part")
        try:
            content_type = write_download(stored, header, part, skip_volume_data=skip_volume_data)
            path = part.with_suffix(".zip" if content_type == _ZIP else ".nml")
            os.replace(part, path)
        finally:
            part.unlink(missing_ok=True)
        ctx.written[key] = path
    return FileSource(path, _ZIP if path.suffix == ".zip" else _XML)


def skeleton_stats(annotation: Annotation) -> SkeletonStats:
    """The skeleton counts of the NML the annotation's download holds: known from its upload,
    merge or generator, else derived from the seed its NML is rendered from."""
    if annotation.content_stats is not None:
        return annotation.content_stats
    return seeded_skeleton_stats(annotation.content_seed)


def file_name(state: State, annotation: Annotation, source: BodySource) -> str:
    suffix = ".zip" if source.content_type == _ZIP else ".nml"
    return download_stem(state, annotation) + suffix


def sha256_of(ctx: Context, annotation: Annotation) -> str:
    """The sha256 hex of exactly what a default download of ``annotation`` sends."""
    synthetic = _synthetic(ctx.state, annotation)
    if synthetic is not None:
        return synthetic.sha256()
    source = body_source(ctx, annotation)
    if isinstance(source, BytesSource):
        return source.sha256()
    assert isinstance(source, FileSource)
    digest = hashlib.sha256()
    with source.path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def compound_members(state: State, typ: str, entity_id: str) -> list[Annotation]:
    """The finished Task annotations a compound download of ``typ``/``entity_id`` merges."""
    if typ == "CompoundTask":
        task_ids = [entity_id]
    elif typ == "CompoundProject":
        task_ids = list(state.tasks_by_project.get(entity_id, ()))
    else:
        task_ids = [t.id for t in state.tasks.values() if t.task_type_id == entity_id]
    return [
        annotation
        for task_id in task_ids
        for annotation in state.annotations_of_task(task_id)
        if annotation.state == "Finished"
    ]


async def build_compound_zip(ctx: Context, members: list[Annotation]) -> FileSource:
    """Write the compound ZIP (one entry per member) to a temporary file. Rendering the members
    and writing happen off the event loop."""
    dest = ctx.work_path("compound").with_suffix(".zip")
    await asyncio.to_thread(_write_compound, ctx, members, dest)
    return FileSource(dest, _ZIP, delete_when_opened=True)


def _write_compound(ctx: Context, members: list[Annotation], dest: Path) -> None:
    with (
        dest.open("wb") as handle,
        contextlib.closing(_compound_entries(ctx, members)) as entries,
    ):
        write_zip(entries, handle)


def _compound_entries(
    ctx: Context, members: list[Annotation]
) -> Generator[tuple[str, Path | bytes], None, None]:
    """The members' entries, made one at a time as the ZIP writer asks for them."""
    state = ctx.state
    used: set[str] = set()
    for annotation in members:
        source = body_source(ctx, annotation)
        name = file_name(state, annotation, source)
        if name in used:
            name = f"{annotation.id}_{name}"
        used.add(name)
        if isinstance(source, BytesSource):
            yield name, source.data
        elif isinstance(source, FileSource):
            yield name, source.path
        else:  # synthetic: spill to a file so the ZIP writer never holds it whole
            synthetic = _synthetic(state, annotation)
            assert synthetic is not None
            spill = ctx.work_path(f"spill-{annotation.id}")
            try:
                with spill.open("wb") as handle:
                    for chunk in synthetic.chunks():
                        handle.write(chunk)
                yield name, spill
            finally:
                spill.unlink(missing_ok=True)
