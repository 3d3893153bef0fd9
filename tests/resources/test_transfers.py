"""The streaming resource methods: ``annotations.download``/``stream``/``upload`` and
``tasks.create_from_files``, against the fake server in both generations."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest

from tests.resources.helpers import ClientFactory
from wkapi import (
    BadRequestError,
    Client,
    InputError,
    NotFoundError,
    PermissionDeniedError,
    TaskFromFilesParams,
    UploadInputError,
)
from wkapi.models import AnnotationType
from wkapi.nml import assert_same_content, read_content
from wkapi.testing import FakeWebknossos


def explorational(server: FakeWebknossos, **options: object) -> str:
    return server.add_annotation(
        owner_id=server.user_ids["admin"],
        dataset="l4_sample",
        **options,  # type: ignore[arg-type]
    )


def skeleton_task_type(server: FakeWebknossos) -> str:
    return next(t.id for t in server.state.task_types.values() if t.summary == "Trace axons")


async def test_download_writes_the_servers_bytes(
    server: FakeWebknossos, wk: Client, tmp_path: Path
) -> None:
    annotation_id = explorational(server, name="axon_tracing")
    result = await wk.annotations.download("Explorational", annotation_id, to=tmp_path)
    assert result.path == tmp_path / "axon_tracing.nml"
    assert result.content_type == "application/xml"
    assert result.sha256 == server.expected_sha256(annotation_id)
    data = result.path.read_bytes()
    assert len(data) == result.size
    assert hashlib.sha256(data).hexdigest() == result.sha256
    assert [p.name for p in tmp_path.iterdir()] == ["axon_tracing.nml"]


async def test_download_refuses_to_replace_unless_asked(
    server: FakeWebknossos, wk: Client, tmp_path: Path
) -> None:
    annotation_id = explorational(server)
    target = tmp_path / "mine.nml"
    target.write_bytes(b"keep")
    with pytest.raises(InputError, match="overwrite"):
        await wk.annotations.download("Explorational", annotation_id, to=target)
    assert target.read_bytes() == b"keep"
    result = await wk.annotations.download(
        "Explorational", annotation_id, to=target, overwrite=True
    )
    assert result.path == target
    assert result.sha256 == server.expected_sha256(annotation_id)


@pytest.mark.parametrize(
    ("to", "saved"),
    [
        ("exports/", "exports/axon_tracing.nml"),
        ("exports/2024/may/", "exports/2024/may/axon_tracing.nml"),
        ("exports/2024/mine.nml", "exports/2024/mine.nml"),
    ],
)
async def test_download_creates_missing_directories(
    server: FakeWebknossos,
    wk: Client,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    to: str,
    saved: str,
) -> None:
    # As the CLI and the export do: a trailing separator names a directory, anything else the
    # file; what is missing is created. Relative to the working directory, as a user types it.
    monkeypatch.chdir(tmp_path)
    annotation_id = explorational(server, name="axon_tracing")
    result = await wk.annotations.download("Explorational", annotation_id, to=to)
    assert result.path == Path(saved)
    assert result.sha256 == server.expected_sha256(annotation_id)
    assert hashlib.sha256((tmp_path / saved).read_bytes()).hexdigest() == result.sha256
    assert sorted(p.name for p in (tmp_path / saved).parent.iterdir()) == [Path(saved).name]


async def test_a_refused_download_creates_no_directory(
    server: FakeWebknossos, wk: Client, tmp_path: Path
) -> None:
    with pytest.raises(NotFoundError):
        await wk.annotations.download(
            "Explorational", "0123456789abcdef01234567", to=tmp_path / "exports" / "new"
        )
    assert list(tmp_path.iterdir()) == []


async def test_download_of_a_volume_annotation_and_its_options(
    server: FakeWebknossos, wk: Client, tmp_path: Path
) -> None:
    annotation_id = explorational(server, name="cells", volume_layers=("Volume",))
    full = await wk.annotations.download("Explorational", annotation_id, to=tmp_path / "a.zip")
    assert full.content_type == "application/zip"
    with zipfile.ZipFile(full.path) as archive:
        assert sorted(archive.namelist()) == ["cells.nml", "data_Volume.zip"]
    lean = await wk.annotations.download(
        "Explorational",
        annotation_id,
        to=tmp_path / "b.zip",
        skip_volume_data=True,
        volume_data_zip_format="zarr3",
        skeleton_version=0,
    )
    with zipfile.ZipFile(lean.path) as archive:
        assert archive.namelist() == ["cells.nml"]
    (request,) = [r for r in server.requests if r.route.endswith("/download")][1:]
    assert request.query == {
        "skipVolumeData": "true",
        "volumeDataZipFormat": "zarr3",
        "skeletonVersion": "0",
    }


async def test_stream_yields_the_body_in_chunks(server: FakeWebknossos, wk: Client) -> None:
    annotation_id = server.add_synthetic_annotation(
        3 << 20, "zip", owner_id=server.user_ids["admin"]
    )
    received = io.BytesIO()
    async with wk.annotations.stream("Explorational", annotation_id) as body:
        assert body.content_type == "application/zip"
        assert body.size == 3 << 20
        assert body.filename.endswith(".zip")
        chunks = 0
        async for chunk in body:
            received.write(chunk)
            chunks += 1
    assert chunks > 1
    assert hashlib.sha256(received.getvalue()).hexdigest() == server.expected_sha256(annotation_id)


async def test_compound_download_needs_a_manager(
    server: FakeWebknossos, connect: ClientFactory, tmp_path: Path
) -> None:
    project = server.state.project_by_name("seed_project_alpha")
    assert project is not None
    result = await connect(server).annotations.download(
        AnnotationType.COMPOUND_PROJECT, project.id, to=tmp_path
    )
    assert result.path.name == "seed_project_alpha_nmls.zip"
    with zipfile.ZipFile(result.path) as archive:
        assert len(archive.namelist()) == 3  # the three finished instances
    with pytest.raises(PermissionDeniedError):
        await connect(server, "user").annotations.download(
            "CompoundProject", project.id, to=tmp_path / "no.zip"
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["seed_project_alpha_nmls.zip"]


async def test_missing_annotation_download_is_not_found(
    server: FakeWebknossos, wk: Client, tmp_path: Path
) -> None:
    with pytest.raises(NotFoundError):
        await wk.annotations.download("Explorational", "0123456789abcdef01234567", to=tmp_path)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(InputError, match="volume_data_zip_format"):
        await wk.annotations.download(
            "Explorational", "0123456789abcdef01234567", to=tmp_path, volume_data_zip_format="n5"
        )


async def test_upload_one_file_round_trips(
    server: FakeWebknossos, wk: Client, tmp_path: Path
) -> None:
    source = await wk.annotations.download("Explorational", explorational(server), to=tmp_path)
    seen: list[tuple[int, int | None]] = []
    uploaded = await wk.annotations.upload(
        source.path, progress=lambda done, total: seen.append((done, total))
    )
    assert uploaded.typ == AnnotationType.EXPLORATIONAL
    assert [m.text for m in uploaded.messages] == ["Successfully uploaded file"]
    assert seen
    assert seen[-1][0] == seen[-1][1]
    info = await wk.annotations.info("Explorational", uploaded.annotation_id)
    assert info.dataset_name == "l4_sample"
    again = await wk.annotations.download(
        "Explorational", uploaded.annotation_id, to=tmp_path / "again.nml"
    )
    # A server writes a new file from what it parsed: the content comes back, not the bytes.
    assert again.sha256 != source.sha256
    assert assert_same_content(source.path, again.path).compared["nodes"] > 0
    assert read_content(again.path).annotation_id == uploaded.annotation_id


async def test_upload_several_files_merges_them(
    server: FakeWebknossos, wk: Client, tmp_path: Path
) -> None:
    first = await wk.annotations.download(
        "Explorational", explorational(server, name="one"), to=tmp_path
    )
    second = await wk.annotations.download(
        "Explorational", explorational(server, name="two"), to=tmp_path
    )
    uploaded = await wk.annotations.upload(
        [first.path, str(second.path)], create_group_for_each_file=True
    )
    assert uploaded.annotation_id in server.state.annotations


async def test_upload_refuses_bad_files_before_sending(
    server: FakeWebknossos, wk: Client, tmp_path: Path
) -> None:
    empty = tmp_path / "empty.nml"
    empty.touch()
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    for paths, match in [
        ([tmp_path / "missing.nml"], "missing.nml"),
        ([empty], "empty.nml"),
        ([text], "notes.txt"),
        ([tmp_path], str(tmp_path.name)),
    ]:
        with pytest.raises(UploadInputError, match=match):
            await wk.annotations.upload(paths)
    with pytest.raises(InputError, match="no files"):
        await wk.annotations.upload([])
    with pytest.raises(InputError, match="create_group_for_each_file"):
        await wk.annotations.upload(text, create_group_for_each_file="yes")  # type: ignore[arg-type]
    assert server.requests == []


async def test_upload_of_a_broken_nml_gets_the_servers_message(
    server: FakeWebknossos, wk: Client, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.nml"
    broken.write_text("<things><thing></things>")
    with pytest.raises(BadRequestError) as caught:
        await wk.annotations.upload(broken)
    assert caught.value.messages[0].startswith("Could not parse file: broken.nml.")


async def test_create_from_files_makes_one_task_per_file(
    server: FakeWebknossos, wk: Client, tmp_path: Path
) -> None:
    files = [
        (
            await wk.annotations.download(
                "Explorational", explorational(server, name=f"base{i}"), to=tmp_path
            )
        ).path
        for i in range(2)
    ]
    params = TaskFromFilesParams(
        skeleton_task_type(server),
        "seed_project_alpha",
        needed_experience=("axons", 2),
        open_instances=3,
        bounding_box=(0, 0, 0, 10, 10, 10),
    )
    report = await wk.tasks.create_from_files(params, files)
    assert report.ok
    assert [t.creation_info for t in report.created] == ["base0.nml", "base1.nml"]
    assert all(t.status.pending == 3 for t in report.created)
    assert all(t.needed_experience.domain == "axons" for t in report.created)
    assert all(t.bounding_box is not None for t in report.created)


async def test_create_from_files_with_a_mapping_and_errors(
    server: FakeWebknossos, wk: Client, tmp_path: Path
) -> None:
    nml = (await wk.annotations.download("Explorational", explorational(server), to=tmp_path)).path
    mapping = {"taskTypeId": skeleton_task_type(server), "projectName": "seed_project_alpha"}
    report = await wk.tasks.create_from_files(mapping, nml)
    assert len(report.created) == 1
    with pytest.raises(BadRequestError) as caught:
        await wk.tasks.create_from_files({**mapping, "projectName": "nope_project"}, nml)
    assert caught.value.messages == ["Project could not be found"]

    server.clear_requests()
    with pytest.raises(InputError, match="unknown task parameter"):
        await wk.tasks.create_from_files({**mapping, "dataSet": "l4_sample"}, nml)
    with pytest.raises(InputError, match="project_name is missing"):
        await wk.tasks.create_from_files({"taskTypeId": mapping["taskTypeId"]}, nml)
    with pytest.raises(InputError, match="open_instances"):
        TaskFromFilesParams(mapping["taskTypeId"], "p", open_instances=0)
    with pytest.raises(UploadInputError):
        await wk.tasks.create_from_files(mapping, tmp_path / "missing.nml")
    assert server.requests == []
