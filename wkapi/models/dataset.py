"""Datasets, their data source and layers."""

from __future__ import annotations

from datetime import datetime

import attrs

from wkapi.models.common import BoundingBox, JsonObject, Vec3Float, Vec3Int, ms_to_datetime
from wkapi.models.datastore import DataStore
from wkapi.models.team import Team

__all__ = ["DataLayer", "DataLayerMag", "DataSource", "DataSourceId", "Dataset"]


@attrs.frozen
class DataSourceId:
    """``{name, team}``: the dataset's directory name and its organization."""

    name: str
    team: str


@attrs.frozen
class DataLayerMag:
    """One magnification of a layer as newer servers list it in ``mags``."""

    mag: Vec3Int
    path: str | None = None
    axis_order: JsonObject | None = None
    channel_index: int | None = None
    credential_id: str | None = None


@attrs.frozen
class DataLayer:
    """A layer of a dataset: ``color`` or ``segmentation`` data of one element class.

    ``resolutions`` lists the layer's magnifications (real servers fill it in ``GET /datasets``
    too, though some leave it empty there). Newer servers also send ``mags`` (each with the
    path of its data), ``data_format`` (``"wkw"``, ``"zarr"``, ``"zarr3"``, ...) and
    ``num_channels``; :attr:`magnifications` reads whichever the server sent. Fields other
    than name, category and element class vary between layer formats and server releases and
    are optional.
    """

    name: str
    category: str
    element_class: str
    bounding_box: BoundingBox | None = None
    resolutions: tuple[Vec3Int, ...] = ()
    mags: tuple[DataLayerMag, ...] = ()
    largest_segment_id: int | None = None
    mappings: tuple[str, ...] = ()
    data_format: str | None = None
    num_channels: int | None = None
    default_view_configuration: JsonObject | None = None
    admin_view_configuration: JsonObject | None = None
    additional_axes: tuple[JsonObject, ...] = ()
    coordinate_transformations: tuple[JsonObject, ...] = ()

    @property
    def is_segmentation(self) -> bool:
        """Whether this is a segmentation layer."""
        return self.category == "segmentation"

    @property
    def magnifications(self) -> tuple[Vec3Int, ...]:
        """The layer's magnifications, finest first as the server lists them: ``resolutions``,
        or those of ``mags`` where a server sent no ``resolutions``."""
        return self.resolutions or tuple(mag.mag for mag in self.mags)


@attrs.frozen
class DataSource:
    """Where a dataset's data lives and what it holds.

    ``scale`` is the voxel size; v5-era servers send ``[x, y, z]`` (nanometres), newer ones
    ``{"factor": [x, y, z], "unit": "nanometer"}``, whose unit lands in ``scale_unit``.
    A data source the datastore cannot read has no layers and a ``status`` text.
    """

    id: DataSourceId
    data_layers: tuple[DataLayer, ...] = ()
    scale: Vec3Float | None = None
    scale_unit: str | None = None
    status: str | None = None

    @classmethod
    def _wk_prepare(cls, data: JsonObject, strict: bool) -> JsonObject:
        scale = data.get("scale")
        if type(scale) is not dict:
            return data
        if strict and not set(scale) <= {"factor", "unit"}:
            raise ValueError(f"scale: unexpected keys {sorted(set(scale) - {'factor', 'unit'})}")
        reshaped = dict(data)
        reshaped["scale"] = scale.get("factor")
        reshaped["scaleUnit"] = scale.get("unit")
        return reshaped

    def layer(self, name: str) -> DataLayer:
        """The layer called ``name`` (``KeyError`` if there is none)."""
        for layer in self.data_layers:
            if layer.name == name:
                return layer
        raise KeyError(name)


@attrs.frozen
class Dataset:
    """A dataset as ``GET /datasets`` and ``GET /datasets/:organization/:name`` return it.

    ``id``, ``directory_name`` (the dataset's folder on its datastore), ``metadata`` (a list of
    entries as the server sent them), ``used_storage_bytes`` and ``is_virtual`` come from newer
    servers only (v5 addresses datasets by organization and name); ``details``,
    ``jobs_enabled`` and ``publication`` from older ones only, kept as the server sent them.
    Newer servers leave ``display_name`` out of their lists: :attr:`title` falls back to the
    name.
    """

    name: str
    data_source: DataSource
    data_store: DataStore
    owning_organization: str
    allowed_teams: tuple[Team, ...]
    is_active: bool
    is_public: bool
    created: int
    is_editable: bool
    allowed_teams_cumulative: tuple[Team, ...] = ()
    id: str | None = None
    description: str | None = None
    display_name: str | None = None
    last_used_by_user: int | None = None
    logo_url: str | None = None
    sorting_key: int | None = None
    details: JsonObject | None = None
    is_unreported: bool | None = None
    jobs_enabled: bool | None = None
    tags: tuple[str, ...] = ()
    folder_id: str | None = None
    publication: JsonObject | None = None
    directory_name: str | None = None
    metadata: tuple[JsonObject, ...] = ()
    used_storage_bytes: int | None = None
    is_virtual: bool | None = None

    @property
    def created_at(self) -> datetime:
        """When the dataset was created (UTC)."""
        return ms_to_datetime(self.created)

    @property
    def title(self) -> str:
        """The display name if set, otherwise the name."""
        return self.display_name or self.name
