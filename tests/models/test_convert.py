"""The converter: key mapping, aliases, tolerance, error messages, unstructuring."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from tests.models import samples
from wkapi import models
from wkapi._convert import (
    converter,
    make_converter,
    strict_converter,
    structure,
    structure_list,
    to_camel,
    unstructure,
    wk_field,
)
from wkapi._errors import InputError, InvalidResponseError
from wkapi.models import (
    Annotation,
    AnnotationLayerParameters,
    AnnotationLayerType,
    AnnotationState,
    AnnotationType,
    BoundingBox,
    ProjectWithStatus,
    ResolutionRestrictions,
    Task,
    TaskStatus,
    TaskType,
    TracingType,
    User,
)


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("dataset_name", "datasetName"),
        ("is_team_manager", "isTeamManager"),
        ("id", "id"),
        ("jobs_supported_by_available_workers", "jobsSupportedByAvailableWorkers"),
        ("vec3_int", "vec3Int"),
    ],
)
def test_to_camel(name: str, key: str) -> None:
    assert to_camel(name) == key


def test_models_all_is_sorted_and_complete() -> None:
    public = {
        name
        for name, value in vars(models).items()
        if not name.startswith("_")
        and isinstance(value, type)
        and value.__module__.startswith("wkapi.")
    }
    assert models.__all__ == sorted(models.__all__)
    assert public <= set(models.__all__)


def test_converters_are_tolerant_and_strict() -> None:
    assert converter is not strict_converter
    data = samples.team() | {"someNewField": 1}

    assert converter.structure(data, models.Team).name == "Connectomics"
    with pytest.raises(Exception) as info:  # noqa: PT011 (a cattrs error group)
        strict_converter.structure(data, models.Team)
    assert "someNewField" in repr(info.value.exceptions)  # type: ignore[attr-defined]


# --- aliases --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "pending"),
    [({"pending": 4, "active": 0, "finished": 1}, 4), ({"open": 5, "active": 0, "finished": 1}, 5)],
)
def test_task_status_pending_alias(status: dict[str, int], pending: int) -> None:
    assert structure(status, TaskStatus, strict=True).pending == pending


def test_key_wins_over_alias_when_both_are_sent() -> None:
    status = structure(
        {"pending": 1, "open": 9, "active": 0, "finished": 0}, TaskStatus, strict=True
    )

    assert status.pending == 1


def test_project_pending_instances_alias() -> None:
    old = structure(samples.project_with_status("old"), ProjectWithStatus, strict=True)
    new = structure(samples.project_with_status("new"), ProjectWithStatus, strict=True)

    assert old.pending_instances == new.pending_instances == 12


def test_mag_restrictions_alias_in_settings() -> None:
    old = structure(samples.settings("old"), models.AnnotationSettings, strict=True)
    new = structure(samples.settings("new"), models.AnnotationSettings, strict=True)

    assert old.mag_restrictions == new.mag_restrictions == ResolutionRestrictions(1, 16)


def test_wk_field_on_a_custom_model() -> None:
    @attrs.frozen
    class Probe:
        label: str = wk_field(key="theLabel", aliases=("label_v1",), default="")
        count: int = wk_field(default=0)

    conv = make_converter(strict=True)

    assert conv.structure({"label_v1": "a", "count": 2}, Probe) == Probe("a", 2)
    assert conv.structure({"theLabel": "b"}, Probe) == Probe("b", 0)
    assert unstructure(Probe("c", 3)) == {"theLabel": "c", "count": 3}


# --- enums ----------------------------------------------------------------------------------


def test_unknown_enum_value_is_kept_as_string_in_tolerant_mode() -> None:
    data = samples.annotation("new") | {"typ": "Shared", "state": "Archived", "visibility": "Team"}
    data["annotationLayers"][0]["typ"] = "Mesh"
    data["task"]["type"]["tracingType"] = "mesh"

    annotation = structure(data, Annotation)

    assert annotation.typ == "Shared"
    assert not isinstance(annotation.typ, AnnotationType)
    assert (annotation.state, annotation.visibility) == ("Archived", "Team")
    assert annotation.annotation_layers[0].typ == "Mesh"
    assert annotation.task is not None
    assert annotation.task.type.tracing_type == "mesh"
    assert annotation.task.type.is_volume_or_hybrid is False
    assert annotation.is_finished is False


def test_unknown_enum_value_is_an_error_in_strict_mode() -> None:
    data = samples.annotation("new") | {"state": "Archived"}

    with pytest.raises(InvalidResponseError, match=r"^Annotation\.state: expected one of 'Active'"):
        structure(data, Annotation, strict=True)


def test_known_enum_values_become_members_that_compare_as_strings() -> None:
    annotation = structure(samples.annotation("old"), Annotation)

    assert annotation.state is AnnotationState.ACTIVE
    assert annotation.state == "Active"  # type: ignore[comparison-overlap]
    assert f"{annotation.typ}" == "Task"
    assert str(AnnotationType.COMPOUND_TASK_TYPE) == "CompoundTaskType"


def test_enum_value_must_be_a_string() -> None:
    data = samples.task_type() | {"tracingType": 3}

    with pytest.raises(
        InvalidResponseError, match=r"^TaskType\.tracing_type: expected string, got 3"
    ):
        structure(data, TaskType)


def test_plain_enum_type_structures_strictly() -> None:
    assert structure("volume", TracingType) is TracingType.VOLUME
    with pytest.raises(
        InvalidResponseError, match="expected one of 'skeleton', 'volume', 'hybrid'"
    ):
        structure("mesh", TracingType)


# --- error messages -------------------------------------------------------------------------


def _error(data: Any, cls: Any, *, strict: bool = False) -> str:
    with pytest.raises(InvalidResponseError) as info:
        structure(data, cls, strict=strict)
    return str(info.value)


def test_wrong_type_names_the_path() -> None:
    data = samples.task("new")
    data["status"]["pending"] = "x"

    assert _error(data, Task) == "Task.status.pending: expected int, got 'x'"


def test_missing_key_names_the_key_and_its_aliases() -> None:
    data = samples.task("old")
    del data["dataSet"]

    assert _error(data, Task) == "Task.dataset_name: missing key 'datasetName' (or 'dataSet')"


def test_list_index_and_nested_path() -> None:
    data = samples.annotation("new")
    data["annotationLayers"][1]["tracingId"] = None

    message = _error(data, Annotation)

    assert message == "Annotation.annotation_layers[1].tracing_id: expected string, got None"


def test_dict_value_path() -> None:
    data = samples.user()
    data["experiences"]["nuclei"] = "high"

    assert _error(data, User) == "User.experiences['nuclei']: expected int, got 'high'"


def test_unknown_keys_in_strict_mode_are_named() -> None:
    data = samples.team() | {"zeta": 1, "alpha": 2}

    assert _error(data, models.Team, strict=True) == "Team: unexpected keys 'alpha', 'zeta'"


def test_several_problems_are_counted() -> None:
    data = samples.team() | {"id": 1, "name": 2}

    assert _error(data, models.Team) == "Team.id: expected string, got 1 (and 1 more problem)"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([samples.team()], "Team: expected an object, got ["),
        (None, "Team: expected an object, got None"),
        ("team", "Team: expected an object, got 'team'"),
    ],
)
def test_top_level_value_of_the_wrong_kind(data: Any, message: str) -> None:
    assert _error(data, models.Team).startswith(message)


@pytest.mark.parametrize(
    ("position", "message"),
    [
        ([1, 2], "expected a list of 3 ints, got [1, 2]"),
        ("1,2,3", "expected a list of 3 ints, got '1,2,3'"),
        ([1, 2, True], "expected int, got True"),
        ([1, 2, 3.5], "expected int, got 3.5"),
    ],
)
def test_vectors_are_checked(position: Any, message: str) -> None:
    data = samples.task("new") | {"editPosition": position}

    assert message in _error(data, Task)


def test_integral_float_is_accepted_as_int() -> None:
    data = samples.task("new") | {"editPosition": [1.0, 2, 3], "created": 1.7e12}

    task = structure(data, Task, strict=True)

    assert task.edit_position == (1, 2, 3)
    assert task.created == 1_700_000_000_000


def test_bool_is_not_an_int_and_int_is_not_a_bool() -> None:
    assert "expected int, got True" in _error(samples.task("new") | {"created": True}, Task)
    user = samples.user() | {"isAdmin": 1}
    assert _error(user, User) == "User.is_admin: expected boolean, got 1"


def test_strings_are_never_coerced() -> None:
    assert _error(samples.team() | {"id": 5}, models.Team) == "Team.id: expected string, got 5"


def test_owner_union_error_names_the_field() -> None:
    data = samples.annotation("new") | {"owner": "someone"}

    assert _error(data, Annotation) == "Annotation.owner: expected an object, got 'someone'"


def test_structure_list_names_the_index() -> None:
    good, bad = samples.task("old"), samples.task("new")
    bad["type"]["settings"]["allowedModes"] = "orthogonal"

    with pytest.raises(InvalidResponseError) as info:
        structure_list([good, bad], Task)

    assert str(info.value) == (
        "Task[1].type.settings.allowed_modes: expected a list, got 'orthogonal'"
    )
    assert [t.id for t in structure_list([good, good], Task)] == [samples.TASK_ID] * 2


def test_structure_list_needs_a_list() -> None:
    with pytest.raises(InvalidResponseError, match=r"^list\[Task\]: expected a list"):
        structure_list({"tasks": []}, Task)


def test_structure_of_a_list_type() -> None:
    tasks = structure([samples.task("old"), samples.task("new")], list[Task], strict=True)

    assert [t.status.pending for t in tasks] == [2, 2]
    message = _error([samples.task("old"), {}], list[Task])
    assert message.startswith("list[Task][1].id: missing key 'id'")


def test_invalid_response_error_chains_the_cause() -> None:
    with pytest.raises(InvalidResponseError) as info:
        structure({"id": 1}, models.Team)

    assert info.value.__cause__ is not None


# --- unstructure ----------------------------------------------------------------------------


def test_unstructure_uses_camel_case_and_keeps_user_dicts() -> None:
    user = structure(samples.user("new"), User)

    data = unstructure(user)

    assert data["firstName"] == "Ada"
    assert data["teams"] == [samples.membership()]
    assert data["experiences"] == {"nuclei": 3, "Dendrite tracing": 10}
    assert data["novelUserExperienceInfos"] == {"hasSeenDashboardWelcomeBanner": True}


def test_unstructure_round_trips_through_the_strict_converter() -> None:
    for data, cls in [
        (samples.annotation("old"), Annotation),
        (samples.compact_annotation("new"), Annotation),
        (samples.dataset("new"), models.Dataset),
        (samples.task_creation_report("old"), models.TaskCreationReport),
        (samples.project_with_status("new"), ProjectWithStatus),
        (samples.buildinfo("new"), models.BuildInfo),
    ]:
        model: Any = structure(data, cls)
        assert structure(unstructure(model), cls, strict=True) == model


def test_unstructure_enums_tuples_and_absent_options() -> None:
    data = unstructure(structure(samples.task("new"), Task))

    assert data["type"]["tracingType"] == "skeleton"
    assert type(data["type"]["tracingType"]) is str
    assert data["editPosition"] == [1024, 2048, 512]
    assert data["type"]["settings"]["magRestrictions"] == {"min": 1, "max": 16}
    assert "messages" not in data  # left out while it holds its default


def test_unstructure_request_models_use_their_wire_form() -> None:
    layers = [
        AnnotationLayerParameters("Skeleton"),
        AnnotationLayerParameters(
            AnnotationLayerType.VOLUME,
            fallback_layer_name="segmentation",
            resolution_restrictions={"min": 2},
            name="seg",
        ),
    ]

    assert unstructure(layers) == [
        {"typ": "Skeleton"},
        {
            "typ": "Volume",
            "fallbackLayerName": "segmentation",
            "resolutionRestrictions": {"min": 2},
            "magRestrictions": {"min": 2},
            "name": "seg",
        },
    ]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"typ": "Mesh"}, "typ must be one of 'Skeleton', 'Volume'"),
        ({"typ": "Volume", "fallback_layer_name": ""}, "fallback_layer_name must be"),
        ({"typ": "Volume", "resolution_restrictions": {"min": 0}}, "resolution_restrictions.min"),
        ({"typ": "Volume", "resolution_restrictions": {"mn": 1}}, "unknown keys"),
        (
            {"typ": "Volume", "resolution_restrictions": {"min": 2**70}},
            r"resolution_restrictions\.min must be an int >= 1 and <= 2147483647",
        ),
        (
            {"typ": "Volume", "resolution_restrictions": {"max": 2**31}},
            r"resolution_restrictions\.max must be an int >= 1 and <= 2147483647",
        ),
        ({"typ": "Volume", "resolution_restrictions": {"max": True}}, "max must be an int"),
    ],
)
def test_annotation_layer_parameters_are_checked(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=message):
        AnnotationLayerParameters(**kwargs)


def test_resolution_restrictions_take_any_integral_number_as_a_plain_int() -> None:
    class Integral(int):
        """An int subclass, as NumPy-like integers reach us."""

    layer = AnnotationLayerParameters(
        typ="Volume", resolution_restrictions={"min": Integral(2), "max": Integral(8)}
    )

    assert layer.resolution_restrictions is not None
    assert (layer.resolution_restrictions.min, layer.resolution_restrictions.max) == (2, 8)
    assert type(layer.resolution_restrictions.min) is int


def test_bounding_box_helpers() -> None:
    box = BoundingBox((1, 2, 3), 10, 20, 30)

    assert box.to_tuple() == (1, 2, 3, 10, 20, 30)
    assert box.bottom_right == (11, 22, 33)
    assert unstructure(box) == {"topLeft": [1, 2, 3], "width": 10, "height": 20, "depth": 30}
