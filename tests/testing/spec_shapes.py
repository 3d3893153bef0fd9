"""The response shapes of real servers as recorded (both generations, with what changed between
them), written down as our own test data: for each JSON type and server generation the keys
an answer must have, the keys it may have, and which keys hold which nested types.

``"old"`` is a v5-era server as recorded in 2023 (the fake's ``"23.08"``), ``"new"`` a server
recorded in 2025 answering through its v5 adapter (the fake's ``"25.01"``). Nested types are
named by string: ``"Task"``, ``"Task?"`` (or null), ``"[Team]"`` (a list of them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Gen = Literal["old", "new"]
GENERATIONS: tuple[Gen, ...] = ("old", "new")


@dataclass(frozen=True)
class Shape:
    """``required`` keys, ``optional`` ones, the ``nested`` types of some keys, and the
    optional keys left out rather than sent without a value (``valued``: never null or [])."""

    required: frozenset[str]
    optional: frozenset[str] = frozenset()
    nested: Mapping[str, str] = field(default_factory=dict)
    valued: frozenset[str] = frozenset()

    def plus(self, required: str = "", optional: str = "", **nested: str) -> Shape:
        return Shape(
            self.required | set(required.split()),
            self.optional | set(optional.split()),
            {**self.nested, **nested},
            self.valued,
        )

    def minus(self, keys: str) -> Shape:
        gone = set(keys.split())
        nested = {k: v for k, v in self.nested.items() if k not in gone}
        return Shape(self.required - gone, self.optional - gone, nested, self.valued - gone)


def shape(required: str, optional: str = "", *, valued: str = "", **nested: str) -> Shape:
    return Shape(
        frozenset(required.split()),
        frozenset(optional.split()),
        nested,
        frozenset(valued.split()),
    )


def same(one: Shape) -> dict[Gen, Shape]:
    return {"old": one, "new": one}


_TEAM = shape("id name organization")
_USER = shape(
    "id email firstName lastName isAdmin isOrganizationOwner isDatasetManager isActive teams"
    " experiences lastActivity isAnonymous isEditable organization novelUserExperienceInfos"
    " selectedTheme created lastTaskTypeId isSuperUser isEmailVerified",
    teams="[TeamMembership]",
)
_SETTINGS = shape(
    "allowedModes branchPointsAllowed somaClickingAllowed volumeInterpolationAllowed mergerMode",
    "preferredMode",
)
_TASK_COMMON = shape(
    "id projectId projectName team type neededExperience created status script tracingTime"
    " creationInfo boundingBox editPosition editRotation",
    type="TaskType",
    neededExperience="Experience",
    status="TaskStatus",
    script="Script?",
    boundingBox="BoundingBox?",
)
_OLD_TASK = _TASK_COMMON.plus("formattedHash dataSet")
_NEW_TASK = _TASK_COMMON.plus("datasetName datasetId")
_PROJECT = shape(
    "id name team teamName owner priority paused expectedTime isBlacklistedFromReport created",
    owner="CompactUser?",
)
_ANNOTATION_COMMON = shape(
    "id typ state name description modified viewConfiguration task stats restrictions"
    " annotationLayers dataSetName organization dataStore tracingStore visibility settings"
    " tracingTime teams tags user owner contributors othersMayEdit",
    task="Task?",
    stats="Stats",
    restrictions="AnnotationRestrictions",
    annotationLayers="[AnnotationLayer]",
    dataStore="Datastore",
    tracingStore="Tracingstore",
    settings="Settings",
    teams="[Team]",
    user="CompactUser?",
    owner="CompactUser?",
    contributors="[CompactUser]",
)
_OLD_ANNOTATION = _ANNOTATION_COMMON.plus("formattedHash")
_NEW_ANNOTATION = _ANNOTATION_COMMON.plus("isLockedByOwner datasetId")
_COMPACT_OMITTED = (
    "task restrictions settings dataStore tracingStore user contributors viewConfiguration"
)
_DATASET_COMMON = shape(
    "name dataSource dataStore owningOrganization allowedTeams allowedTeamsCumulative isActive"
    " isPublic description created isEditable lastUsedByUser logoUrl sortingKey isUnreported"
    " tags folderId",
    dataSource="DataSource",
    dataStore="Datastore",
    allowedTeams="[Team]",
    allowedTeamsCumulative="[Team]",
)
_OLD_DATASET = _DATASET_COMMON.plus("displayName details jobsEnabled publication")
_NEW_DATASET_LISTED = _DATASET_COMMON.plus("id directoryName metadata usedStorageBytes isVirtual")
# "In both years, layers leave out the optional keys they have no value for."
_LAYER = shape(
    "name category elementClass boundingBox resolutions",
    "largestSegmentId mappings defaultViewConfiguration adminViewConfiguration",
    valued="largestSegmentId mappings defaultViewConfiguration adminViewConfiguration",
    boundingBox="BoundingBox",
)
_BUILDINFO = shape(
    "webknossos schemaVersion localDataStoreEnabled localTracingStoreEnabled",
    webknossos="WebknossosBuild",
)

SHAPES: dict[str, dict[Gen, Shape]] = {
    "Team": {"old": _TEAM, "new": _TEAM.plus("isOrganizationTeam")},
    "TeamMembership": same(shape("id name isTeamManager")),
    "CompactUser": same(
        shape(
            "id email firstName lastName isAdmin isDatasetManager isAnonymous teams",
            teams="[TeamMembership]",
        )
    ),
    "User": {"old": _USER, "new": _USER.plus("isGuest isUnlisted")},
    "Owner": same(shape("id firstName lastName")),
    "Datastore": {
        "old": shape("name url isScratch allowsUpload"),
        "new": shape("name url allowsUpload jobsEnabled jobsSupportedByAvailableWorkers"),
    },
    "Tracingstore": same(shape("name url")),
    "MagRestrictions": same(shape("", "min max")),
    "Settings": {
        "old": _SETTINGS.plus("resolutionRestrictions", resolutionRestrictions="MagRestrictions"),
        "new": _SETTINGS.plus("magRestrictions", magRestrictions="MagRestrictions"),
    },
    "TaskType": same(
        shape(
            "id summary description teamId teamName settings recommendedConfiguration tracingType",
            settings="Settings",
        )
    ),
    "Experience": same(shape("domain value")),
    "TaskStatus": {"old": shape("open active finished"), "new": shape("pending active finished")},
    "Script": same(shape("id name gist owner")),
    "BoundingBox": same(shape("topLeft width height depth")),
    "Task": {"old": _OLD_TASK, "new": _NEW_TASK},
    # the v5 task routes: newer servers' v5 adapter adds dataSet back
    "TaskV5": {"old": _OLD_TASK, "new": _NEW_TASK.plus("dataSet")},
    "TaskV5WithMessages": {
        "old": _OLD_TASK.plus("messages"),
        "new": _NEW_TASK.plus("dataSet messages"),
    },
    "TaskResult": same(shape("status", "success error", success="TaskV5")),
    "TaskCreation": same(shape("tasks warnings", tasks="[TaskResult]")),
    "Project": same(_PROJECT),
    "ProjectWithStatus": {
        "old": _PROJECT.plus("numberOfOpenAssignments"),
        "new": _PROJECT.plus("pendingInstances tracingTime"),
    },
    "Stats": same(shape("", "treeCount nodeCount edgeCount branchPointCount")),
    "AnnotationLayer": {
        "old": shape("tracingId typ name"),
        "new": shape("tracingId typ name stats", stats="Stats"),
    },
    "AnnotationRestrictions": same(shape("allowAccess allowUpdate allowFinish allowDownload")),
    "Annotation": {"old": _OLD_ANNOTATION, "new": _NEW_ANNOTATION},
    "AnnotationWithMessages": {
        "old": _OLD_ANNOTATION.plus("messages"),
        "new": _NEW_ANNOTATION.plus("messages"),
    },
    "AnnotationCompact": {
        "old": _OLD_ANNOTATION.minus(_COMPACT_OMITTED).plus(owner="Owner?"),
        "new": _NEW_ANNOTATION.minus(_COMPACT_OMITTED).plus(owner="Owner?"),
    },
    "Dataset": {"old": _OLD_DATASET, "new": _NEW_DATASET_LISTED.plus("displayName")},
    "DatasetListed": {"old": _OLD_DATASET, "new": _NEW_DATASET_LISTED},
    "DataSource": same(
        shape("id", "dataLayers scale status", id="DataSourceId", dataLayers="[DataLayer]")
    ),
    "DataSourceId": same(shape("name team")),
    "DataLayer": {
        "old": _LAYER,
        "new": _LAYER.plus("dataFormat mags numChannels", mags="[Mag]"),
    },
    "Mag": same(shape("mag", "path")),
    "Buildinfo": {
        "old": _BUILDINFO,
        "new": _BUILDINFO.plus("httpApiVersioning", httpApiVersioning="Versioning"),
    },
    "WebknossosBuild": same(
        shape(
            "name version commitHash commitDate scalaVersion sbtVersion ciBuild ciTag"
            " datastoreApiVersion"
        )
    ),
    "Versioning": same(shape("currentApiVersion oldestSupportedApiVersion")),
    "Token": same(shape("token")),
    "Messages": same(shape("messages")),
    "AnnotationRef": same(shape("typ id")),
    "UploadAnswer": same(shape("annotation messages", annotation="AnnotationRef")),
}


#: Keys that come in alternatives: a value of the kind has exactly one group, all of it. A
#: usable data source has layers and a scale; an unusable one (an inactive dataset) only a
#: status instead.
ONE_OF: Mapping[str, tuple[frozenset[str], ...]] = {
    "DataSource": (frozenset({"dataLayers", "scale"}), frozenset({"status"})),
}


def shape_problems(value: Any, kind: str, gen: Gen, where: str = "") -> list[str]:
    """What is wrong with ``value`` as a ``kind`` of generation ``gen`` (empty: nothing):
    missing or unexpected keys, here and in every nested value."""
    where = where or kind
    if kind.endswith("?"):
        return [] if value is None else shape_problems(value, kind[:-1], gen, where)
    if kind.startswith("["):
        if not isinstance(value, list):
            return [f"{where}: expected a list, got {type(value).__name__}"]
        inner = kind[1:-1]
        return [
            p
            for i, item in enumerate(value)
            for p in shape_problems(item, inner, gen, f"{where}[{i}]")
        ]
    if not isinstance(value, dict):
        return [f"{where}: expected an object, got {type(value).__name__}"]
    expected = SHAPES[kind][gen]
    keys = set(value)
    problems = []
    missing = expected.required - keys
    extra = keys - expected.required - expected.optional
    if missing:
        problems.append(f"{where}: missing {sorted(missing)}")
    if extra:
        problems.append(f"{where}: unexpected {sorted(extra)}")
    groups = ONE_OF.get(kind, ())
    if groups and [group <= keys for group in groups].count(True) != 1:
        problems.append(f"{where}: expected exactly one of {[sorted(g) for g in groups]}")
    elif groups and keys & set().union(*groups) - next(g for g in groups if g <= keys):
        problems.append(f"{where}: mixes the alternatives {[sorted(g) for g in groups]}")
    empty = sorted(key for key in expected.valued & keys if value[key] in (None, [], {}))
    if empty:
        problems.append(f"{where}: sent without a value {empty}")
    for key, nested in expected.nested.items():
        if key in value:
            problems += shape_problems(value[key], nested, gen, f"{where}.{key}")
    return problems


def _bare(kind: str) -> str:
    return kind.strip("[]?")


def nested_lists(kind: str, gen: Gen) -> frozenset[tuple[str, str]]:
    """Every ``(type, key)`` holding a list of nested values that a ``kind`` answer of
    generation ``gen`` may contain, at any depth: the lists whose items are only checked when
    an answer has some."""
    found: set[tuple[str, str]] = set()
    todo, visited = [_bare(kind)], set()
    while todo:
        name = todo.pop()
        if name in visited:
            continue
        visited.add(name)
        for key, nested in SHAPES[name][gen].nested.items():
            if nested.startswith("["):
                found.add((name, key))
            todo.append(_bare(nested))
    return frozenset(found)


def filled_lists(value: Any, kind: str, gen: Gen) -> set[tuple[str, str]]:
    """The ``(type, key)`` lists of nested values that ``value`` (a ``kind``) holds with at
    least one item somewhere: those whose items ``shape_problems`` did check."""
    if kind.endswith("?"):
        return set() if value is None else filled_lists(value, kind[:-1], gen)
    if kind.startswith("["):
        items = value if isinstance(value, list) else []
        return set().union(*(filled_lists(item, kind[1:-1], gen) for item in items))
    if not isinstance(value, dict):
        return set()
    found: set[tuple[str, str]] = set()
    for key, nested in SHAPES[kind][gen].nested.items():
        if key not in value:
            continue
        if nested.startswith("[") and isinstance(value[key], list) and value[key]:
            found.add((kind, key))
        found |= filled_lists(value[key], nested, gen)
    return found
