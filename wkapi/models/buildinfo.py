"""``GET /buildinfo``: the server's version and the API versions it serves."""

from __future__ import annotations

import attrs

__all__ = ["BuildInfo", "HttpApiVersioning", "WebknossosVersion"]


@attrs.frozen
class WebknossosVersion:
    """The ``webknossos`` object of the build info (every value a string)."""

    name: str
    version: str
    commit_hash: str | None = None
    commit_date: str | None = None
    scala_version: str | None = None
    sbt_version: str | None = None
    ci_build: str | None = None
    ci_tag: str | None = None
    datastore_api_version: str | None = None


@attrs.frozen
class HttpApiVersioning:
    """The range of HTTP API versions a server serves (servers from 24.02 on)."""

    current_api_version: int
    oldest_supported_api_version: int

    def supports(self, version: int) -> bool:
        """Whether ``/api/v{version}/`` is served."""
        return self.oldest_supported_api_version <= version <= self.current_api_version


@attrs.frozen
class BuildInfo:
    """What ``GET /buildinfo`` reports. ``http_api_versioning`` is ``None`` before 24.02."""

    webknossos: WebknossosVersion
    local_data_store_enabled: bool
    local_tracing_store_enabled: bool
    schema_version: int | None = None
    http_api_versioning: HttpApiVersioning | None = None
