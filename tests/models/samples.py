"""JSON samples shaped like real servers' answers (both generations), for the model tests.

Each function returns a fresh object. ``gen="old"`` is a v5-era server (23.08: ``open``,
``dataSet``, ``formattedHash``, ``resolutionRestrictions``, ``isScratch``, ...), ``gen="new"``
a current one (25.01: ``pending``, ``datasetName`` + ``datasetId``, per-layer stats, no
``formattedHash``, ``isOrganizationTeam``, datasets with ``directoryName`` and layers with
``mags``, ...).
"""

from __future__ import annotations

from typing import Any, Literal

Gen = Literal["old", "new"]
GENERATIONS: tuple[Gen, ...] = ("old", "new")

ORG = "sample_organization"
TEAM_ID = "5b1e45faa000009d00abc001"
USER_ID = "5b1e45faa000009d00abc002"
TASK_TYPE_ID = "5b1e45faa000009d00abc003"
PROJECT_ID = "5b1e45faa000009d00abc004"
TASK_ID = "5b1e45faa000009d00abc005"
ANNOTATION_ID = "5b1e45faa000009d00abc006"
SCRIPT_ID = "5b1e45faa000009d00abc007"
DATASET_ID = "5b1e45faa000009d00abc008"
CREATED = 1_700_000_000_000


def team(gen: Gen = "old") -> dict[str, Any]:
    data: dict[str, Any] = {"id": TEAM_ID, "name": "Connectomics", "organization": ORG}
    if gen == "new":
        data["isOrganizationTeam"] = False
    return data


def membership(manager: bool = True) -> dict[str, Any]:
    return {"id": TEAM_ID, "name": "Connectomics", "isTeamManager": manager}


def compact_user() -> dict[str, Any]:
    return {
        "id": USER_ID,
        "email": "ada@example.org",
        "firstName": "Ada",
        "lastName": "Lovelace",
        "isAdmin": False,
        "isDatasetManager": False,
        "isAnonymous": False,
        "teams": [membership()],
    }


def user(gen: Gen = "new") -> dict[str, Any]:
    data = {
        **compact_user(),
        "isOrganizationOwner": False,
        "isActive": True,
        "experiences": {"nuclei": 3, "Dendrite tracing": 10},
        "lastActivity": CREATED + 5000,
        "isEditable": True,
        "organization": ORG,
        "novelUserExperienceInfos": {"hasSeenDashboardWelcomeBanner": True},
        "selectedTheme": "auto",
        "created": CREATED,
        "lastTaskTypeId": TASK_TYPE_ID,
        "isSuperUser": False,
        "isEmailVerified": True,
    }
    if gen == "new":
        data |= {"isGuest": False, "isUnlisted": False}
    return data


def settings(gen: Gen = "new") -> dict[str, Any]:
    key = "magRestrictions" if gen == "new" else "resolutionRestrictions"
    return {
        "allowedModes": ["orthogonal", "oblique", "flight"],
        "preferredMode": "orthogonal",
        "branchPointsAllowed": True,
        "somaClickingAllowed": False,
        "volumeInterpolationAllowed": False,
        "mergerMode": False,
        key: {"min": 1, "max": 16},
    }


def task_type(gen: Gen = "new", tracing_type: str = "skeleton") -> dict[str, Any]:
    return {
        "id": TASK_TYPE_ID,
        "summary": "Trace axons",
        "description": "Follow every axon in the box.",
        "teamId": TEAM_ID,
        "teamName": "Connectomics",
        "settings": settings(gen),
        "recommendedConfiguration": {"segmentationOpacity": 20, "zoom": 1.5},
        "tracingType": tracing_type,
    }


def script() -> dict[str, Any]:
    return {
        "id": SCRIPT_ID,
        "name": "helper",
        "gist": "https://gist.github.com/x/1",
        "owner": compact_user(),
    }


def bounding_box() -> dict[str, Any]:
    return {"topLeft": [0, 10, 20], "width": 100, "height": 200, "depth": 50}


def task(gen: Gen = "new", *, v5_adapter: bool = False) -> dict[str, Any]:
    """A task; new servers send ``datasetName`` + ``datasetId`` and, on some routes, ``dataSet``."""
    data: dict[str, Any] = {
        "id": TASK_ID,
        "projectId": PROJECT_ID,
        "projectName": "axons_2024",
        "team": "Connectomics",
        "type": task_type(gen),
        "neededExperience": {"domain": "axons", "value": 2},
        "created": CREATED,
        "script": script(),
        "tracingTime": 3_600_000,
        "creationInfo": "batch-1/row-7",
        "boundingBox": bounding_box(),
        "editPosition": [1024, 2048, 512],
        "editRotation": [0, 90.5, 0],
        "description": "first pass",
    }
    if gen == "old":
        data |= {
            "formattedHash": "abc005",
            "dataSet": "2012-06-28_Cortex",
            "status": {"open": 2, "active": 1, "finished": 0},
        }
    else:
        data |= {
            "datasetName": "2012-06-28_Cortex",
            "datasetId": DATASET_ID,
            "status": {"pending": 2, "active": 1, "finished": 0},
        }
        if v5_adapter:
            data["dataSet"] = "2012-06-28_Cortex"
    return data


def project(*, owner: bool = True) -> dict[str, Any]:
    return {
        "id": PROJECT_ID,
        "name": "axons_2024",
        "team": TEAM_ID,
        "teamName": "Connectomics",
        "owner": compact_user() if owner else None,
        "priority": 100,
        "paused": False,
        "expectedTime": 5_400_000,
        "isBlacklistedFromReport": False,
        "created": CREATED,
    }


def project_with_status(gen: Gen = "new") -> dict[str, Any]:
    if gen == "old":
        return {**project(), "numberOfOpenAssignments": 12}
    return {**project(), "pendingInstances": 12, "tracingTime": 7_200_000}


def datastore(gen: Gen = "new") -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "localhost",
        "url": "http://127.0.0.1:9000",
        "allowsUpload": True,
    }
    if gen == "old":
        data["isScratch"] = False
    else:
        data |= {"jobsEnabled": True, "jobsSupportedByAvailableWorkers": ["convert_to_wkw"]}
    return data


def tracingstore() -> dict[str, Any]:
    return {"name": "localhost", "url": "http://127.0.0.1:9000"}


def skeleton_stats() -> dict[str, Any]:
    return {"treeCount": 3, "nodeCount": 120, "edgeCount": 117, "branchPointCount": 4}


def annotation_layers(gen: Gen = "new") -> list[dict[str, Any]]:
    layers: list[dict[str, Any]] = [
        {
            "tracingId": "4f8a0c1e-0000-4000-8000-000000000001",
            "typ": "Skeleton",
            "name": "Skeleton",
        },
        {"tracingId": "4f8a0c1e-0000-4000-8000-000000000002", "typ": "Volume", "name": "seg"},
    ]
    if gen == "new":
        layers[0]["stats"] = skeleton_stats()
        layers[1]["stats"] = {}
    return layers


def annotation(gen: Gen = "new", *, typ: str = "Task") -> dict[str, Any]:
    """The full annotation form (info, finish, task annotations, ...)."""
    data: dict[str, Any] = {
        "id": ANNOTATION_ID,
        "typ": typ,
        "state": "Active",
        "name": "",
        "description": "my notes",
        "modified": CREATED + 1000,
        "viewConfiguration": {"layers": {"color": {"alpha": 100}}},
        "task": task(gen) if typ == "Task" else None,
        "restrictions": {
            "allowAccess": True,
            "allowUpdate": True,
            "allowFinish": True,
            "allowDownload": True,
        },
        "annotationLayers": annotation_layers(gen),
        "dataSetName": "2012-06-28_Cortex",
        "organization": ORG,
        "dataStore": datastore(gen),
        "tracingStore": tracingstore(),
        "visibility": "Internal",
        "settings": settings(gen),
        "tracingTime": 120_000,
        "teams": [team(gen)],
        "tags": ["2012-06-28_Cortex", "skeleton"],
        "user": compact_user(),
        "owner": compact_user(),
        "contributors": [],
        "othersMayEdit": False,
    }
    if gen == "old":
        data |= {"formattedHash": "abc006", "stats": skeleton_stats()}
    else:
        data |= {"stats": {}, "isLockedByOwner": False, "datasetId": DATASET_ID}
    return data


COMPACT_OMITTED = (
    "task",
    "restrictions",
    "settings",
    "dataStore",
    "tracingStore",
    "user",
    "contributors",
    "viewConfiguration",
)


def compact_annotation(gen: Gen = "new") -> dict[str, Any]:
    """The compact form of ``/user/annotations``: fewer keys, a bare owner."""
    data = annotation(gen, typ="Explorational")
    for key in COMPACT_OMITTED:
        del data[key]
    data["owner"] = {"id": USER_ID, "firstName": "Ada", "lastName": "Lovelace"}
    return data


def data_layers(gen: Gen = "new", *, listed: bool = False) -> list[dict[str, Any]]:
    """Layers; ``listed=True`` as some servers list them in ``GET /datasets`` (empty
    ``resolutions``; those recorded in 2023 and 2025 fill them)."""
    resolutions: list[list[int]] = [] if listed else [[1, 1, 1], [2, 2, 1], [4, 4, 2]]
    box = {"topLeft": [0, 0, 0], "width": 1024, "height": 1024, "depth": 256}
    layers: list[dict[str, Any]] = [
        {
            "name": "color",
            "category": "color",
            "elementClass": "uint8",
            "boundingBox": box,
            "resolutions": resolutions,
            "defaultViewConfiguration": {"color": [255, 0, 0]},
        },
        {
            "name": "segmentation",
            "category": "segmentation",
            "elementClass": "uint32",
            "boundingBox": box,
            "resolutions": resolutions,
            "largestSegmentId": 4242,
            "mappings": ["agglomerate_view_5"],
        },
    ]
    if gen == "new":
        layers[0] |= {
            "dataFormat": "zarr3",
            "mags": [{"mag": [1, 1, 1], "path": "./color/1"}, {"mag": [2, 2, 1]}],
            "numChannels": 3,
        }
        layers[1] |= {
            "dataFormat": "wkw",
            "mags": [{"mag": [1, 1, 1], "path": "./segmentation/1"}],
            "numChannels": 1,
        }
    return layers


def dataset(gen: Gen = "new", *, listed: bool = False) -> dict[str, Any]:
    """A dataset; ``listed=True`` as ``GET /datasets`` lists it (newer servers: without
    ``displayName``)."""
    scale: Any = (
        [11.24, 11.24, 28] if gen == "old" else {"factor": [11.24, 11.24, 28], "unit": "nanometer"}
    )
    data: dict[str, Any] = {
        "name": "2012-06-28_Cortex",
        "dataSource": {
            "id": {"name": "2012-06-28_Cortex", "team": ORG},
            "dataLayers": data_layers(gen, listed=listed),
            "scale": scale,
        },
        "dataStore": datastore(gen),
        "owningOrganization": ORG,
        "allowedTeams": [team(gen)],
        "allowedTeamsCumulative": [team(gen)],
        "isActive": True,
        "isPublic": False,
        "description": None,
        "displayName": "Cortex 2012",
        "created": CREATED,
        "isEditable": True,
        "lastUsedByUser": CREATED + 10,
        "logoUrl": "/assets/images/mpi-logos.svg",
        "sortingKey": CREATED,
        "isUnreported": False,
        "tags": ["mouse", "cortex"],
        "folderId": "5b1e45faa000009d00abc00f",
    }
    if gen == "old":
        data |= {"details": {"species": "mouse"}, "jobsEnabled": False, "publication": None}
    else:
        data |= {
            "id": DATASET_ID,
            "directoryName": "2012-06-28_Cortex_dir",
            "metadata": [{"key": "species", "type": "string", "value": "mouse"}],
            "usedStorageBytes": 123_456_789,
            "isVirtual": False,
        }
        if listed:
            del data["displayName"]
    return data


def buildinfo(gen: Gen = "new") -> dict[str, Any]:
    data: dict[str, Any] = {
        "webknossos": {
            "name": "webknossos",
            "version": "23.08.0" if gen == "old" else "25.01.0",
            "commitHash": "1f2e3d4c",
            "commitDate": "Mon Aug 7 12:00:00 2023 +0200",
            "scalaVersion": "2.13.11",
            "sbtVersion": "1.9.3",
            "ciBuild": "12345",
            "ciTag": "",
            "datastoreApiVersion": "2.0",
        },
        "schemaVersion": 107,
        "localDataStoreEnabled": True,
        "localTracingStoreEnabled": True,
    }
    if gen == "new":
        data["httpApiVersioning"] = {"currentApiVersion": 9, "oldestSupportedApiVersion": 5}
    return data


def task_creation_report(gen: Gen = "new") -> dict[str, Any]:
    return {
        "tasks": [
            {"status": 200, "success": task(gen, v5_adapter=True)},
            {"status": 400, "error": "The script with id 5b1e... does not exist"},
        ],
        "warnings": ["The project's team cannot read dataset 2012-06-28_Cortex"],
    }


def upload_result() -> dict[str, Any]:
    return {
        "annotation": {"typ": "Explorational", "id": ANNOTATION_ID},
        "messages": [{"success": "Successfully uploaded file"}],
    }
