"""Multipart routes: ``POST /annotations/upload`` and ``POST /tasks/createFromFiles``.

An upload is checked (a file that does not parse, files of different datasets, an unknown
dataset are refused), then parsed into stored content and the uploaded files deleted: its
download is a new file written from that content, as on a real server.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import orjson
from aiohttp import web

from .._build import new_annotation
from .._content import (
    NmlError,
    StoredContent,
    UploadedFile,
    UploadSummary,
    inspect_nml_file,
    inspect_zip_upload,
    read_uploads,
)
from .._context import Context, context
from .._errors import bad_request, html_error, json_response, play_map_error
from .._routing import Route
from ._auth import require_user
from ._lookup import dataset_not_found
from ._multipart import Received, ReceivedFile, receive_multipart
from ._task_creation import TaskSpec, create_tasks, form_json_fields
from ._validation import field_errors

_ANNOTATION_SUFFIXES = (".nml", ".zip")


def _is_annotation_file(received: ReceivedFile) -> bool:
    return Path(received.filename).suffix.lower() in _ANNOTATION_SUFFIXES


async def _inspect(received: ReceivedFile) -> UploadSummary:
    """What an uploaded NML or ZIP holds (dataset, volume layers, counts); NmlError when it does
    not parse."""
    inspect = inspect_zip_upload if received.filename.lower().endswith(".zip") else inspect_nml_file
    return await asyncio.to_thread(inspect, received.path)


def _parse_failure(received: ReceivedFile, reason: str) -> str:
    return f"Could not parse file: {received.filename}. {reason}"


async def upload(request: web.Request) -> web.StreamResponse:
    """One new Explorational annotation from all uploaded files, merged as a server merges
    them (``createGroupForEachFile``: a group per file, else file name prefixes on the trees).
    Its layers and counts are those of the uploaded NMLs: a Volume layer per
    ``<volume name=...>`` (each name once), a Skeleton layer when there are trees or no
    volumes."""
    user = require_user(request)
    ctx = context(request)
    received = await receive_multipart(request, ctx.temp_dir, ctx.max_upload_bytes)
    try:
        files = _annotation_files(request, received)
        dataset = await _checked_dataset(ctx, files)
        group = received.fields["createGroupForEachFile"].strip().lower() == "true"
        stored = await _stored(ctx, files, group_per_file=group)
    finally:
        received.discard()
    annotation = new_annotation(
        ctx.state,
        owner_id=user.id,
        dataset=dataset,
        name=Path(files[0].filename).stem,
        volume_layers=stored.volume_names,
        skeleton=stored.stats.tree_count > 0 or not stored.volumes,
    )
    annotation.stored = stored
    annotation.content_stats = stored.stats
    return json_response(
        {
            "annotation": {"typ": "Explorational", "id": annotation.id},
            "messages": [{"success": "Successfully uploaded file"}],
        }
    )


async def _stored(
    ctx: Context, files: list[ReceivedFile], *, group_per_file: bool
) -> StoredContent:
    """The parsed content of the uploaded files (400 for a value a server would refuse)."""
    uploaded = [UploadedFile(f.path, f.filename) for f in files]
    now = ctx.state.now_ms()
    directory = ctx.work_path("content")
    try:
        return await asyncio.to_thread(
            read_uploads, uploaded, directory, group_per_file=group_per_file, now_ms=now
        )
    except NmlError as exc:
        raise bad_request(f"Could not parse file: {exc.reason}") from None


def _annotation_files(request: web.Request, received: Received) -> list[ReceivedFile]:
    """The uploaded files, refused unless the form is complete and every file is a non-empty
    ``.nml`` or ``.zip``."""
    if "createGroupForEachFile" not in received.fields:
        raise html_error(request, 500, "java.util.NoSuchElementException: None.get")
    files = received.files
    if not files or any(f.size == 0 for f in files):
        raise bad_request("No file or file with empty content uploaded")
    for received_file in files:
        if not _is_annotation_file(received_file):
            raise bad_request(_parse_failure(received_file, "Expected a .nml or .zip file"))
    return files


async def _checked_dataset(ctx: Context, files: list[ReceivedFile]) -> str:
    """The dataset all files are of; 400 for a file that does not parse or files of different
    datasets, 404 for an unknown dataset."""
    summaries = []
    for received_file in files:
        try:
            summaries.append(await _inspect(received_file))
        except NmlError as exc:
            raise bad_request(_parse_failure(received_file, exc.reason)) from None
    datasets = {summary.dataset for summary in summaries}
    if len(datasets) > 1:
        raise bad_request("Cannot merge annotations of different datasets")
    dataset = datasets.pop()
    if dataset not in ctx.state.datasets:
        raise dataset_not_found(dataset)
    return dataset


async def create_from_files(request: web.Request) -> web.StreamResponse:
    """One task per uploaded NML or ZIP (other files are ignored), configured by ``formJSON``;
    the file name becomes the task's ``creationInfo``."""
    user = require_user(request)
    ctx = context(request)
    received = await receive_multipart(request, ctx.temp_dir, ctx.max_upload_bytes)
    try:
        raw_form = received.fields.get("formJSON")
        if raw_form is None:
            raise bad_request("Missing form field formJSON")
        try:
            form = orjson.loads(raw_form)
        except orjson.JSONDecodeError as exc:
            raise bad_request(f"formJSON is not valid JSON: {exc}") from None
        errors = field_errors(form, form_json_fields(ctx))
        if errors:
            raise play_map_error(errors)
        files = [f for f in received.files if _is_annotation_file(f)]
        if not files:
            raise bad_request("No NML file uploaded: expected at least one .nml or .zip file")
        specs = []
        for received_file in files:
            try:
                dataset = (await _inspect(received_file)).dataset
                refusal = None
            except NmlError as exc:
                dataset, refusal = "", _parse_failure(received_file, exc.reason)
            spec = TaskSpec.from_json(ctx, form, dataset=dataset)
            spec.creation_info = received_file.filename
            spec.refusal = refusal
            specs.append(spec)
        return create_tasks(request, user, specs)
    finally:
        received.discard()


ROUTES = [
    Route("POST", "/annotations/upload", upload),
    Route("POST", "/tasks/createFromFiles", create_from_files),
]
