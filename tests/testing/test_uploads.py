"""Multipart uploads: /annotations/upload and /tasks/createFromFiles."""

from __future__ import annotations

import hashlib
import io
import xml.etree.ElementTree as ET
import zipfile

import aiohttp
import orjson
import pytest

from tests.testing.helpers import (
    Api,
    downloaded_nml,
    form,
    info_and_download,
    nml,
    nml_stats,
    skeleton_stats,
    upload,
)
from wkapi.nml import assert_same_content, read_content
from wkapi.testing import FakeWebknossos
from wkapi.testing.pytest_plugin import FakeWebknossosFactory


async def test_a_single_file_is_written_anew_with_its_content(api: Api) -> None:
    """As on a real server, the download is a new file: the content of the upload, not its
    bytes, with the server's own <meta> lines naming the new annotation."""
    content = nml(tree="exact bytes")
    reply = await upload(api, [("cell.nml", content)], createGroupForEachFile="false")
    assert reply.status == 200
    body = reply.json()
    assert body["messages"] == [{"success": "Successfully uploaded file"}]
    assert body["annotation"]["typ"] == "Explorational"
    annotation_id = body["annotation"]["id"]
    stored = api.server.state.annotations[annotation_id]
    assert (stored.owner_id, stored.dataset, stored.typ) == (
        api.server.user_ids["user"],
        "l4_sample",
        "Explorational",
    )
    download = await api.get(f"/annotations/Explorational/{annotation_id}/download")
    assert download.content_type == "application/xml"
    assert download.body != content
    assert assert_same_content(content, download.body).compared["nodes"] == 1
    assert read_content(download.body).annotation_id == annotation_id
    assert api.server.expected_sha256(annotation_id) == hashlib.sha256(download.body).hexdigest()


async def _merged(api: Api, flag: str) -> ET.Element:
    files = [("a.nml", nml(tree="first")), ("b.nml", nml(tree="second"))]
    reply = await upload(api, files, createGroupForEachFile=flag)
    annotation_id = reply.json()["annotation"]["id"]
    return ET.fromstring(
        (await api.get(f"/annotations/Explorational/{annotation_id}/download")).body
    )


async def test_several_files_are_merged(api: Api) -> None:
    grouped = await _merged(api, "true")
    assert [t.get("name") for t in grouped.iter("thing")] == ["first", "second"]
    assert [g.get("name") for g in grouped.iter("group")] == ["a", "b"]
    prefixed = await _merged(api, "false")
    assert [t.get("name") for t in prefixed.iter("thing")] == ["a_first", "b_second"]


async def test_zip_upload(api: Api) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("inner.nml", nml())
    reply = await upload(api, [("bundle.zip", buffer.getvalue())], createGroupForEachFile="false")
    assert reply.status == 200


async def test_missing_create_group_flag_is_500(api: Api) -> None:
    reply = await upload(api, [("a.nml", nml())])
    assert (reply.status, reply.content_type) == (500, "text/html")


async def test_upload_refusals(api: Api) -> None:
    count = len(api.server.state.annotations)
    flag = {"createGroupForEachFile": "false"}
    reply = await upload(api, [("notes.txt", b"hello")], **flag)
    assert reply.status == 400
    reply = await upload(api, [("broken.nml", b"<things><thing>")], **flag)
    assert reply.status == 400
    error = reply.json()["messages"][0]["error"]
    assert error.startswith("Could not parse file: broken.nml. ")
    reply = await upload(api, [("empty.nml", b"")], **flag)
    assert reply.json() == {"messages": [{"error": "No file or file with empty content uploaded"}]}
    reply = await upload(api, [], **flag)
    assert reply.status == 400
    files = [("a.nml", nml("l4_sample")), ("b.nml", nml("2012-06-28_Cortex"))]
    assert (await upload(api, files, **flag)).status == 400
    assert len(api.server.state.annotations) == count
    assert not list(api.server._ctx.temp_dir.iterdir())  # refused files are deleted


async def test_upload_needs_login(api: Api) -> None:
    data = form([("a.nml", nml())], createGroupForEachFile="false")
    assert (await api.post("/annotations/upload", data=data, role=None)).status == 401


async def test_body_too_large_is_413(
    session: aiohttp.ClientSession, fake_wk_factory: FakeWebknossosFactory
) -> None:
    server = await fake_wk_factory(max_upload_bytes=64 * 1024)
    api = Api(session, server)
    big = nml() + b"<!--" + b"x" * (256 * 1024) + b"-->"
    reply = await upload(api, [("big.nml", big)], createGroupForEachFile="false")
    assert (reply.status, reply.content_type) == (413, "text/html")
    assert not list(server._ctx.temp_dir.iterdir())


def _task_form(
    server: FakeWebknossos, files: list[tuple[str, bytes]], **changes: object
) -> aiohttp.FormData:
    task_type = next(t.id for t in server.state.task_types.values() if t.tracing_type == "skeleton")
    spec: dict[str, object] = {
        "taskTypeId": task_type,
        "neededExperience": {"domain": "axons", "value": 1},
        "pendingInstances": 1,
        "openInstances": 1,
        "projectName": "seed_project_alpha",
    }
    spec.update(changes)
    spec = {k: v for k, v in spec.items() if v is not None}
    return form(files, formJSON=orjson.dumps(spec).decode())


async def test_create_from_files(api: Api) -> None:
    files = [("one.nml", nml()), ("two.nml", nml()), ("readme.txt", b"ignored")]
    form_data = _task_form(api.server, files)
    reply = await api.post("/tasks/createFromFiles", data=form_data, version=5)
    assert reply.status == 200
    results = reply.json()["tasks"]
    assert [r["status"] for r in results] == [200, 200]
    assert [r["success"]["creationInfo"] for r in results] == ["one.nml", "two.nml"]
    assert results[0]["success"]["dataSet"] == "l4_sample"


async def test_create_from_files_refusals(api: Api) -> None:
    server = api.server
    no_form = form([("one.nml", nml())])
    assert (await api.post("/tasks/createFromFiles", data=no_form)).status == 400
    no_nml = _task_form(server, [("readme.txt", b"x")])
    assert (await api.post("/tasks/createFromFiles", data=no_nml)).status == 400
    missing_key = _task_form(server, [("one.nml", nml())], pendingInstances=None)
    reply = await api.post("/tasks/createFromFiles", data=missing_key)
    assert reply.json() == {"obj.pendingInstances": [{"msg": ["error.path.missing"], "args": []}]}
    broken = _task_form(server, [("ok.nml", nml()), ("bad.nml", b"<things>")])
    results = (await api.post("/tasks/createFromFiles", data=broken)).json()["tasks"]
    assert [r["status"] for r in results] == [200, 400]


def _layers(info: dict[str, object]) -> list[tuple[str, str]]:
    layers = info["annotationLayers"]
    assert isinstance(layers, list)
    return [(layer["typ"], layer["name"]) for layer in layers]


async def _uploaded_id(api: Api, files: list[tuple[str, bytes]]) -> str:
    reply = await upload(api, files, createGroupForEachFile="true")
    assert reply.status == 200, reply.text
    return str(reply.json()["annotation"]["id"])


@pytest.mark.parametrize("layers", [("Volume",), ("Volume", "Cells")])
async def test_a_downloaded_volume_zip_uploads_with_its_layers_and_counts(
    any_api: Api, layers: tuple[str, ...]
) -> None:
    source = any_api.server.add_annotation(dataset="l4_sample", volume_layers=layers, name="vol")
    source_info, zip_bytes = await info_and_download(any_api, source)
    uploaded = await _uploaded_id(any_api, [("vol.zip", zip_bytes)])
    info, body = await info_and_download(any_api, uploaded)
    assert body != zip_bytes
    assert_same_content(zip_bytes, body)
    expected = [("Skeleton", "Skeleton")] + [("Volume", layer) for layer in layers]
    assert _layers(info) == _layers(source_info) == expected
    assert skeleton_stats(info) == nml_stats(downloaded_nml(body)) == skeleton_stats(source_info)


async def test_uploaded_nmls_report_the_counts_of_what_was_uploaded(any_api: Api) -> None:
    single = await _uploaded_id(any_api, [("cell.nml", nml(tree="one"))])
    info, body = await info_and_download(any_api, single)
    assert _layers(info) == [("Skeleton", "Skeleton")]
    one_node = {"treeCount": 1, "nodeCount": 1, "edgeCount": 0, "branchPointCount": 0}
    assert skeleton_stats(info) == nml_stats(body) == one_node
    seeded = any_api.server.add_annotation(dataset="l4_sample")
    _, seeded_nml = await info_and_download(any_api, seeded)
    merged = await _uploaded_id(any_api, [("a.nml", nml()), ("b.nml", seeded_nml)])
    info, body = await info_and_download(any_api, merged)
    assert skeleton_stats(info) == nml_stats(body)
    assert skeleton_stats(info)["treeCount"] == 1 + nml_stats(seeded_nml)["treeCount"]


async def test_an_nml_with_volumes_but_no_data_lists_them(api: Api) -> None:
    volume = b'<volume id="0" name="Painted" fallbackLayer="segmentation"/></things>'
    uploaded = await _uploaded_id(api, [("painted.nml", nml().replace(b"</things>", volume))])
    info, _ = await info_and_download(api, uploaded)
    assert _layers(info) == [("Skeleton", "Skeleton"), ("Volume", "Painted")]
