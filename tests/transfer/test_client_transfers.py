"""Transfers through the client's resources against the fake WEBKNOSSOS server."""

from __future__ import annotations

import asyncio
import hashlib
import zipfile
from pathlib import Path

import pytest

from tests.transfer.helpers import DOWNLOADS, MIB, client
from wkapi import (
    APIConnectionError,
    IncompleteDownloadError,
    UploadInputError,
)
from wkapi.nml import assert_same_content
from wkapi.testing import FakeWebknossos, FaultKind

NML = (
    '<things><meta name="writer" content="test"/>'
    '<parameters><experiment name="l4_sample" organization="{org}"/>'
    '<scale x="11.24" y="11.24" z="28.0"/></parameters>'
    '<thing id="1" name="tree"><nodes><node id="1" x="1" y="2" z="3" radius="1"/></nodes>'
    "<edges/></thing></things>"
)


def listing(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def write_nml(server: FakeWebknossos, path: Path) -> Path:
    path.write_text(NML.format(org=server.organization))
    return path


def download_requests(server: FakeWebknossos) -> list:
    return [r for r in server.requests if r.path.endswith("/download")]


async def test_download_matches_the_servers_hash(fake_wk, tmp_path) -> None:
    annotation = fake_wk.add_synthetic_annotation(3 * MIB + 17, "zip")
    async with client(fake_wk) as wk:
        result = await wk.annotations.download("Explorational", annotation, tmp_path)
    assert result.sha256 == fake_wk.expected_sha256(annotation)
    assert result.size == 3 * MIB + 17
    assert result.path.parent == tmp_path
    assert result.path.suffix == ".zip"
    assert listing(tmp_path) == [result.path.name]


async def test_truncated_body_raises_and_leaves_no_file(fake_wk, tmp_path) -> None:
    annotation = fake_wk.add_synthetic_annotation(2 * MIB, "nml")
    fake_wk.faults.add(FaultKind.TRUNCATE, path=DOWNLOADS, after_bytes=100_000)
    async with client(fake_wk) as wk:
        with pytest.raises(IncompleteDownloadError) as caught:
            await wk.annotations.download("Explorational", annotation, tmp_path)
    assert caught.value.expected == 2 * MIB
    assert caught.value.received < 2 * MIB
    assert len(download_requests(fake_wk)) == 3
    assert listing(tmp_path) == []


async def test_cut_mid_body_is_retried_to_the_exact_bytes(fake_wk, tmp_path) -> None:
    annotation = fake_wk.add_synthetic_annotation(4 * MIB, "zip")
    fake_wk.faults.add(FaultKind.TRUNCATE, path=DOWNLOADS, after_bytes=MIB + 5, times=1)
    async with client(fake_wk) as wk:
        result = await wk.annotations.download("Explorational", annotation, tmp_path)
    assert result.sha256 == fake_wk.expected_sha256(annotation)
    first, second = download_requests(fake_wk)
    assert (first.fault, second.status) == ("truncate", 206)  # continued, not restarted


async def test_chunked_download_without_length(fake_wk_factory, tmp_path) -> None:
    server = await fake_wk_factory(chunked_downloads=True)
    annotation = server.add_synthetic_annotation(2 * MIB + 3, "nml")
    async with client(server) as wk:
        async with wk.annotations.stream("Explorational", annotation) as body:
            assert body.size is None
            digest = hashlib.sha256()
            async for chunk in body:
                digest.update(chunk)
        assert digest.hexdigest() == server.expected_sha256(annotation)
        result = await wk.annotations.download("Explorational", annotation, tmp_path)
    assert result.sha256 == server.expected_sha256(annotation)
    assert result.path.suffix == ".nml"


async def test_cancelled_download_leaves_nothing(fake_wk, tmp_path) -> None:
    annotation = fake_wk.add_synthetic_annotation(8 * MIB, "zip")
    fake_wk.faults.add(FaultKind.SLOW_BODY, path=DOWNLOADS, delay=0.01, piece_size=256 * 1024)
    started = asyncio.Event()
    async with client(fake_wk) as wk:
        task = asyncio.create_task(
            wk.annotations.download(
                "Explorational", annotation, tmp_path, progress=lambda done, _: started.set()
            )
        )
        await asyncio.wait_for(started.wait(), 10)
        assert [p.suffix for p in tmp_path.iterdir()] == [".part"]
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert listing(tmp_path) == []


async def test_compound_project_download(fake_wk, tmp_path) -> None:
    task_type = fake_wk.add_task_type("skeleton work")
    project = fake_wk.add_project("compound_demo")
    for _ in range(3):
        fake_wk.add_task(project, task_type, "l4_sample")
    fake_wk.simulate_annotators(project, finish_fraction=1.0, seed=1)
    async with client(fake_wk) as wk:
        result = await wk.annotations.download("CompoundProject", project, tmp_path)
    assert result.path.name == "compound_demo_nmls.zip"
    assert result.content_type == "application/zip"
    with zipfile.ZipFile(result.path) as archive:
        assert len(archive.namelist()) == 3
    assert result.sha256 == hashlib.sha256(result.path.read_bytes()).hexdigest()


@pytest.mark.parametrize("bad", ["missing.nml", "folder.nml", "notes.txt", "empty.zip"])
async def test_bad_upload_inputs_send_nothing(fake_wk, tmp_path, bad) -> None:
    good = write_nml(fake_wk, tmp_path / "good.nml")
    (tmp_path / "folder.nml").mkdir()
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "empty.zip").write_bytes(b"")
    async with client(fake_wk) as wk:
        with pytest.raises(UploadInputError, match="cannot upload") as caught:
            await wk.annotations.upload([good, tmp_path / bad])
    assert caught.value.path == str(tmp_path / bad)
    assert [r for r in fake_wk.requests if r.method == "POST"] == []


async def test_upload_retried_after_503_sends_the_same_bytes(fake_wk, tmp_path) -> None:
    nml = write_nml(fake_wk, tmp_path / "one.nml")
    fake_wk.faults.add(
        FaultKind.STATUS, method="POST", path="/annotations/upload", status=503, times=1
    )
    async with client(fake_wk) as wk:
        created = await wk.annotations.upload(nml)
        posts = [r.status for r in fake_wk.requests if r.method == "POST"]
        assert posts == [503, 200]
        # The one upload that got through created the annotation: its download holds what
        # was sent (written anew by the server, so compared by content).
        again = await wk.annotations.download(
            "Explorational", created.annotation_id, tmp_path / "back.nml"
        )
    assert_same_content(nml, again.path)


async def test_upload_over_the_servers_limit(fake_wk_factory, tmp_path) -> None:
    server = await fake_wk_factory(max_upload_bytes=4096)
    nml = tmp_path / "big.nml"
    nml.write_text(NML.format(org=server.organization) + " " * 8000)
    async with client(server, max_upload_bytes=4096) as wk:
        with pytest.raises(UploadInputError, match="limit"):
            await wk.annotations.upload(nml)
    assert [r for r in server.requests if r.method == "POST"] == []


async def test_create_tasks_from_files(fake_wk, tmp_path) -> None:
    task_type = fake_wk.add_task_type("from files")
    fake_wk.add_project("from_files")
    paths = [write_nml(fake_wk, tmp_path / f"{i}.nml") for i in range(2)]
    from wkapi import TaskFromFilesParams

    async with client(fake_wk) as wk:
        report = await wk.tasks.create_from_files(
            TaskFromFilesParams(task_type, "from_files"), paths
        )
    assert len(report.created) == 2
    assert not report.failed


async def test_connection_drop_before_answer_is_retried(fake_wk, tmp_path) -> None:
    annotation = fake_wk.add_synthetic_annotation(MIB, "nml")
    fake_wk.faults.add(FaultKind.DROP, path=DOWNLOADS, times=1)
    async with client(fake_wk) as wk:
        result = await wk.annotations.download("Explorational", annotation, tmp_path)
    assert result.sha256 == fake_wk.expected_sha256(annotation)


async def test_dropped_every_time_is_a_connection_error(fake_wk, tmp_path) -> None:
    annotation = fake_wk.add_synthetic_annotation(MIB, "nml")
    fake_wk.faults.add(FaultKind.DROP, path=DOWNLOADS)
    async with client(fake_wk) as wk:
        with pytest.raises(APIConnectionError):
            await wk.annotations.download("Explorational", annotation, tmp_path)
    assert listing(tmp_path) == []
