"""Datastores and tracingstores: the servers that hold volume data and annotation layers."""

from __future__ import annotations

import attrs

__all__ = ["DataStore", "TracingStore"]


@attrs.frozen
class DataStore:
    """A datastore (``GET /datastores``, and the ``dataStore`` of datasets and annotations).

    ``is_scratch`` is gone from servers since 25.01; ``jobs_enabled`` and
    ``jobs_supported_by_available_workers`` come from newer servers only.
    """

    name: str
    url: str
    allows_upload: bool
    is_scratch: bool | None = None
    jobs_enabled: bool | None = None
    jobs_supported_by_available_workers: tuple[str, ...] = ()


@attrs.frozen
class TracingStore:
    """The tracingstore that holds an annotation's layers: ``{name, url}``."""

    name: str
    url: str
