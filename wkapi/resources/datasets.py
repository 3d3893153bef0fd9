"""Datasets: list, read, and start an explorative annotation on one."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping
from typing import Any

from wkapi._checks import check_bool, check_items
from wkapi._errors import InputError
from wkapi.models import Annotation, AnnotationLayerParameters, AnnotationLayerType, Dataset

from ._base import Resource, segment

__all__ = ["DatasetsResource", "LayerSpec"]

LayerSpec = AnnotationLayerParameters | AnnotationLayerType | str | Mapping[str, Any]
"""One layer for :meth:`DatasetsResource.create_explorational`: the parameters model, a layer
type (``"Skeleton"``, ``"Volume"``) or a mapping of the model's arguments."""

# Mapping keys accepted for AnnotationLayerParameters (its arguments and the JSON names).
_LAYER_KEYS = {
    "typ": "typ",
    "name": "name",
    "fallback_layer_name": "fallback_layer_name",
    "fallbackLayerName": "fallback_layer_name",
    "resolution_restrictions": "resolution_restrictions",
    "resolutionRestrictions": "resolution_restrictions",
    "mag_restrictions": "resolution_restrictions",
    "magRestrictions": "resolution_restrictions",
}


def _layer(value: LayerSpec) -> AnnotationLayerParameters:
    if isinstance(value, AnnotationLayerParameters):
        return value
    if isinstance(value, str):
        return AnnotationLayerParameters(value)
    if isinstance(value, Mapping):
        unknown = sorted(str(k) for k in value if k not in _LAYER_KEYS)
        if unknown:
            raise InputError(f"unknown layer parameter(s): {', '.join(unknown)}")
        kwargs = {_LAYER_KEYS[k]: v for k, v in value.items()}
        if "typ" not in kwargs:
            raise InputError("a layer needs a typ ('Skeleton' or 'Volume')")
        typ = kwargs.pop("typ")
        return AnnotationLayerParameters(typ, **kwargs)
    raise InputError(
        f"a layer must be AnnotationLayerParameters, a layer type or a mapping, got {value!r}"
    )


def _layers(layers: LayerSpec | Iterable[LayerSpec]) -> builtins.list[AnnotationLayerParameters]:
    if isinstance(layers, (AnnotationLayerParameters, AnnotationLayerType, str, Mapping)):
        layers = [layers]
    result = [_layer(item) for item in check_items("layers", layers, "layer specs")]
    if not result:
        raise InputError("create_explorational needs at least one layer")
    return result


class DatasetsResource(Resource):
    """Datasets (``wk.datasets``), addressed by organization and name as in v5."""

    async def list(self, is_active: bool | None = None) -> builtins.list[Dataset]:
        """``GET /datasets``: every dataset the caller may read.

        Args:
            is_active: only active (imported, ``True``) or inactive (``False``) datasets.

        The layers' ``resolutions`` are empty in this list; :meth:`get` has them.
        """
        params = {"isActive": None if is_active is None else check_bool("is_active", is_active)}
        data = await self._session.request_json("GET", "/datasets", params=params)
        return self._structure_list(data, Dataset)

    async def get(self, organization: str, name: str) -> Dataset:
        """``GET /datasets/:organizationName/:dataSetName``: one dataset."""
        data = await self._session.request_json("GET", _path(organization, name))
        return self._structure(data, Dataset)

    async def create_explorational(
        self, organization: str, name: str, layers: LayerSpec | Iterable[LayerSpec]
    ) -> Annotation:
        """``POST /datasets/:organizationName/:dataSetName/createExplorational``.

        Args:
            layers: the new annotation's layers, e.g. ``["Skeleton"]``,
                ``[AnnotationLayerParameters("Volume", fallback_layer_name="segmentation")]``
                or mappings like ``{"typ": "Volume", "name": "cells"}``.

        Returns:
            The new explorative annotation.
        """
        body = [layer.to_json() for layer in _layers(layers)]
        path = _path(organization, name) + "/createExplorational"
        data = await self._session.request_json("POST", path, json=body)
        return self._structure(data, Annotation)


def _path(organization: str, name: str) -> str:
    return f"/datasets/{segment(organization, 'organization')}/{segment(name, 'dataset name')}"
