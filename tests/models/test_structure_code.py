"""The generated structuring code accepts exactly what the cattrs converter accepts, and builds
the same objects (``structure`` takes the generated path; the converter describes failures)."""

from __future__ import annotations

import copy
import enum
import gc
from typing import Any

import attrs
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import json_paths, replaced_at
from tests.models import samples
from tests.models.helpers import JSON, KEYS, RESPONSE_MODELS
from wkapi import models
from wkapi._convert import (
    _code,
    _consuming_code,
    _detailed,
    structure,
    structure_decoded,
    structurer,
    wk_metadata,
)
from wkapi._errors import InvalidResponseError
from wkapi.models import NeededExperience, ResolutionRestrictions, TaskStatus

SAMPLES: list[tuple[type, Any]] = [
    *((models.Task, samples.task(gen)) for gen in samples.GENERATIONS),
    (models.Task, samples.task("new", v5_adapter=True)),
    *((models.TaskType, samples.task_type(gen)) for gen in samples.GENERATIONS),
    *((models.Annotation, samples.annotation(gen)) for gen in samples.GENERATIONS),
    *((models.Annotation, samples.compact_annotation(gen)) for gen in samples.GENERATIONS),
    *((models.Dataset, samples.dataset(gen)) for gen in samples.GENERATIONS),
    *((models.User, samples.user(gen)) for gen in samples.GENERATIONS),
    *((models.BuildInfo, samples.buildinfo(gen)) for gen in samples.GENERATIONS),
    *((models.ProjectWithStatus, samples.project_with_status(gen)) for gen in samples.GENERATIONS),
    *((models.TaskCreationReport, samples.task_creation_report(gen)) for gen in ("old", "new")),
    (models.Project, samples.project(owner=False)),
    (models.UploadResult, samples.upload_result()),
]


def _outcome(run: Any) -> tuple[bool, str]:
    """``(True, repr of the result)``, or ``(False, "")`` if it raised. The repr tells an enum
    member from its string, -0.0 from 0.0 and a tuple from a list."""
    try:
        return True, repr(run())
    except Exception:
        return False, ""


def _agree(data: Any, cls: Any, strict: bool) -> None:
    generated = _outcome(lambda: _code[strict].hook(cls)(data))
    converted = _outcome(lambda: _detailed[strict].structure(data, cls))
    consuming = _outcome(lambda: _consuming_code[strict].hook(cls)(copy.deepcopy(data)))
    assert generated == converted == consuming


AGREEMENT = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.parametrize(("cls", "sample"), SAMPLES, ids=lambda v: getattr(v, "__name__", ""))
@pytest.mark.parametrize("strict", [False, True], ids=["tolerant", "strict"])
def test_samples_come_out_the_same(cls: type, sample: Any, strict: bool) -> None:
    _agree(sample, cls, strict)
    assert _outcome(lambda: _code[strict].hook(cls)(sample))[0]


@pytest.mark.parametrize(("cls", "sample"), SAMPLES, ids=lambda v: getattr(v, "__name__", ""))
@AGREEMENT
@given(choice=st.data(), new=JSON, delete=st.booleans(), strict=st.booleans())
def test_samples_with_one_part_replaced_agree(
    cls: type, sample: Any, choice: st.DataObject, new: Any, delete: bool, strict: bool
) -> None:
    path = choice.draw(st.sampled_from(json_paths(sample)))
    _agree(replaced_at(sample, path, new, delete=delete and bool(path)), cls, strict)


@pytest.mark.parametrize("cls", RESPONSE_MODELS, ids=lambda c: c.__name__)
@AGREEMENT
@given(data=JSON | st.dictionaries(KEYS, JSON, max_size=12), strict=st.booleans())
def test_arbitrary_json_agrees(cls: type, data: Any, strict: bool) -> None:
    _agree(data, cls, strict)


# Values JSON never holds but a caller of structure() may pass: they must fare the same.
@pytest.mark.parametrize(
    ("cls", "data"),
    [
        (TaskStatus, {"pending": 1.0, "active": -0.0, "finished": 2}),
        (TaskStatus, {"pending": True, "active": 0, "finished": 0}),
        (TaskStatus, {"open": 1, "active": 0, "finished": 0}),
        (TaskStatus, {"pending": 1, "open": "x", "active": 0, "finished": 0}),
        (NeededExperience, {"domain": models.TracingType.SKELETON, "value": 1}),
        (NeededExperience, ({"domain": "", "value": 0},)),
        (models.Team, {"id": "a", "name": "b", "organization": "c", "extra": 1}),
        (
            models.AnnotationRestrictions,
            {"allowAccess": 1, "allowUpdate": True, "allowFinish": True, "allowDownload": True},
        ),
        (models.BoundingBox, {"topLeft": (1, 2.0, 3), "width": 1, "height": 2, "depth": 3}),
        (models.BoundingBox, {"topLeft": [1, 2.5, 3], "width": 1, "height": 2, "depth": 3}),
        (models.Script, {"id": "a", "name": "b", "gist": "c", "owner": "someone"}),
        (models.Script, {"id": "a", "name": "b", "gist": "c", "owner": 3}),
        (models.AnnotationLayer, {"tracingId": "t", "typ": "Volume"}),
        (models.AnnotationLayer, {"tracingId": "t", "typ": "Hologram"}),
        (models.AnnotationLayer, {"tracingId": "t", "typ": None}),
        (tuple[models.Team, ...], [samples.team(), samples.team()]),
        (list[int], [1, 2.0]),
        (dict[str, int], {"a": 1, "b": 2.0}),
        (dict[str, int], {"a": "1"}),
    ],
)
@pytest.mark.parametrize("strict", [False, True], ids=["tolerant", "strict"])
def test_edge_values_agree(cls: Any, data: Any, strict: bool) -> None:
    _agree(data, cls, strict)


@attrs.frozen
class _Count:
    label: str
    value: int


def test_equal_small_records_share_one_instance_but_not_across_kinds() -> None:
    # A model of its own: other tests' values cannot have made its memo give up.
    first = structure({"label": "pending", "value": 1}, _Count)
    second = structure({"label": "pending", "value": 1}, _Count)
    assert first is second
    assert structure({"label": "pending", "value": 2}, _Count) == _Count("pending", 2)
    member = structure({"label": models.TracingType.SKELETON, "value": 1}, _Count)
    text = structure({"label": "skeleton", "value": 1}, _Count)
    assert type(member.label) is models.TracingType  # an equal str is not the same value
    assert type(text.label) is str


class Shade(enum.Enum):
    DARK = "dark"


@attrs.frozen
class _Mag:
    mag: tuple[int, int, int]
    path: str | None = None


@attrs.frozen
class _NewLayer:
    """A model written the way new fields are added (issue 14): keys, aliases, any type."""

    name: str
    mags: tuple[_Mag, ...] = attrs.field(default=(), metadata=wk_metadata(aliases=("wkwMags",)))
    data_format: str | None = attrs.field(default=None, metadata=wk_metadata(key="dataFormat"))
    num_channels: int | None = None
    is_organization_team: bool | None = attrs.field(
        default=None, metadata=wk_metadata(key="isOrganizationTeam", aliases=("isOrgTeam",))
    )
    restrictions: ResolutionRestrictions = attrs.field(
        factory=ResolutionRestrictions,
        metadata=wk_metadata(key="magRestrictions", aliases=("resolutionRestrictions",)),
    )
    shade: Shade | None = None
    counts: dict[str, int] = attrs.field(factory=dict)


@pytest.mark.parametrize("strict", [False, True], ids=["tolerant", "strict"])
def test_a_model_declared_the_usual_way_needs_no_work(strict: bool) -> None:
    data = {
        "name": "color",
        "wkwMags": [{"mag": [1, 1, 1], "path": "1"}, {"mag": [2.0, 2, 1]}],
        "dataFormat": "zarr3",
        "numChannels": 3,
        "isOrgTeam": True,
        "resolutionRestrictions": {"max": 8},
        "shade": "dark",
        "counts": {"a": 1},
    }
    layer = structure(data, _NewLayer, strict=strict)

    assert layer == _NewLayer(
        "color",
        (_Mag((1, 1, 1), "1"), _Mag((2, 2, 1))),
        "zarr3",
        3,
        True,
        ResolutionRestrictions(max=8),
        Shade.DARK,
        {"a": 1},
    )
    assert structure({"name": "x"}, _NewLayer, strict=strict) == _NewLayer("x")
    _agree(data, _NewLayer, strict)
    with pytest.raises(InvalidResponseError, match=r"_NewLayer\.shade: expected one of 'dark'"):
        structure(data | {"shade": "light"}, _NewLayer, strict=strict)
    with pytest.raises(InvalidResponseError, match=r"_NewLayer\.mags\[1\]\.mag\[0\]"):
        structure(data | {"wkwMags": [data["wkwMags"][0], {"mag": ["1", 1, 1]}]}, _NewLayer)


@pytest.mark.parametrize("strict", [False, True], ids=["tolerant", "strict"])
def test_structure_decoded_empties_the_lists_it_reads_and_builds_the_same(strict: bool) -> None:
    raw = orjson.dumps(samples.task_creation_report("new"))
    decoded: list[Any] = []

    def decode() -> Any:
        decoded.append(orjson.loads(raw))
        return decoded[-1]

    report = structure_decoded(decode, models.TaskCreationReport, strict=strict)

    assert report == structure(orjson.loads(raw), models.TaskCreationReport, strict=strict)
    assert len(decoded) == 1
    assert decoded[0]["tasks"] == [None] * len(report.results)  # let go of, item by item


def test_structure_decoded_names_the_path_from_json_that_is_still_whole() -> None:
    data = samples.task_creation_report("new")
    data["tasks"].append(data["tasks"][0])  # a later item is bad: earlier ones are let go of
    data["tasks"][-1] = {"status": 200, "success": samples.task("new") | {"created": "x"}}
    raw = orjson.dumps(data)

    with pytest.raises(InvalidResponseError) as caught:
        structure_decoded(lambda: orjson.loads(raw), models.TaskCreationReport)
    with pytest.raises(InvalidResponseError) as expected:
        structure(orjson.loads(raw), models.TaskCreationReport)
    assert str(caught.value) == str(expected.value)
    assert str(caught.value).startswith(
        f"TaskCreationReport.results[{len(data['tasks']) - 1}].task.created: expected int"
    )


def test_structurer_structures_like_structure_and_names_the_path() -> None:
    one = structurer(models.Task, strict=True)
    assert one(samples.task("new")) == structure(samples.task("new"), models.Task, strict=True)
    with pytest.raises(InvalidResponseError, match=r"^Task\.status\.pending: expected int"):
        one(samples.task("new") | {"status": {"pending": "x", "active": 0, "finished": 0}})


@attrs.frozen
class _Tag:
    name: str
    weight: int = 0


def test_a_memo_that_keeps_missing_is_given_up() -> None:
    assert structure({"name": "a"}, _Tag) is structure({"name": "a"}, _Tag)  # shared at first
    for i in range(2000):  # values that never repeat, like ids
        assert structure({"name": f"tag {i}", "weight": i}, _Tag) == _Tag(f"tag {i}", i)
    first, second = structure({"name": "a"}, _Tag), structure({"name": "a"}, _Tag)
    assert first == second == _Tag("a")
    assert first is not second  # no longer looked up


@pytest.mark.parametrize("enabled", [True, False], ids=["collector on", "collector off"])
def test_structure_decoded_leaves_the_garbage_collector_as_it_found_it(enabled: bool) -> None:
    good = orjson.dumps(samples.task_creation_report("new"))
    bad = orjson.dumps({"tasks": [{"status": "x"}]})
    seen: list[bool] = []

    def decode(raw: bytes) -> Any:
        seen.append(gc.isenabled())
        return orjson.loads(raw)

    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        structure_decoded(lambda: decode(good), models.TaskCreationReport)
        assert gc.isenabled() is enabled
        with pytest.raises(InvalidResponseError):
            structure_decoded(lambda: decode(bad), models.TaskCreationReport)
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()
    assert seen == [False] * 3  # paused while decoding (and describing the failure)
