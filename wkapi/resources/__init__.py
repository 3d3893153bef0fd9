"""One class per area of the WEBKNOSSOS route list, each a thin layer over the session.

A :class:`~wkapi.Client` holds one instance of each (``wk.users``, ``wk.tasks``, ...); they are
not meant to be built by hand.
"""

from .annotations import AnnotationsResource, AnnotationTypeLike
from .datasets import DatasetsResource, LayerSpec
from .datastores import DatastoresResource, TracingstoresResource
from .projects import ProjectsResource
from .task_types import TaskTypesResource
from .tasks import MAX_TASKS_PER_REQUEST, TasksResource
from .teams import TeamsResource
from .tokens import TokensResource
from .users import UsersResource

__all__ = [
    "MAX_TASKS_PER_REQUEST",
    "AnnotationTypeLike",
    "AnnotationsResource",
    "DatasetsResource",
    "DatastoresResource",
    "LayerSpec",
    "ProjectsResource",
    "TaskTypesResource",
    "TasksResource",
    "TeamsResource",
    "TokensResource",
    "TracingstoresResource",
    "UsersResource",
]
