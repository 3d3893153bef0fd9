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
from ._version import (
    __version__,
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
