"""Annotation downloads: single, volume, names, headers, ranges, chunked, compound, large."""

from __future__ import annotations

import hashlib
import io
import xml.etree.ElementTree as ET
import zipfile

import aiohttp
import psutil
import pytest

from tests.testing.helpers import Api
from wkapi.testing import FakeWebknossos
from wkapi.testing.pytest_plugin import FakeWebknossosFactory


def _skeleton_only(server: FakeWebknossos) -> str:
    return server.add_annotation(dataset="l4_sample", name="axon_42")


async def test_skeleton_download(any_api: Api) -> None:
    annotation_id = _skeleton_only(any_api.server)
    reply = await any_api.get(f"/annotations/Explorational/{annotation_id}/download")
    assert reply.status == 200
    assert reply.content_type == "application/xml"
    assert reply.headers["Content-Disposition"] == 'attachment;filename="axon_42.nml"'
    assert reply.headers["Content-Length"] == str(len(reply.body))
    assert reply.headers["Cache-Control"] == "no-cache"
    assert ET.fromstring(reply.body).tag == "things"
    assert hashlib.sha256(reply.body).hexdigest() == any_api.server.expected_sha256(annotation_id)


async def test_volume_download_is_a_zip(api: Api) -> None:
    annotation_id = api.server.add_annotation(
        dataset="l4_sample", name="cells", volume_layers=("Volume",)
    )
    path = f"/annotations/Explorational/{annotation_id}/download"
    reply = await api.get(path)
    assert reply.content_type == "application/zip"
    assert reply.headers["Content-Disposition"] == 'attachment;filename="cells.zip"'
    names = zipfile.ZipFile(io.BytesIO(reply.body)).namelist()
    assert sorted(names) == ["cells.nml", "data_Volume.zip"]
    assert hashlib.sha256(reply.body).hexdigest() == api.server.expected_sha256(annotation_id)
    skipped = await api.get(path, params={"skipVolumeData": "true"})
    assert zipfile.ZipFile(io.BytesIO(skipped.body)).namelist() == ["cells.nml"]
    zarr = await api.get(path, params={"volumeDataZipFormat": "zarr3"})
    assert zarr.status == 200
    assert zarr.body != reply.body
    bad = await api.get(path, params={"volumeDataZipFormat": "tiff"})
    assert (bad.status, bad.content_type) == (400, "text/html")


async def test_several_volume_layers(api: Api) -> None:
    annotation_id = api.server.add_annotation(
        dataset="l4_sample", name="two", volume_layers=("A", "B"), skeleton=False
    )
    reply = await api.get(f"/annotations/Explorational/{annotation_id}/download")
    names = sorted(zipfile.ZipFile(io.BytesIO(reply.body)).namelist())
    assert names == ["data_0_A.zip", "data_1_B.zip", "two.nml"]


async def test_default_file_names(api: Api) -> None:
    server = api.server
    owner_id = server.add_user(first_name="Ünal", last_name="Boyá")
    annotation_id = server.add_annotation(dataset="l4_sample", owner_id=owner_id)
    reply = await api.get(f"/annotations/Explorational/{annotation_id}/download")
    expected = f"l4_sample__explorational__uboya__{annotation_id[-6:]}.nml"
    assert reply.headers["Content-Disposition"] == f'attachment;filename="{expected}"'
    task_annotation = next(a for a in server.state.annotations.values() if a.typ == "Task")
    reply = await api.get(f"/annotations/Task/{task_annotation.id}/download")
    assert f"__{task_annotation.task_id}__" in reply.headers["Content-Disposition"]


async def test_non_ascii_name_gets_rfc5987(api: Api) -> None:
    annotation_id = api.server.add_annotation(dataset="l4_sample", name="Zellkörper")
    reply = await api.get(f"/annotations/Explorational/{annotation_id}/download")
    disposition = reply.headers["Content-Disposition"]
    assert disposition.startswith('attachment;filename="Zellkorper.nml"')
    assert "filename*=utf-8''Zellk%C3%B6rper.nml" in disposition


async def test_view_annotations_cannot_be_downloaded(api: Api) -> None:
    view = next(a.id for a in api.server.state.annotations.values() if a.typ == "View")
    for typ in ("View", "Explorational"):
        reply = await api.get(f"/annotations/{typ}/{view}/download")
        assert reply.status == 400
        assert reply.json()["messages"][0]["error"] == "Cannot download View annotation"


async def test_range_request(api: Api) -> None:
    annotation_id = _skeleton_only(api.server)
    path = f"/annotations/Explorational/{annotation_id}/download"
    whole = (await api.get(path)).body
    reply = await api.get(path, headers={"Range": "bytes=100-"})
    assert reply.status == 206
    assert reply.body == whole[100:]
    assert reply.headers["Content-Range"] == f"bytes 100-{len(whole) - 1}/{len(whole)}"
    assert reply.headers["Content-Length"] == str(len(whole) - 100)
    past = await api.get(path, headers={"Range": f"bytes={len(whole)}-"})
    assert past.status == 416
    ignored = await api.get(path, headers={"Range": "bytes=0-10,20-30"})
    assert (ignored.status, ignored.body) == (200, whole)


async def test_chunked_downloads(
    session: aiohttp.ClientSession, fake_wk_factory: FakeWebknossosFactory
) -> None:
    server = await fake_wk_factory(chunked_downloads=True)
    annotation_id = _skeleton_only(server)
    api = Api(session, server)
    reply = await api.get(f"/annotations/Explorational/{annotation_id}/download")
    assert "Content-Length" not in reply.headers
    assert reply.headers["Transfer-Encoding"] == "chunked"
    assert hashlib.sha256(reply.body).hexdigest() == server.expected_sha256(annotation_id)


async def test_compound_project_holds_only_finished(api: Api) -> None:
    server = api.server
    project = server.add_project("compound_me")
    task_type = next(t.id for t in server.state.task_types.values() if t.tracing_type == "skeleton")
    for _ in range(3):
        server.add_task(project, task_type, "l4_sample", instances=2)
    created = server.simulate_annotators(project, finish_fraction=0.5, seed=1)
    finished = [a for a in created if server.state.annotations[a].state == "Finished"]
    reply = await api.get(f"/annotations/CompoundProject/{project}/download", role="team_manager")
    assert reply.status == 200
    assert reply.content_type == "application/zip"
    assert reply.headers["Content-Disposition"] == 'attachment; filename="compound_me_nmls.zip"'
    archive = zipfile.ZipFile(io.BytesIO(reply.body))
    assert len(archive.namelist()) == len(finished) == 3
    assert all(name.endswith(".nml") for name in archive.namelist())
    assert not list(server._ctx.temp_dir.glob("compound-*"))  # streamed, then gone


async def test_compound_task_and_task_type(api: Api) -> None:
    server = api.server
    volume = next(
        a for a in server.state.annotations.values() if a.typ == "Task" and a.volume_layers
    )
    task_id = volume.task_id
    reply = await api.get(f"/annotations/CompoundTask/{task_id}/download")
    assert reply.headers["Content-Disposition"] == f'attachment; filename="{task_id}_nmls.zip"'
    names = zipfile.ZipFile(io.BytesIO(reply.body)).namelist()
    assert len(names) == 1
    assert names[0].endswith(".zip")
    task_type = server.state.tasks[task_id or ""].task_type_id
    reply = await api.get(f"/annotations/CompoundTaskType/{task_type}/download")
    summary = server.state.task_types[task_type].summary
    assert reply.headers["Content-Disposition"] == f'attachment; filename="{summary}_nmls.zip"'


async def test_large_synthetic_download_with_flat_memory(api: Api) -> None:
    size = 300 * 1024 * 1024
    annotation_id = api.server.add_synthetic_annotation(size, "zip")
    process = psutil.Process()
    digest = hashlib.sha256()
    received = 0
    peak = before = process.memory_info().rss
    url = f"{api.server.url}/api/annotations/Explorational/{annotation_id}/download"
    headers = {"X-Auth-Token": api.server.tokens["user"]}
    async with api.session.get(url, headers=headers) as response:
        assert response.headers["Content-Length"] == str(size)
        async for chunk in response.content.iter_chunked(1 << 20):
            digest.update(chunk)
            received += len(chunk)
            if received % (32 << 20) < len(chunk):
                peak = max(peak, process.memory_info().rss)
    assert received == size
    assert digest.hexdigest() == api.server.expected_sha256(annotation_id)
    assert peak - before < 64 * 1024 * 1024


@pytest.mark.parametrize("kind", ["nml", "zip"])
def test_synthetic_size_too_small(kind: str) -> None:
    server = FakeWebknossos()
    count = len(server.state.annotations)
    with pytest.raises(ValueError, match="at least"):
        server.add_synthetic_annotation(10, kind)
    assert len(server.state.annotations) == count


@pytest.mark.parametrize("name", ["", "my cells"])
async def test_synthetic_zip_follows_the_download_layout(api: Api, name: str) -> None:
    server = api.server
    size = 200_003
    annotation_id = server.add_synthetic_annotation(size, "zip", name=name)
    reply = await api.get(f"/annotations/Explorational/{annotation_id}/download")
    assert len(reply.body) == size
    stem = reply.headers["Content-Disposition"].split('filename="')[1].removesuffix('.zip"')
    if name:
        assert stem == name
    archive = zipfile.ZipFile(io.BytesIO(reply.body))
    assert archive.namelist() == [f"{stem}.nml", "data_Volume.zip"]
    volume = ET.fromstring(archive.read(f"{stem}.nml")).find("volume")
    assert volume is not None
    assert (volume.get("name"), volume.get("location")) == ("Volume", "data_Volume.zip")
    inner = zipfile.ZipFile(io.BytesIO(archive.read("data_Volume.zip")))
    assert inner.testzip() is None
    assert inner.namelist()
    info = (await api.get(f"/annotations/Explorational/{annotation_id}/info?timestamp=1")).json()
    assert [layer["name"] for layer in info["annotationLayers"]] == ["Skeleton", "Volume"]
    again = FakeWebknossos()
    again_id = again.add_synthetic_annotation(size, "zip", name=name)
    assert again.expected_sha256(again_id) == server.expected_sha256(annotation_id)
