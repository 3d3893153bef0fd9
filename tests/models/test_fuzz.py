"""Arbitrary JSON never makes ``structure`` raise anything but InvalidResponseError."""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import json_paths, replaced_at
from tests.models import samples
from wkapi import models
from wkapi._convert import _aliases, _json_key, structure
from wkapi._errors import InvalidResponseError

RESPONSE_MODELS: list[type] = [
    models.Annotation,
    models.AnnotationLayer,
    models.AnnotationRef,
    models.AnnotationRestrictions,
    models.AnnotationSettings,
    models.AnnotationStats,
    models.BoundingBox,
    models.BuildInfo,
    models.CompactUser,
    models.DataLayer,
    models.DataLayerMag,
    models.DataSource,
    models.DataSourceId,
    models.DataStore,
    models.Dataset,
    models.HttpApiVersioning,
    models.NeededExperience,
    models.Project,
    models.ProjectWithStatus,
    models.ResolutionRestrictions,
    models.Script,
    models.ServerMessage,
    models.Task,
    models.TaskCreationReport,
    models.TaskCreationResult,
    models.TaskStatus,
    models.TaskType,
    models.Team,
    models.TeamMembership,
    models.TracingStore,
    models.UploadResult,
    models.User,
    models.UserRef,
    models.WebknossosVersion,
]

SAMPLES: dict[type, Any] = {
    models.Annotation: samples.annotation("old"),
    models.BuildInfo: samples.buildinfo("new"),
    models.Dataset: samples.dataset("new"),
    models.ProjectWithStatus: samples.project_with_status("old"),
    models.TaskCreationReport: samples.task_creation_report("new"),
    models.UploadResult: samples.upload_result(),
    models.User: samples.user("new"),
}


def _all_keys() -> list[str]:
    keys = {"open", "dataSet", "success", "error", "chain", "factor", "unit"}
    for cls in RESPONSE_MODELS:
        for field in attrs.fields(cls):
            keys.add(_json_key(field))
            keys.update(_aliases(field))
    return sorted(keys)


# Keys the models know, so that random objects reach past the first missing key.
KEYS = st.sampled_from(_all_keys()) | st.text(max_size=8)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(["Task", "Explorational", "Finished", "Skeleton", "volume", "Public"])
)
JSON = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=6),
    max_leaves=25,
)


def _structure_or_invalid(data: Any, cls: type, strict: bool) -> None:
    """Either a ``cls`` comes out, or an InvalidResponseError whose path starts at ``cls``."""
    message = None
    try:
        result: Any = structure(data, cls, strict=strict)
    except InvalidResponseError as exc:
        message = str(exc)
    if message is None:
        assert isinstance(result, cls)
    else:
        assert message.split(":", 1)[0].startswith(cls.__name__)


FUZZ = settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.parametrize("cls", RESPONSE_MODELS, ids=lambda c: c.__name__)
@FUZZ
@given(data=JSON | st.dictionaries(KEYS, JSON, max_size=12), strict=st.booleans())
def test_arbitrary_json(cls: type, data: Any, strict: bool) -> None:
    _structure_or_invalid(data, cls, strict)


@pytest.mark.parametrize("cls", list(SAMPLES), ids=lambda c: c.__name__)
@settings(
    max_examples=120, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(choice=st.data(), new=JSON, delete=st.booleans(), strict=st.booleans())
def test_valid_sample_with_one_part_replaced(
    cls: type, choice: st.DataObject, new: Any, delete: bool, strict: bool
) -> None:
    sample = SAMPLES[cls]
    path = choice.draw(st.sampled_from(json_paths(sample)))
    mutated = replaced_at(sample, path, new, delete=delete and bool(path))

    _structure_or_invalid(mutated, cls, strict)
