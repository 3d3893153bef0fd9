"""What newer servers added to their answers: read from either generation, as
optional fields that are ``None`` (or empty) where an older server does not send them."""

from __future__ import annotations

import pytest

from tests.models import samples
from tests.models.samples import GENERATIONS, Gen
from wkapi._convert import structure
from wkapi.models import (
    Annotation,
    DataLayerMag,
    Dataset,
    ResolutionRestrictions,
    Task,
    TaskType,
    Team,
)


@pytest.mark.parametrize("listed", [False, True], ids=["single", "listed"])
def test_newer_dataset_fields(listed: bool) -> None:
    new = structure(samples.dataset("new", listed=listed), Dataset, strict=True)
    old = structure(samples.dataset("old", listed=listed), Dataset, strict=True)

    assert new.directory_name == "2012-06-28_Cortex_dir"
    assert new.metadata == ({"key": "species", "type": "string", "value": "mouse"},)
    assert (new.used_storage_bytes, new.is_virtual) == (123_456_789, False)
    assert (old.directory_name, old.metadata, old.used_storage_bytes, old.is_virtual) == (
        None,
        (),
        None,
        None,
    )
    assert (new.details, new.jobs_enabled, new.publication) == (None, None, None)
    assert old.jobs_enabled is False
    assert new.display_name == (None if listed else "Cortex 2012")


def test_newer_layer_fields() -> None:
    new = structure(samples.dataset("new"), Dataset, strict=True).data_source
    old = structure(samples.dataset("old"), Dataset, strict=True).data_source

    color = new.layer("color")
    assert (color.data_format, color.num_channels) == ("zarr3", 3)
    assert color.mags == (DataLayerMag((1, 1, 1), "./color/1"), DataLayerMag((2, 2, 1)))
    assert new.layer("segmentation").data_format == "wkw"
    for layer in old.data_layers:
        assert (layer.data_format, layer.num_channels, layer.mags) == (None, None, ())


@pytest.mark.parametrize("gen", GENERATIONS)
def test_magnifications_from_either_key(gen: Gen) -> None:
    """``magnifications`` is the resolutions, or the mags' magnifications when a list left the
    resolutions empty (only newer servers send mags)."""
    full = structure(samples.dataset(gen), Dataset, strict=True).data_source
    listed = structure(samples.dataset(gen, listed=True), Dataset, strict=True).data_source

    assert full.layer("color").magnifications == ((1, 1, 1), (2, 2, 1), (4, 4, 2))
    expected = ((1, 1, 1), (2, 2, 1)) if gen == "new" else ()
    assert listed.layer("color").magnifications == expected


@pytest.mark.parametrize("gen", GENERATIONS)
def test_team_is_organization_team(gen: Gen) -> None:
    expected = False if gen == "new" else None
    team = structure(samples.team(gen), Team, strict=True)
    assert team.is_organization_team is expected
    dataset = structure(samples.dataset(gen), Dataset, strict=True)
    assert dataset.allowed_teams[0].is_organization_team is expected
    assert dataset.allowed_teams_cumulative[0].is_organization_team is expected
    annotation = structure(samples.annotation(gen), Annotation, strict=True)
    assert annotation.teams[0].is_organization_team is expected


@pytest.mark.parametrize("gen", GENERATIONS)
def test_task_type_mag_restrictions(gen: Gen) -> None:
    """``magRestrictions`` (newer) and ``resolutionRestrictions`` (older) read alike; a task
    type without limits, or with only one, has ``None`` for the missing ones."""
    task_type = structure(samples.task_type(gen), TaskType, strict=True)
    assert task_type.mag_restrictions == ResolutionRestrictions(min=1, max=16)

    key = "magRestrictions" if gen == "new" else "resolutionRestrictions"
    data = samples.task_type(gen)
    data["settings"][key] = {"max": 8}
    assert structure(data, TaskType, strict=True).mag_restrictions == ResolutionRestrictions(max=8)
    data["settings"]["allowedModes"] = []
    data["settings"][key] = {}
    unrestricted = structure(data, TaskType, strict=True)
    assert unrestricted.mag_restrictions == ResolutionRestrictions()
    assert unrestricted.settings.allowed_modes == ()


@pytest.mark.parametrize("gen", GENERATIONS)
def test_formatted_hash_only_from_older_servers(gen: Gen) -> None:
    task = structure(samples.task(gen), Task, strict=True)
    assert task.formatted_hash == ("abc005" if gen == "old" else None)
