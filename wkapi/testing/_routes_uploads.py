"""Multipart routes: ``POST /annotations/upload`` and ``POST /tasks/createFromFiles``."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

import orjson
from aiohttp import web

from ._auth import require_user
from ._build import new_annotation
from ._content import NmlError, check_nml_file, check_zip_upload, merge_nml_files
from ._context import context
from ._errors import bad_request, html_error, json_response, play_map_error
from ._lookup import dataset_not_found
from ._multipart import ReceivedFile, receive_multipart
from ._routing import Route
from ._task_creation import TaskSpec, create_tasks, form_json_fields
from ._validation import field_errors

_ANNOTATION_SUFFIXES = (".nml", ".zip")
_merge_counter = itertools.count()


def _is_annotation_file(received: ReceivedFile) -> bool:
    return Path(received.filename).suffix.lower() in _ANNOTATION_SUFFIXES


async def _dataset_of(received: ReceivedFile) -> str:
    """The dataset an uploaded NML or ZIP names; NmlError when it does not parse."""
    check = check_zip_upload if received.filename.lower().endswith(".zip") else check_nml_file
    return await asyncio.to_thread(check, received.path)


def _parse_failure(received: ReceivedFile, reason: str) -> str:
    return f"Could not parse file: {received.filename}. {reason}"


async def upload(request: web.Request) -> web.StreamResponse:
    """One new Explorational annotation from all uploaded files. A single file is kept as it
    is and downloads byte for byte; several are merged into one NML."""
    user = require_user(request)
    ctx = context(request)
    received = await receive_multipart(request, ctx.temp_dir, ctx.max_upload_bytes)
    kept: Path | None = None
    try:
        if "createGroupForEachFile" not in received.fields:
            raise html_error(request, 500, "java.util.NoSuchElementException: None.get")
        files = received.files
        if not files or any(f.size == 0 for f in files):
            raise bad_request("No file or file with empty content uploaded")
        for received_file in files:
            if not _is_annotation_file(received_file):
                raise bad_request(_parse_failure(received_file, "Expected a .nml or .zip file"))
        datasets = set()
        for received_file in files:
            try:
                datasets.add(await _dataset_of(received_file))
            except NmlError as exc:
                raise bad_request(_parse_failure(received_file, exc.reason)) from None
        if len(datasets) > 1:
            raise bad_request("Cannot merge annotations of different datasets")
        dataset = datasets.pop()
        if dataset not in ctx.state.datasets:
            raise dataset_not_found(dataset)
        if len(files) == 1:
            kept = files[0].path
        else:
            kept = ctx.temp_dir / f"merged-{next(_merge_counter)}.nml"
            group = received.fields["createGroupForEachFile"].strip().lower() == "true"
            paths = [f.path for f in files]
            try:
                await asyncio.to_thread(
                    merge_nml_files, paths, kept, create_group_for_each_file=group
                )
            except NmlError as exc:
                raise bad_request(f"Could not merge the uploaded files. {exc.reason}") from None
        annotation = new_annotation(
            ctx.state, owner_id=user.id, dataset=dataset, name=Path(files[0].filename).stem
        )
        annotation.upload_path = kept
    finally:
        received.discard(keep=kept)
    return json_response(
        {
            "annotation": {"typ": "Explorational", "id": annotation.id},
            "messages": [{"success": "Successfully uploaded file"}],
        }
    )


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
                dataset = await _dataset_of(received_file)
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
