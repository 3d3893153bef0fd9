"""Plain helpers of the model tests (sample answers are in :mod:`tests.models.samples`): the models
a server's answer is structured into, and Hypothesis strategies of arbitrary JSON that uses their
keys (shared by the fuzz test and the generated-code test)."""

from __future__ import annotations

import attrs
from hypothesis import strategies as st

from wkapi import models
from wkapi._convert import _aliases, _json_key

#: Every model a server's answer is structured into.
RESPONSE_MODELS: list[type] = [
    models.Annotation,
    models.AnnotationLayer,
    models.AnnotationRef,
    models.AnnotationRestrictions,
    models.AnnotationSettings,
    models.AnnotationStats,
    models.BoundingBox,
    models.BuildInfo,
    models.CompactUser,
    models.DataLayer,
    models.DataLayerMag,
    models.DataSource,
    models.DataSourceId,
    models.DataStore,
    models.Dataset,
    models.HttpApiVersioning,
    models.NeededExperience,
    models.Project,
    models.ProjectWithStatus,
    models.ResolutionRestrictions,
    models.Script,
    models.ServerMessage,
    models.Task,
    models.TaskCreationReport,
    models.TaskCreationResult,
    models.TaskStatus,
    models.TaskType,
    models.Team,
    models.TeamMembership,
    models.TracingStore,
    models.UploadResult,
    models.User,
    models.UserRef,
    models.WebknossosVersion,
]


def _all_keys() -> list[str]:
    """The JSON keys (and aliases) of every response model, and a few the servers send."""
    keys = {"open", "dataSet", "success", "error", "chain", "factor", "unit"}
    for cls in RESPONSE_MODELS:
        for field in attrs.fields(cls):
            keys.add(_json_key(field))
            keys.update(_aliases(field))
    return sorted(keys)


# Keys the models know, so that random objects reach past the first missing key.
KEYS = st.sampled_from(_all_keys()) | st.text(max_size=8)


SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(["Task", "Explorational", "Finished", "Skeleton", "volume", "Public"])
)


JSON = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=6),
    max_leaves=25,
)
