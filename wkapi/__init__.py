"""wkapi: an async-first Python client for the WEBKNOSSOS REST API.

.. code-block:: python

    import wkapi

    async with wkapi.Client.from_env() as wk:          # WK_URL, WK_TOKEN
        me = await wk.users.current()
        async for annotation in wk.users.annotations(me.id, is_finished=True):
            await wk.annotations.download(annotation.typ, annotation.id, to="exports/")

Code without asyncio uses :class:`SyncClient`, with the same arguments, methods and models:

.. code-block:: python

    with wkapi.SyncClient.from_env() as wk:
        me = wk.users.current()

Every public name lives here; the submodules ``wkapi.models``, ``wkapi.jobs`` and
``wkapi.testing`` (the fake server for tests) are public too.
"""

from __future__ import annotations

import importlib
import typing

from ._version import __version__

if typing.TYPE_CHECKING:
    from ._client import (
        Client,
    )
    from ._config import (
        Limits,
        Timeouts,
    )
    from ._errors import (
        APIConnectionError,
        APIError,
        APIStatusError,
        APITimeoutError,
        AuthenticationError,
        BadRequestError,
        ClientClosedError,
        ClientLoopError,
        ConfigurationError,
        ConflictError,
        DestinationExistsError,
        DestinationInUseError,
        IncompleteDownloadError,
        InputError,
        InvalidResponseError,
        NotFoundError,
        PayloadTooLargeError,
        PermissionDeniedError,
        RateLimitError,
        ServerError,
        ServerUnreachableError,
        TaskFileError,
        TaskInputError,
        UploadInputError,
        VersionNotSupportedError,
        WebknossosError,
    )
    from ._pagination import (
        Pager,
    )
    from ._retry import (
        RetryPolicy,
    )
    from ._sync import (
        SyncClient,
        SyncDownloadBody,
        SyncPager,
    )
    from ._transfer import (
        DownloadBody,
        DownloadResult,
        ProgressCallback,
        ProgressReporter,
    )
    from .jobs import (
        BulkTaskItem,
        BulkTaskReport,
        ExportItem,
        ExportReport,
        ExportStatus,
        ListingProgress,
        load_task_specs,
    )
    from .models import (
        Annotation,
        AnnotationLayer,
        AnnotationLayerParameters,
        AnnotationLayerType,
        AnnotationRef,
        AnnotationRestrictions,
        AnnotationSettings,
        AnnotationState,
        AnnotationStats,
        AnnotationType,
        BoundingBox,
        BuildInfo,
        CompactUser,
        DataLayer,
        DataLayerMag,
        Dataset,
        DataSource,
        DataSourceId,
        DataStore,
        HttpApiVersioning,
        NeededExperience,
        Project,
        ProjectWithStatus,
        ResolutionRestrictions,
        Script,
        ServerMessage,
        Task,
        TaskCreationReport,
        TaskCreationResult,
        TaskFromFilesParams,
        TaskSpec,
        TaskStatus,
        TaskType,
        Team,
        TeamMembership,
        TracingStore,
        TracingType,
        UploadResult,
        User,
        UserRef,
        Vec3Float,
        Vec3Int,
        Visibility,
        WebknossosVersion,
    )

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "Annotation",
    "AnnotationLayer",
    "AnnotationLayerParameters",
    "AnnotationLayerType",
    "AnnotationRef",
    "AnnotationRestrictions",
    "AnnotationSettings",
    "AnnotationState",
    "AnnotationStats",
    "AnnotationType",
    "AuthenticationError",
    "BadRequestError",
    "BoundingBox",
    "BuildInfo",
    "BulkTaskItem",
    "BulkTaskReport",
    "Client",
    "ClientClosedError",
    "ClientLoopError",
    "CompactUser",
    "ConfigurationError",
    "ConflictError",
    "DataLayer",
    "DataLayerMag",
    "DataSource",
    "DataSourceId",
    "DataStore",
    "Dataset",
    "DestinationExistsError",
    "DestinationInUseError",
    "DownloadBody",
    "DownloadResult",
    "ExportItem",
    "ExportReport",
    "ExportStatus",
    "HttpApiVersioning",
    "IncompleteDownloadError",
    "InputError",
    "InvalidResponseError",
    "Limits",
    "ListingProgress",
    "NeededExperience",
    "NotFoundError",
    "Pager",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "ProgressCallback",
    "ProgressReporter",
    "Project",
    "ProjectWithStatus",
    "RateLimitError",
    "ResolutionRestrictions",
    "RetryPolicy",
    "Script",
    "ServerError",
    "ServerMessage",
    "ServerUnreachableError",
    "SyncClient",
    "SyncDownloadBody",
    "SyncPager",
    "Task",
    "TaskCreationReport",
    "TaskCreationResult",
    "TaskFileError",
    "TaskFromFilesParams",
    "TaskInputError",
    "TaskSpec",
    "TaskStatus",
    "TaskType",
    "Team",
    "TeamMembership",
    "Timeouts",
    "TracingStore",
    "TracingType",
    "UploadInputError",
    "UploadResult",
    "User",
    "UserRef",
    "Vec3Float",
    "Vec3Int",
    "VersionNotSupportedError",
    "Visibility",
    "WebknossosError",
    "WebknossosVersion",
    "__version__",
    "load_task_specs",
]

#: Where each name lives: it is imported on first use, so that importing one part of wkapi
#: (the pytest plugin every test run of a project with wkapi installed loads, the command
#: line's usage hint, ``wkapi.nml``) does not load the client and aiohttp.
_HOMES = {
    "Client": "._client",
    "Limits": "._config",
    "Timeouts": "._config",
    "APIConnectionError": "._errors",
    "APIError": "._errors",
    "APIStatusError": "._errors",
    "APITimeoutError": "._errors",
    "AuthenticationError": "._errors",
    "BadRequestError": "._errors",
    "ClientClosedError": "._errors",
    "ClientLoopError": "._errors",
    "ConfigurationError": "._errors",
    "ConflictError": "._errors",
    "DestinationExistsError": "._errors",
    "DestinationInUseError": "._errors",
    "IncompleteDownloadError": "._errors",
    "InputError": "._errors",
    "InvalidResponseError": "._errors",
    "NotFoundError": "._errors",
    "PayloadTooLargeError": "._errors",
    "PermissionDeniedError": "._errors",
    "RateLimitError": "._errors",
    "ServerError": "._errors",
    "ServerUnreachableError": "._errors",
    "TaskFileError": "._errors",
    "TaskInputError": "._errors",
    "UploadInputError": "._errors",
    "VersionNotSupportedError": "._errors",
    "WebknossosError": "._errors",
    "Pager": "._pagination",
    "RetryPolicy": "._retry",
    "SyncClient": "._sync",
    "SyncDownloadBody": "._sync",
    "SyncPager": "._sync",
    "DownloadBody": "._transfer",
    "DownloadResult": "._transfer",
    "ProgressCallback": "._transfer",
    "ProgressReporter": "._transfer",
    "BulkTaskItem": ".jobs",
    "BulkTaskReport": ".jobs",
    "ExportItem": ".jobs",
    "ExportReport": ".jobs",
    "ExportStatus": ".jobs",
    "ListingProgress": ".jobs",
    "load_task_specs": ".jobs",
    "Annotation": ".models",
    "AnnotationLayer": ".models",
    "AnnotationLayerParameters": ".models",
    "AnnotationLayerType": ".models",
    "AnnotationRef": ".models",
    "AnnotationRestrictions": ".models",
    "AnnotationSettings": ".models",
    "AnnotationState": ".models",
    "AnnotationStats": ".models",
    "AnnotationType": ".models",
    "BoundingBox": ".models",
    "BuildInfo": ".models",
    "CompactUser": ".models",
    "DataLayer": ".models",
    "DataLayerMag": ".models",
    "Dataset": ".models",
    "DataSource": ".models",
    "DataSourceId": ".models",
    "DataStore": ".models",
    "HttpApiVersioning": ".models",
    "NeededExperience": ".models",
    "Project": ".models",
    "ProjectWithStatus": ".models",
    "ResolutionRestrictions": ".models",
    "Script": ".models",
    "ServerMessage": ".models",
    "Task": ".models",
    "TaskCreationReport": ".models",
    "TaskCreationResult": ".models",
    "TaskFromFilesParams": ".models",
    "TaskSpec": ".models",
    "TaskStatus": ".models",
    "TaskType": ".models",
    "Team": ".models",
    "TeamMembership": ".models",
    "TracingStore": ".models",
    "TracingType": ".models",
    "UploadResult": ".models",
    "User": ".models",
    "UserRef": ".models",
    "Vec3Float": ".models",
    "Vec3Int": ".models",
    "Visibility": ".models",
    "WebknossosVersion": ".models",
}
#: The public submodules, reachable as attributes as before (``wkapi.models.Task``).
_SUBMODULES = frozenset({"jobs", "models", "nml", "testing"})


def __getattr__(name: str) -> object:
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__, *_SUBMODULES})
