"""Annotations: info, download, upload, metadata, finish/reopen/reset, duplicate, merge, cancel."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from contextlib import AbstractAsyncContextManager
from typing import TypeVar

import attrs

from wkapi._checks import INT64_MAX, check_bool, check_id, check_int, check_items, check_str
from wkapi._errors import InputError
from wkapi._session import QueryValue
from wkapi._transfer import (
    DownloadBody,
    DownloadResult,
    ProgressCallback,
    download_to,
    open_download,
    post_files,
)
from wkapi.models import Annotation, AnnotationType, ServerMessage, UploadResult, Visibility

from ._base import Resource

__all__ = ["AnnotationTypeLike", "AnnotationsResource", "annotation_type"]

AnnotationTypeLike = AnnotationType | str
"""An annotation type: the enum member or its name (``"Explorational"``, ``"CompoundTask"``)."""

PathLike = str | os.PathLike[str]

_ZIP_FORMATS = ("wkw", "zarr3")

# What the :id of a route names, by annotation type (used in error messages).
_ID_KIND = {
    AnnotationType.COMPOUND_TASK: "task id",
    AnnotationType.COMPOUND_PROJECT: "project id",
    AnnotationType.COMPOUND_TASK_TYPE: "task type id",
}


_Vocabulary = TypeVar("_Vocabulary", AnnotationType, Visibility)


def _member(vocabulary: type[_Vocabulary], value: object, what: str) -> _Vocabulary:
    """The member of a str enum that ``value`` is or names (case-insensitively)."""
    if isinstance(value, vocabulary):
        return value
    if isinstance(value, str):
        for member in vocabulary:
            if member.value.lower() == value.lower():
                return member
    allowed = ", ".join(member.value for member in vocabulary)
    raise InputError(f"{what} must be one of {allowed}, got {value!r}")


def annotation_type(value: object, what: str = "typ") -> AnnotationType:
    """``value`` as an :class:`~wkapi.models.AnnotationType` (names match case-insensitively);
    :class:`~wkapi.InputError` naming ``what`` for anything else."""
    return _member(AnnotationType, value, what)


def _address(typ: AnnotationTypeLike, annotation_id: str, what: str = "typ") -> str:
    kind = annotation_type(typ, what)
    checked = check_id(_ID_KIND.get(kind, "annotation id"), annotation_id)
    return f"/annotations/{kind.value}/{checked}"


def _timestamp(value: int | None) -> int:
    if value is None:
        return time.time_ns() // 1_000_000
    return check_int("timestamp", value, minimum=0, maximum=INT64_MAX)


def _version(value: int | None, what: str) -> int | None:
    return None if value is None else check_int(what, value, minimum=0, maximum=INT64_MAX)


def _download_params(
    skip_volume_data: bool | None,
    volume_data_zip_format: str | None,
    skeleton_version: int | None,
    volume_version: int | None,
) -> dict[str, QueryValue]:
    if volume_data_zip_format is not None and volume_data_zip_format not in _ZIP_FORMATS:
        raise InputError(
            f"volume_data_zip_format must be 'wkw' or 'zarr3', got {volume_data_zip_format!r}"
        )
    if skip_volume_data is not None:
        check_bool("skip_volume_data", skip_volume_data)
    return {
        "skipVolumeData": skip_volume_data,
        "volumeDataZipFormat": volume_data_zip_format,
        "skeletonVersion": _version(skeleton_version, "skeleton_version"),
        "volumeVersion": _version(volume_version, "volume_version"),
    }


class AnnotationsResource(Resource):
    """Annotations (``wk.annotations``), addressed by type and id.

    ``typ`` is an :class:`~wkapi.models.AnnotationType` or its name. For the compound types
    (``CompoundTask``, ``CompoundProject``, ``CompoundTaskType``) the id is that of the task,
    project or task type whose finished annotations are merged.
    """

    async def info(
        self, typ: AnnotationTypeLike, annotation_id: str, timestamp: int | None = None
    ) -> Annotation:
        """``GET /annotations/:typ/:id/info``: one annotation.

        Args:
            timestamp: the request time in epoch milliseconds; default now.
        """
        path = _address(typ, annotation_id) + "/info"
        params = {"timestamp": _timestamp(timestamp)}
        data = await self._session.request_json("GET", path, params=params)
        annotation = self._structure(data, Annotation)
        for store in (annotation.data_store, annotation.tracing_store):
            if store is not None:  # the server names them: they may receive the token
                self._session.trust_origin(store.url)
        return annotation

    def stream(
        self,
        typ: AnnotationTypeLike,
        annotation_id: str,
        *,
        skip_volume_data: bool | None = None,
        volume_data_zip_format: str | None = None,
        skeleton_version: int | None = None,
        volume_version: int | None = None,
    ) -> AbstractAsyncContextManager[DownloadBody]:
        """``GET /annotations/:typ/:id/download`` as a stream (not awaited: use ``async with``).

        .. code-block:: python

            async with wk.annotations.stream("Explorational", annotation_id) as body:
                print(body.filename, body.content_type, body.size)
                async for chunk in body:
                    ...

        ``body.filename`` is a safe file name (the server's, or ``<typ>_<id>.nml``/``.zip``).

        Args:
            skip_volume_data: leave the volume layers' data out of the ZIP.
            volume_data_zip_format: ``"wkw"`` or ``"zarr3"``.
            skeleton_version, volume_version: download an older version of a layer.
        """
        kind = annotation_type(typ)
        path = _address(kind, annotation_id) + "/download"
        params = _download_params(
            skip_volume_data, volume_data_zip_format, skeleton_version, volume_version
        )
        return open_download(
            self._session, path, params=params, fallback_name=f"{kind.value}_{annotation_id}"
        )

    async def download(
        self,
        typ: AnnotationTypeLike,
        annotation_id: str,
        to: PathLike,
        *,
        overwrite: bool = False,
        progress: ProgressCallback | None = None,
        skip_volume_data: bool | None = None,
        volume_data_zip_format: str | None = None,
        skeleton_version: int | None = None,
        volume_version: int | None = None,
    ) -> DownloadResult:
        """``GET /annotations/:typ/:id/download`` into a file, atomically.

        Args:
            to: a directory, which gets the file under the server's name (made safe): an
                existing one, or a path ending in a separator (``"exports/"``); anything else
                is the file's path. Missing directories are created, with their parents;
                a download that saves nothing (it fails or is cancelled) removes those it
                created again, if they are still empty.
            overwrite: replace an existing file (otherwise an existing file is an error).
            progress: told the bytes done and the total (``None`` when the size is unknown).
            skip_volume_data, volume_data_zip_format, skeleton_version, volume_version: as
                in :meth:`stream`.

        Returns:
            The final path, size, SHA-256 and content type. Nothing appears at the final path
            unless the whole body arrived.
        """
        kind = annotation_type(typ)
        path = _address(kind, annotation_id) + "/download"
        params = _download_params(
            skip_volume_data, volume_data_zip_format, skeleton_version, volume_version
        )
        return await download_to(
            self._session,
            path,
            params=params,
            to=to,
            fallback_name=f"{kind.value}_{annotation_id}",
            overwrite=check_bool("overwrite", overwrite),
            progress=progress,
        )

    async def upload(
        self,
        paths: PathLike | Iterable[PathLike],
        create_group_for_each_file: bool = False,
        *,
        progress: ProgressCallback | None = None,
    ) -> UploadResult:
        """``POST /annotations/upload``: NML files and ZIPs of NMLs into one new explorative
        annotation.

        Every file is checked (exists, ``.nml``/``.zip``, not empty, total under the
        server's limit) before anything is sent; files are streamed from disk.

        Args:
            paths: one path or several.
            create_group_for_each_file: wrap each file's trees in a tree group (``True``) or
                prefix tree names with the file name (``False``).
            progress: told the bytes sent and the body's size.

        Returns:
            The new annotation's type and id (:attr:`UploadResult.annotation_id`) and the
            server's messages.
        """
        flag = check_bool("create_group_for_each_file", create_group_for_each_file)
        response = await post_files(
            self._session,
            "/annotations/upload",
            files=paths,
            fields={"createGroupForEachFile": "true" if flag else "false"},
            progress=progress,
        )
        return self._structure(response.json(), UploadResult)

    async def duplicate(self, typ: AnnotationTypeLike, annotation_id: str) -> Annotation:
        """``POST /annotations/:typ/:id/duplicate``: copy an annotation to the caller's account."""
        path = _address(typ, annotation_id) + "/duplicate"
        data = await self._session.request_json("POST", path)
        return self._structure(data, Annotation)

    async def edit(
        self,
        typ: AnnotationTypeLike,
        annotation_id: str,
        *,
        name: str | None = None,
        description: str | None = None,
        visibility: Visibility | str | None = None,
        tags: Iterable[str] | None = None,
    ) -> Annotation:
        """``PATCH /annotations/:typ/:id/edit``: change name, description, visibility or tags.

        Only the arguments given are changed. The server answers with messages only, so this
        reads the annotation back (``GET .../info``) and returns it as it is after the edit,
        with the edit's messages in :attr:`Annotation.messages`. (Should that read fail, its
        error is raised although the edit itself was applied.)
        """
        body: dict[str, object] = {}
        if name is not None:
            body["name"] = check_str("name", name, allow_empty=True)
        if description is not None:
            body["description"] = check_str("description", description, allow_empty=True)
        if visibility is not None:
            body["visibility"] = _member(Visibility, visibility, "visibility").value
        if tags is not None:
            if isinstance(tags, str):
                raise InputError("tags must be a list of strings, not one string")
            body["tags"] = [check_str("tag", tag) for tag in check_items("tags", tags, "strings")]
        if not body:
            raise InputError("edit needs at least one of name, description, visibility, tags")
        path = _address(typ, annotation_id) + "/edit"
        data = await self._session.request_json("PATCH", path, json=body)
        messages = self._messages(data)
        annotation = await self.info(typ, annotation_id)
        return attrs.evolve(annotation, messages=messages)

    async def finish(
        self, typ: AnnotationTypeLike, annotation_id: str, timestamp: int | None = None
    ) -> Annotation:
        """``PATCH /annotations/:typ/:id/finish``: mark an annotation finished.

        Args:
            timestamp: the request time in epoch milliseconds; default now.

        Returns:
            The finished annotation, with the server's messages in ``.messages``.
        """
        path = _address(typ, annotation_id) + "/finish"
        params = {"timestamp": _timestamp(timestamp)}
        data = await self._session.request_json("PATCH", path, params=params)
        return self._structure(data, Annotation)

    async def finish_many(
        self,
        typ: AnnotationTypeLike,
        annotation_ids: Iterable[str],
        timestamp: int | None = None,
    ) -> tuple[ServerMessage, ...]:
        """``PATCH /annotations/:typ/finish``: finish several annotations in one request.

        Returns the server's messages.
        """
        kind = annotation_type(typ)
        if isinstance(annotation_ids, str):
            raise InputError("annotation_ids must be a list of ids, not one string")
        listed = check_items("annotation_ids", annotation_ids, "ids")
        ids = [check_id("annotation id", value) for value in listed]
        if not ids:
            raise InputError("finish_many needs at least one annotation id")
        data = await self._session.request_json(
            "PATCH",
            f"/annotations/{kind.value}/finish",
            params={"timestamp": _timestamp(timestamp)},
            json={"annotations": ids},
        )
        return self._messages(data)

    async def reopen(self, typ: AnnotationTypeLike, annotation_id: str) -> Annotation:
        """``PATCH /annotations/:typ/:id/reopen``: make a finished annotation active again.

        Returns the annotation, with the server's messages in ``.messages``.
        """
        path = _address(typ, annotation_id) + "/reopen"
        data = await self._session.request_json("PATCH", path)
        return self._structure(data, Annotation)

    async def reset(self, annotation_id: str) -> Annotation:
        """``PUT /annotations/Task/:id/reset``: reset a task annotation to its base state.

        Returns the annotation, with the server's messages in ``.messages``.
        """
        path = _address(AnnotationType.TASK, annotation_id) + "/reset"
        data = await self._session.request_json("PUT", path)
        return self._structure(data, Annotation)

    async def merge(
        self,
        typ: AnnotationTypeLike,
        annotation_id: str,
        merged_typ: AnnotationTypeLike,
        merged_id: str,
    ) -> Annotation:
        """``POST /annotations/:typ/:id/merge/:mergedTyp/:mergedId``: merge two annotations
        into a new explorative one.

        Returns the new annotation, with the server's messages in ``.messages``.
        """
        other = _address(merged_typ, merged_id, "merged_typ").removeprefix("/annotations/")
        path = f"{_address(typ, annotation_id)}/merge/{other}"
        data = await self._session.request_json("POST", path)
        return self._structure(data, Annotation)

    async def cancel(
        self, typ: AnnotationTypeLike, annotation_id: str
    ) -> tuple[ServerMessage, ...]:
        """``DELETE /annotations/:typ/:id``: cancel an annotation (a task instance goes back to
        pending). Returns the server's messages."""
        data = await self._session.request_json("DELETE", _address(typ, annotation_id))
        return self._messages(data)
