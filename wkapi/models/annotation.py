"""Annotations: the full and compact forms, their layers, and the upload result."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import attrs

from wkapi._checks import INT32_MAX, check_int, check_str
from wkapi._convert import wk_metadata
from wkapi._errors import InputError
from wkapi.models.common import (
    AnnotationSettings,
    JsonObject,
    ResolutionRestrictions,
    ServerMessage,
    WkEnum,
    ms_to_datetime,
    ms_to_timedelta,
)
from wkapi.models.datastore import DataStore, TracingStore
from wkapi.models.task import Task
from wkapi.models.team import Team
from wkapi.models.user import CompactUser, UserRef

__all__ = [
    "Annotation",
    "AnnotationLayer",
    "AnnotationLayerParameters",
    "AnnotationLayerType",
    "AnnotationRef",
    "AnnotationRestrictions",
    "AnnotationState",
    "AnnotationStats",
    "AnnotationType",
    "UploadResult",
    "Visibility",
]


class AnnotationType(WkEnum):
    """The ``typ`` of an annotation, and the ``:typ`` of annotation routes."""

    TASK = "Task"
    VIEW = "View"
    EXPLORATIONAL = "Explorational"
    TRACING_BASE = "TracingBase"
    ORPHAN = "Orphan"
    COMPOUND_TASK = "CompoundTask"
    COMPOUND_PROJECT = "CompoundProject"
    COMPOUND_TASK_TYPE = "CompoundTaskType"


class AnnotationState(WkEnum):
    """Where an annotation is in its life."""

    ACTIVE = "Active"
    FINISHED = "Finished"
    CANCELLED = "Cancelled"
    INITIALIZING = "Initializing"


class Visibility(WkEnum):
    """Who may see an annotation."""

    PRIVATE = "Private"
    INTERNAL = "Internal"
    PUBLIC = "Public"


class AnnotationLayerType(WkEnum):
    """The kind of an annotation layer."""

    SKELETON = "Skeleton"
    VOLUME = "Volume"


@attrs.frozen
class AnnotationStats:
    """Counts of an annotation or layer; empty (all ``None``) where the server sends ``{}``.

    v5-era servers give the whole annotation's skeleton counts in ``Annotation.stats``;
    newer ones send ``{}`` there and per-layer stats in ``AnnotationLayer.stats``.
    """

    tree_count: int | None = None
    node_count: int | None = None
    edge_count: int | None = None
    branch_point_count: int | None = None
    segment_count: int | None = None

    @property
    def is_empty(self) -> bool:
        """Whether the server sent no counts at all."""
        return self == _NO_STATS


_NO_STATS = AnnotationStats()


@attrs.frozen
class AnnotationRestrictions:
    """What the requesting user may do with an annotation."""

    allow_access: bool
    allow_update: bool
    allow_finish: bool
    allow_download: bool


@attrs.frozen
class AnnotationLayer:
    """One layer of an annotation, stored on the tracingstore under ``tracing_id``."""

    tracing_id: str
    typ: AnnotationLayerType | str
    name: str | None = None
    stats: AnnotationStats | None = None


@attrs.frozen
class Annotation:
    """An annotation, in the full form (info, task annotations, finish, ...) or the compact
    form of ``/user/annotations`` and ``/users/:id/annotations``.

    The compact form lacks ``task``, ``restrictions``, ``settings``, ``data_store``,
    ``tracing_store``, ``user``, ``contributors`` and ``view_configuration`` (``None`` or
    empty here), and its ``owner`` is a bare :class:`~wkapi.models.UserRef`
    (``id``, ``first_name``, ``last_name``) where the full form has a
    :class:`~wkapi.models.CompactUser`; both have those three attributes.

    ``typ``, ``state`` and ``visibility`` are enum members, or the server's string for a
    value this version of wkapi does not know. ``formatted_hash`` is gone from servers since
    24.02; ``is_locked_by_owner`` and ``dataset_id`` come from newer servers. ``messages``
    holds what finish, reopen, reset and merge report alongside the annotation.
    """

    id: str
    typ: AnnotationType | str
    state: AnnotationState | str
    name: str
    description: str
    modified: int
    annotation_layers: tuple[AnnotationLayer, ...]
    dataset_name: str = attrs.field(
        metadata=wk_metadata(key="dataSetName", aliases=("datasetName",))
    )
    organization: str
    visibility: Visibility | str
    teams: tuple[Team, ...]
    tags: tuple[str, ...]
    others_may_edit: bool
    stats: AnnotationStats | None = None
    tracing_time: int | None = None
    owner: CompactUser | UserRef | None = None
    formatted_hash: str | None = None
    is_locked_by_owner: bool | None = None
    dataset_id: str | None = None
    task: Task | None = None
    restrictions: AnnotationRestrictions | None = None
    settings: AnnotationSettings | None = None
    data_store: DataStore | None = None
    tracing_store: TracingStore | None = None
    user: CompactUser | None = None
    contributors: tuple[CompactUser, ...] = ()
    view_configuration: JsonObject | None = None
    messages: tuple[ServerMessage, ...] = ()

    @property
    def modified_at(self) -> datetime:
        """When the annotation was last modified (UTC)."""
        return ms_to_datetime(self.modified)

    @property
    def tracing_duration(self) -> timedelta | None:
        """Time spent on the annotation, if the server reports it."""
        return ms_to_timedelta(self.tracing_time)

    @property
    def is_finished(self) -> bool:
        """Whether the annotation is finished."""
        return self.state == AnnotationState.FINISHED

    @property
    def has_volume(self) -> bool:
        """Whether any layer holds volume data (its download is a ZIP, not a bare NML)."""
        return any(layer.typ == AnnotationLayerType.VOLUME for layer in self.annotation_layers)


@attrs.frozen
class AnnotationRef:
    """The type and id of an annotation, as ``POST /annotations/upload`` names the new one."""

    typ: AnnotationType | str
    id: str


@attrs.frozen
class UploadResult:
    """What ``POST /annotations/upload`` answers: the new annotation's type and id, and messages."""

    annotation: AnnotationRef
    messages: tuple[ServerMessage, ...] = ()

    @property
    def annotation_id(self) -> str:
        """The id of the new annotation."""
        return self.annotation.id

    @property
    def typ(self) -> AnnotationType | str:
        """The type of the new annotation (``Explorational``)."""
        return self.annotation.typ


@attrs.frozen(init=False)
class AnnotationLayerParameters:
    """One layer to create with ``createExplorational`` (a request model, checked on creation).

    Args:
        typ: ``"Skeleton"`` or ``"Volume"`` (or the enum member).
        fallback_layer_name: a segmentation layer of the dataset a volume layer builds on.
        resolution_restrictions: the magnifications allowed, a
            :class:`~wkapi.models.ResolutionRestrictions` or a ``{"min": .., "max": ..}`` dict.
        name: the layer's name.

    Raises:
        InputError: a value is not valid; the message names the parameter.
    """

    typ: AnnotationLayerType
    fallback_layer_name: str | None
    resolution_restrictions: ResolutionRestrictions | None
    name: str | None

    def __init__(
        self,
        typ: AnnotationLayerType | str,
        *,
        fallback_layer_name: str | None = None,
        resolution_restrictions: ResolutionRestrictions | Mapping[str, Any] | None = None,
        name: str | None = None,
    ) -> None:
        self.__attrs_init__(
            typ=_layer_type(typ),
            fallback_layer_name=_optional_name("fallback_layer_name", fallback_layer_name),
            resolution_restrictions=_restrictions(resolution_restrictions),
            name=_optional_name("name", name),
        )

    def to_json(self) -> JsonObject:
        """The body item the server expects (absent options left out).

        The restrictions go out as ``resolutionRestrictions`` and as ``magRestrictions``
        (the newer name); servers ignore the key they do not know.
        """
        body: JsonObject = {"typ": self.typ.value}
        if self.fallback_layer_name is not None:
            body["fallbackLayerName"] = self.fallback_layer_name
        if self.resolution_restrictions is not None:
            limits = {
                k: v for k, v in attrs.asdict(self.resolution_restrictions).items() if v is not None
            }
            body["resolutionRestrictions"] = limits
            body["magRestrictions"] = dict(limits)
        if self.name is not None:
            body["name"] = self.name
        return body


def _layer_type(value: AnnotationLayerType | str) -> AnnotationLayerType:
    try:
        return AnnotationLayerType(value)
    except ValueError:
        allowed = ", ".join(repr(t.value) for t in AnnotationLayerType)
        raise InputError(f"typ must be one of {allowed}, got {value!r}") from None


def _optional_name(field: str, value: str | None) -> str | None:
    return None if value is None else check_str(field, value)


def _restrictions(
    value: ResolutionRestrictions | Mapping[str, Any] | None,
) -> ResolutionRestrictions | None:
    if value is None:
        return None
    if isinstance(value, Mapping):
        unknown = set(value) - {"min", "max"}
        if unknown:
            raise InputError(f"resolution_restrictions: unknown keys {sorted(unknown)}")
        value = ResolutionRestrictions(min=value.get("min"), max=value.get("max"))
    if not isinstance(value, ResolutionRestrictions):
        raise InputError(
            f"resolution_restrictions must be a ResolutionRestrictions or a dict, got {value!r}"
        )
    low, high = (
        None
        if limit is None
        else check_int(f"resolution_restrictions.{bound}", limit, minimum=1, maximum=INT32_MAX)
        for bound, limit in (("min", value.min), ("max", value.max))
    )
    return ResolutionRestrictions(min=low, max=high)
