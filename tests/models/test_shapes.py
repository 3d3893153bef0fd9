"""Every response shape of a real server (both generations) structures with the STRICT converter.

The strict converter refuses unknown keys, so each sample key must be modelled; the values a
user reads are asserted for both server generations.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from tests.models import samples
from tests.models.samples import GENERATIONS, Gen
from wkapi._convert import structure
from wkapi.models import (
    Annotation,
    AnnotationLayerType,
    AnnotationState,
    AnnotationType,
    BuildInfo,
    CompactUser,
    DataLayerMag,
    Dataset,
    DataStore,
    Project,
    ProjectWithStatus,
    ServerMessage,
    Task,
    TaskCreationReport,
    TaskType,
    Team,
    TracingStore,
    TracingType,
    UploadResult,
    User,
    UserRef,
    Visibility,
)


@pytest.mark.parametrize("gen", GENERATIONS)
def test_user_full_form(gen: Gen) -> None:
    user = structure(samples.user(gen), User, strict=True)

    assert user.id == samples.USER_ID
    assert user.full_name == "Ada Lovelace"
    assert user.teams[0].is_team_manager is True
    assert user.managed_team_ids() == (samples.TEAM_ID,)
    # A user's experiences keep the domain names exactly as the server sent them.
    assert user.experiences == {"nuclei": 3, "Dendrite tracing": 10}
    assert user.novel_user_experience_infos == {"hasSeenDashboardWelcomeBanner": True}
    assert user.created_at == datetime(2023, 11, 14, 22, 13, 20, tzinfo=timezone.utc)
    assert user.last_task_type_id == samples.TASK_TYPE_ID
    assert user.is_guest is (False if gen == "new" else None)


def test_compact_user_and_team() -> None:
    user = structure(samples.compact_user(), CompactUser, strict=True)
    team = structure(samples.team(), Team, strict=True)

    assert (user.email, user.is_admin, user.teams[0].name) == (
        "ada@example.org",
        False,
        "Connectomics",
    )
    assert team == Team(samples.TEAM_ID, "Connectomics", samples.ORG)


@pytest.mark.parametrize("gen", GENERATIONS)
def test_task_reads_both_generations_alike(gen: Gen) -> None:
    task = structure(samples.task(gen), Task, strict=True)

    assert task.dataset_name == "2012-06-28_Cortex"
    assert task.dataset_id == (samples.DATASET_ID if gen == "new" else None)
    assert (task.status.pending, task.status.active, task.status.finished) == (2, 1, 0)
    assert task.status.total == 3
    assert task.team == "Connectomics"
    assert task.type.tracing_type is TracingType.SKELETON
    assert task.type.settings.mag_restrictions.max == 16
    assert task.needed_experience.domain == "axons"
    assert task.edit_position == (1024, 2048, 512)
    assert task.edit_rotation == (0.0, 90.5, 0.0)
    assert task.bounding_box is not None
    assert task.bounding_box.bottom_right == (100, 210, 70)
    assert task.script is not None
    assert isinstance(task.script.owner, CompactUser)
    assert task.creation_info == "batch-1/row-7"
    assert task.tracing_duration is not None
    assert task.tracing_duration.total_seconds() == 3600
    assert task.messages == ()


def test_task_with_both_dataset_keys_from_the_v5_adapter() -> None:
    task = structure(samples.task("new", v5_adapter=True), Task, strict=True)

    assert task.dataset_name == "2012-06-28_Cortex"


def test_task_with_optional_parts_null() -> None:
    data = samples.task("new") | {
        "script": None,
        "boundingBox": None,
        "tracingTime": None,
        "creationInfo": None,
    }
    data["type"]["recommendedConfiguration"] = None

    task = structure(data, Task, strict=True)

    assert (task.script, task.bounding_box, task.tracing_time, task.creation_info) == (None,) * 4
    assert task.tracing_duration is None


def test_task_put_answer_keeps_messages() -> None:
    data = samples.task("new") | {"messages": [{"success": "Task was updated"}]}

    task = structure(data, Task, strict=True)

    assert task.messages == (ServerMessage("success", "Task was updated"),)


@pytest.mark.parametrize("tracing_type", ["volume", "hybrid"])
def test_task_type_volume_or_hybrid(tracing_type: str) -> None:
    task_type = structure(samples.task_type("new", tracing_type), TaskType, strict=True)

    assert task_type.is_volume_or_hybrid is True
    assert task_type.recommended_configuration == {"segmentationOpacity": 20, "zoom": 1.5}


def test_task_type_skeleton_is_not_volume() -> None:
    task_type = structure(samples.task_type("old"), TaskType, strict=True)

    assert task_type.is_volume_or_hybrid is False
    assert task_type.settings.mag_restrictions.min == 1


def test_project_with_and_without_owner() -> None:
    project = structure(samples.project(), Project, strict=True)
    ownerless = structure(samples.project(owner=False), Project, strict=True)

    assert project.team == samples.TEAM_ID  # a project's team is the team id
    assert project.owner is not None
    assert project.owner.first_name == "Ada"
    assert ownerless.owner is None
    assert project.expected_duration is not None
    assert project.expected_duration.total_seconds() == 5400


@pytest.mark.parametrize(("gen", "tracing_time"), [("old", None), ("new", 7_200_000)])
def test_project_with_status(gen: Gen, tracing_time: int | None) -> None:
    project = structure(samples.project_with_status(gen), ProjectWithStatus, strict=True)

    assert project.pending_instances == 12
    assert project.tracing_time == tracing_time
    assert isinstance(project, Project)
    assert project.name == "axons_2024"


def test_increment_instances_answer_keeps_messages() -> None:
    data = samples.project_with_status("old") | {"messages": [{"success": "Instances increased"}]}

    project = structure(data, ProjectWithStatus, strict=True)

    assert project.messages[0].text == "Instances increased"


@pytest.mark.parametrize("gen", GENERATIONS)
def test_full_annotation(gen: Gen) -> None:
    annotation = structure(samples.annotation(gen), Annotation, strict=True)

    assert annotation.typ is AnnotationType.TASK
    assert annotation.state is AnnotationState.ACTIVE
    assert annotation.visibility is Visibility.INTERNAL
    assert annotation.dataset_name == "2012-06-28_Cortex"
    assert annotation.task is not None
    assert annotation.task.id == samples.TASK_ID
    assert annotation.restrictions is not None
    assert annotation.restrictions.allow_download is True
    assert annotation.settings is not None
    assert annotation.settings.mag_restrictions.max == 16
    assert isinstance(annotation.owner, CompactUser)
    assert annotation.user is not None
    assert annotation.data_store is not None
    assert annotation.tracing_store == TracingStore("localhost", "http://127.0.0.1:9000")
    assert annotation.view_configuration == {"layers": {"color": {"alpha": 100}}}
    assert [layer.typ for layer in annotation.annotation_layers] == [
        AnnotationLayerType.SKELETON,
        AnnotationLayerType.VOLUME,
    ]
    assert annotation.has_volume is True
    assert annotation.is_finished is False


def test_annotation_generation_differences() -> None:
    old = structure(samples.annotation("old"), Annotation, strict=True)
    new = structure(samples.annotation("new"), Annotation, strict=True)

    assert old.formatted_hash == "abc006"
    assert new.formatted_hash is None
    assert old.stats is not None
    assert old.stats.node_count == 120
    assert new.stats is not None
    assert new.stats.is_empty
    assert new.annotation_layers[0].stats is not None
    assert new.annotation_layers[0].stats.tree_count == 3
    assert new.annotation_layers[1].stats is not None
    assert new.annotation_layers[1].stats.is_empty
    assert old.annotation_layers[0].stats is None
    assert (old.is_locked_by_owner, new.is_locked_by_owner) == (None, False)
    assert (old.dataset_id, new.dataset_id) == (None, samples.DATASET_ID)


@pytest.mark.parametrize("gen", GENERATIONS)
def test_compact_annotation_form(gen: Gen) -> None:
    annotation = structure(samples.compact_annotation(gen), Annotation, strict=True)

    assert annotation.typ is AnnotationType.EXPLORATIONAL
    assert annotation.owner == UserRef(samples.USER_ID, "Ada", "Lovelace")
    assert annotation.owner.full_name == "Ada Lovelace"
    assert (annotation.task, annotation.restrictions, annotation.settings) == (None, None, None)
    assert (annotation.data_store, annotation.tracing_store, annotation.user) == (None, None, None)
    assert annotation.contributors == ()
    assert annotation.view_configuration is None


def test_annotation_with_settings_without_restrictions() -> None:
    data = samples.annotation("new")
    del data["settings"]["magRestrictions"]

    annotation = structure(data, Annotation, strict=True)

    assert annotation.settings is not None
    assert annotation.settings.mag_restrictions.min is None


def test_finish_answer_keeps_messages() -> None:
    data = samples.annotation("old") | {
        "state": "Finished",
        "messages": [{"success": "Annotation is finished"}],
    }

    annotation = structure(data, Annotation, strict=True)

    assert annotation.is_finished
    assert annotation.messages == (ServerMessage("success", "Annotation is finished"),)
    assert not annotation.messages[0].is_error


@pytest.mark.parametrize("gen", GENERATIONS)
def test_dataset_read(gen: Gen) -> None:
    dataset = structure(samples.dataset(gen), Dataset, strict=True)

    source = dataset.data_source
    assert source.id.team == samples.ORG
    assert source.scale == (11.24, 11.24, 28.0)
    assert source.scale_unit == (None if gen == "old" else "nanometer")
    assert source.layer("color").resolutions == ((1, 1, 1), (2, 2, 1), (4, 4, 2))
    segmentation = source.layer("segmentation")
    assert segmentation.is_segmentation
    assert segmentation.largest_segment_id == 4242
    assert segmentation.mags == (
        () if gen == "old" else (DataLayerMag((1, 1, 1), "./segmentation/1"),)
    )
    assert segmentation.bounding_box is not None
    assert segmentation.bounding_box.size == (1024, 1024, 256)
    assert dataset.allowed_teams[0].name == "Connectomics"
    assert dataset.details == ({"species": "mouse"} if gen == "old" else None)
    assert dataset.title == "Cortex 2012"
    assert dataset.tags == ("mouse", "cortex")
    assert dataset.id == (samples.DATASET_ID if gen == "new" else None)


@pytest.mark.parametrize("gen", GENERATIONS)
def test_dataset_list_form_with_empty_resolutions(gen: Gen) -> None:
    """Some servers leave the layers' resolutions empty in lists: still a dataset."""
    dataset = structure(samples.dataset(gen, listed=True), Dataset, strict=True)

    assert all(layer.resolutions == () for layer in dataset.data_source.data_layers)
    assert dataset.title == ("Cortex 2012" if gen == "old" else "2012-06-28_Cortex")


def test_unusable_dataset_has_status_and_no_layers() -> None:
    data = samples.dataset("old")
    data["dataSource"] = {
        "id": {"name": "broken", "team": samples.ORG},
        "status": "No longer available on datastore.",
    }

    dataset = structure(data, Dataset, strict=True)

    assert dataset.data_source.data_layers == ()
    assert dataset.data_source.status == "No longer available on datastore."


def test_datastores_of_both_generations() -> None:
    old = structure(samples.datastore("old"), DataStore, strict=True)
    new = structure(samples.datastore("new"), DataStore, strict=True)

    assert (old.is_scratch, new.is_scratch) == (False, None)
    assert new.jobs_supported_by_available_workers == ("convert_to_wkw",)
    assert (old.allows_upload, new.allows_upload) == (True, True)


def test_buildinfo_of_both_generations() -> None:
    old = structure(samples.buildinfo("old"), BuildInfo, strict=True)
    new = structure(samples.buildinfo("new"), BuildInfo, strict=True)

    assert old.http_api_versioning is None
    assert new.http_api_versioning is not None
    assert new.http_api_versioning.supports(5)
    assert not new.http_api_versioning.supports(10)
    assert old.webknossos.version == "23.08.0"
    assert old.webknossos.ci_tag == ""
    assert new.schema_version == 107


def test_buildinfo_schema_version_null() -> None:
    info = structure(samples.buildinfo("old") | {"schemaVersion": None}, BuildInfo, strict=True)

    assert info.schema_version is None


@pytest.mark.parametrize("gen", GENERATIONS)
def test_task_creation_report(gen: Gen) -> None:
    report = structure(samples.task_creation_report(gen), TaskCreationReport, strict=True)

    assert [r.status for r in report.results] == [200, 400]
    assert [t.id for t in report.created] == [samples.TASK_ID]
    assert report.failed == (report.results[1],)
    assert report.failed[0].error == "The script with id 5b1e... does not exist"
    assert report.failed[0].task is None
    assert report.ok is False
    assert report.warnings == ("The project's team cannot read dataset 2012-06-28_Cortex",)


def test_task_creation_report_all_created() -> None:
    data = {"tasks": [{"status": 200, "success": samples.task("old")}], "warnings": []}

    report = structure(data, TaskCreationReport, strict=True)

    assert report.ok is True
    assert report.failed == ()


def test_upload_result() -> None:
    result = structure(samples.upload_result(), UploadResult, strict=True)

    assert result.annotation_id == samples.ANNOTATION_ID
    assert result.typ is AnnotationType.EXPLORATIONAL
    assert result.messages == (ServerMessage("success", "Successfully uploaded file"),)


def test_server_message_kinds() -> None:
    messages = [{"error": "Task could not be found"}, {"chain": "[Server Time ...] <~ ..."}]

    parsed = [structure(m, ServerMessage, strict=True) for m in messages]

    assert [(m.kind, m.is_error) for m in parsed] == [("error", True), ("chain", False)]
    assert str(parsed[0]) == "error: Task could not be found"
