"""The public entry point: :class:`Client`, one per server, used as an async context manager."""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import Any

import yarl

from ._config import (
    DEFAULT_MAX_UPLOAD_BYTES,
    ClientConfig,
    Limits,
    Timeouts,
    env_settings,
    strict_models_from_env,
)
from ._convert import structure
from ._deprecation import warn_deprecated
from ._errors import ConfigurationError
from ._retry import RetryPolicy
from ._session import Session
from .jobs.bulk_tasks import BulkTasksResource
from .jobs.export import ExportJobs
from .models import BuildInfo
from .resources.annotations import AnnotationsResource
from .resources.datasets import DatasetsResource
from .resources.datastores import DatastoresResource, TracingstoresResource
from .resources.projects import ProjectsResource
from .resources.task_types import TaskTypesResource
from .resources.teams import TeamsResource
from .resources.tokens import TokensResource
from .resources.users import UsersResource

__all__ = ["Client"]


def _limits(
    limits: Limits | None, concurrency: int | None, rate_limit: float | None, burst: int | None
) -> Limits:
    """``limits``, or the one the flat arguments of old describe (never both)."""
    if limits is not None:
        flat = {"concurrency": concurrency, "rate_limit": rate_limit, "burst": burst}
        given = [f"{name}=" for name, value in flat.items() if value is not None]
        if given:
            raise ConfigurationError(
                f"pass limits= or {' and '.join(given)}, not both: put every limit in "
                "Limits(concurrency=..., rate=..., burst=...)"
            )
        if not isinstance(limits, Limits):
            raise ConfigurationError(f"limits must be a wkapi.Limits, got {limits!r}")
        return limits
    if rate_limit is not None or burst is not None:
        warn_deprecated(
            "rate_limit= and burst= are deprecated; pass "
            "limits=wkapi.Limits(rate=..., burst=...) instead"
        )
    if concurrency is None:
        return Limits(rate=rate_limit, burst=burst)
    return Limits(concurrency=concurrency, rate=rate_limit, burst=burst)


class Client:
    """An async client for one WEBKNOSSOS server.

    .. code-block:: python

        async with wkapi.Client("https://webknossos.org", token) as wk:
            me = await wk.users.current()

    Args:
        url: the server, e.g. ``https://webknossos.org``.
        token: your personal token (WEBKNOSSOS menu, above "logout"); ``None`` for anonymous use.
        api_version: the HTTP API version of the routes (``/api/v5/...``); ``None`` for plain
            ``/api/...`` (the server's newest). Checked once against the server's range.
        limits: how hard the client may push the server: requests in flight at once, requests
            per second and their burst; see :class:`Limits` (default ``Limits()``: 8 at once,
            no rate cap).
        concurrency: shorthand for ``limits=Limits(concurrency=...)``, the common knob (not
            together with ``limits``).
        rate_limit, burst: deprecated, use ``limits=Limits(rate=..., burst=...)``.
        timeouts: see :class:`Timeouts`; retry: see :class:`RetryPolicy`.
        verify_tls: check the server's certificate (turning it off warns).
        strict_models: reject unknown JSON keys (for tests; default from ``WKAPI_STRICT_MODELS``).
        max_upload_bytes: refuse uploads whose multipart body would exceed this (the server's
            limit, 1 GiB by default).
        check_version: check ``api_version`` against ``GET /api/buildinfo`` before the first call.

    A client is used once, on one event loop: after its ``async with`` block (or
    :meth:`close`) every call raises :class:`~wkapi.ClientClosedError`, and a call from another
    event loop than the one it first ran on (e.g. a second ``asyncio.run()``) raises
    :class:`~wkapi.ClientLoopError`: create one client per loop.

    Resources: :attr:`users`, :attr:`teams`, :attr:`datasets`, :attr:`datastores`,
    :attr:`tracingstores`, :attr:`annotations`, :attr:`tasks`, :attr:`task_types`,
    :attr:`projects`, :attr:`tokens`, and the :attr:`export` job.
    """

    def __init__(
        self,
        url: str | yarl.URL,
        token: str | None = None,
        *,
        api_version: int | None = 5,
        limits: Limits | None = None,
        concurrency: int | None = None,
        rate_limit: float | None = None,
        burst: int | None = None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        verify_tls: bool = True,
        strict_models: bool | None = None,
        max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
        check_version: bool = True,
    ) -> None:
        config = ClientConfig(
            url=url,
            token=token,
            api_version=api_version,
            timeouts=timeouts or Timeouts(),
            limits=_limits(limits, concurrency, rate_limit, burst),
            retry=retry or RetryPolicy(),
            verify_tls=verify_tls,
            strict_models=strict_models_from_env() if strict_models is None else strict_models,
            max_upload_bytes=max_upload_bytes,
            check_version=check_version,
        )
        self._session = Session(config)
        session = self._session
        self.users = UsersResource(session)
        self.teams = TeamsResource(session)
        self.datasets = DatasetsResource(session)
        self.datastores = DatastoresResource(session)
        self.tracingstores = TracingstoresResource(session)
        self.annotations = AnnotationsResource(session)
        self.task_types = TaskTypesResource(session)
        self.projects = ProjectsResource(session)
        self.tokens = TokensResource(session)
        self.tasks = BulkTasksResource(session, task_types=self.task_types, projects=self.projects)
        self.export = ExportJobs(
            annotations=self.annotations,
            users=self.users,
            projects=self.projects,
            tasks=self.tasks,
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **options: Any) -> Client:
        """A client from ``WK_URL``, ``WK_TOKEN`` and optionally ``WK_API_VERSION``.

        Keyword ``options`` are passed to the constructor and win over the environment.
        """
        settings = env_settings(environ)
        settings.update(options)
        return cls(**settings)  # type: ignore[arg-type]

    @property
    def config(self) -> ClientConfig:
        """The validated settings of this client (the token is not in its repr)."""
        return self._session.config

    @property
    def url(self) -> str:
        """The server's base URL."""
        return str(self._session.config.url)

    def __repr__(self) -> str:
        token = "***" if self._session.config.token else None
        return (
            f"Client(url={self.url!r}, api_version={self._session.config.api_version!r}, "
            f"token={token})"
        )

    async def __aenter__(self) -> Client:
        self._session.check_usable()  # a closed client is not entered again
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the connection pool for good (closing twice is harmless).

        A client is used once: a call after this raises :class:`~wkapi.ClientClosedError`
        (nothing reopens behind your back); make a new client instead.
        """
        await self._session.close()

    async def check_version(self) -> BuildInfo:
        """Check the configured API version against the server now (otherwise done lazily before
        the first versioned call); raises :class:`~wkapi.VersionNotSupportedError`."""
        info = await self._session.check_version()
        return structure(info, BuildInfo, strict=self._session.strict_models)

    async def build_info(self) -> BuildInfo:
        """``GET /api/buildinfo``: the server's version and its API version range."""
        data = await self._session.request_json("GET", "/buildinfo", versioned=False)
        return structure(data, BuildInfo, strict=self._session.strict_models)
