"""Dataset routes: list, read, and createExplorational."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .._access import can_read_dataset
from .._build import new_annotation
from .._context import caller, context
from .._errors import bad_request, json_response, play_map_error
from .._json import dataset_json
from .._json_annotations import annotation_json
from .._routing import Route
from ._auth import require_user
from ._lookup import readable_dataset
from ._params import json_body, query_bool
from ._validation import Field, field_errors

_LAYER_FIELDS = (
    Field("typ", "string"),
    Field("fallbackLayerName", "string", required=False),
    Field("resolutionRestrictions", "object", required=False),
    Field("magRestrictions", "object", required=False),
    Field("name", "string", required=False),
)


async def list_datasets(request: web.Request) -> web.StreamResponse:
    ctx = context(request)
    user = caller(request)
    active = query_bool(request, "isActive")
    datasets = [
        d
        for d in ctx.state.datasets.values()
        if can_read_dataset(user, d) and (active is None or d.is_active == active)
    ]
    return json_response([dataset_json(ctx, d, user, listed=True) for d in datasets])


async def read_dataset(request: web.Request) -> web.StreamResponse:
    info = request.match_info
    dataset = readable_dataset(request, info["organization"], info["dataset"])
    return json_response(dataset_json(context(request), dataset, caller(request)))


async def create_explorational(request: web.Request) -> web.StreamResponse:
    user = require_user(request)
    info = request.match_info
    dataset = readable_dataset(request, info["organization"], info["dataset"])
    body = await json_body(request)
    if not isinstance(body, list):
        raise play_map_error({"obj": ["error.expected.jsarray"]})
    errors: dict[str, list[str]] = {}
    for index, item in enumerate(body):
        errors.update(field_errors(item, _LAYER_FIELDS, path=f"obj[{index}]"))
        if isinstance(item, dict) and item.get("typ") not in (None, "Skeleton", "Volume"):
            errors[f"obj[{index}].typ"] = ["error.expected.validenumvalue"]
    if errors:
        raise play_map_error(errors)
    kinds = [item["typ"] for item in body]
    if not kinds:
        raise bad_request("An annotation needs at least one layer")
    if kinds.count("Skeleton") > 1:
        raise bad_request("An annotation can have at most one skeleton layer")
    if not dataset.is_active:
        raise bad_request(f"Dataset {dataset.name} is not imported")
    volume_items = [item for item in body if item["typ"] == "Volume"]
    volumes = [
        item.get("name") or ("Volume" if i == 0 else f"Volume{i}")
        for i, item in enumerate(volume_items)
    ]
    ctx = context(request)
    annotation = new_annotation(
        ctx.state,
        owner_id=user.id,
        dataset=dataset.name,
        volume_layers=volumes,
        skeleton="Skeleton" in kinds,
    )
    annotation.mag_restrictions = _restrictions(body)
    return json_response(annotation_json(ctx, annotation, user))


def _restrictions(layers: list[dict[str, Any]]) -> dict[str, int]:
    """The magnification limits asked for (``magRestrictions`` or ``resolutionRestrictions``
    of any layer; the first given wins)."""
    for layer in layers:
        for key in ("magRestrictions", "resolutionRestrictions"):
            found = layer.get(key)
            if isinstance(found, dict):
                return {
                    bound: value
                    for bound, value in found.items()
                    if bound in ("min", "max") and type(value) is int
                }
    return {}


ROUTES = [
    Route("GET", "/datasets", list_datasets),
    Route("GET", "/datasets/{organization}/{dataset}", read_dataset),
    Route("POST", "/datasets/{organization}/{dataset}/createExplorational", create_explorational),
]
