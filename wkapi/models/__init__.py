"""The JSON of the WEBKNOSSOS API as frozen attrs classes (and the request models).

Response models are built by :func:`wkapi._convert.structure`; fields are snake_case
versions of the server's camelCase keys. Fields that only some server generations or only the
full forms send are optional. Vocabulary fields (``typ``, ``state``, ...) hold enum members, or
the server's plain string for a value newer than this version of wkapi.
"""

from wkapi.models.annotation import (
    Annotation,
    AnnotationLayer,
    AnnotationLayerParameters,
    AnnotationLayerType,
    AnnotationRef,
    AnnotationRestrictions,
    AnnotationState,
    AnnotationStats,
    AnnotationType,
    UploadResult,
    Visibility,
)
from wkapi.models.buildinfo import BuildInfo, HttpApiVersioning, WebknossosVersion
from wkapi.models.common import (
    AnnotationSettings,
    BoundingBox,
    NeededExperience,
    ResolutionRestrictions,
    ServerMessage,
    Vec3Float,
    Vec3Int,
)
from wkapi.models.dataset import DataLayer, DataLayerMag, Dataset, DataSource, DataSourceId
from wkapi.models.datastore import DataStore, TracingStore
from wkapi.models.project import Project, ProjectWithStatus
from wkapi.models.task import (
    Script,
    Task,
    TaskCreationReport,
    TaskCreationResult,
    TaskStatus,
    TaskType,
    TracingType,
)
from wkapi.models.task_spec import TaskFromFilesParams, TaskSpec
from wkapi.models.team import Team, TeamMembership
from wkapi.models.user import CompactUser, User, UserRef

__all__ = [
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
    "BoundingBox",
    "BuildInfo",
    "CompactUser",
    "DataLayer",
    "DataLayerMag",
    "DataSource",
    "DataSourceId",
    "DataStore",
    "Dataset",
    "HttpApiVersioning",
    "NeededExperience",
    "Project",
    "ProjectWithStatus",
    "ResolutionRestrictions",
    "Script",
    "ServerMessage",
    "Task",
    "TaskCreationReport",
    "TaskCreationResult",
    "TaskFromFilesParams",
    "TaskSpec",
    "TaskStatus",
    "TaskType",
    "Team",
    "TeamMembership",
    "TracingStore",
    "TracingType",
    "UploadResult",
    "User",
    "UserRef",
    "Vec3Float",
    "Vec3Int",
    "Visibility",
    "WebknossosVersion",
]
