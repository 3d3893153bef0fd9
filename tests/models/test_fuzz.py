"""Arbitrary JSON never makes ``structure`` raise anything but InvalidResponseError."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import json_paths, replaced_at
from tests.models import samples
from tests.models.helpers import JSON, KEYS, RESPONSE_MODELS
from wkapi import models
from wkapi._convert import structure
from wkapi._errors import InvalidResponseError

SAMPLES: dict[type, Any] = {
    models.Annotation: samples.annotation("old"),
    models.BuildInfo: samples.buildinfo("new"),
    models.Dataset: samples.dataset("new"),
    models.ProjectWithStatus: samples.project_with_status("old"),
    models.TaskCreationReport: samples.task_creation_report("new"),
    models.UploadResult: samples.upload_result(),
    models.User: samples.user("new"),
}


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
