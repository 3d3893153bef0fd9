"""JSON for users, teams, datasets, stores, task types, tasks, projects and buildinfo.

Written here by hand, independent of the client's models, for both server generations: the old
one (before 23.09) and the new one (``ctx.new``). Annotations are in ``_json_annotations``.
Lists of tasks go through a :class:`TaskRenderer`, which renders what the tasks share once per
response.
"""

from __future__ import annotations

from typing import Any

from ._access import can_edit_user
from ._context import Context
from ._releases import commit_hash
from ._state import (
    DEFAULT_MODES,
    Dataset,
    Datastore,
    Project,
    Task,
    TaskType,
    Team,
    Tracingstore,
    User,
)

JsonDict = dict[str, Any]

_LAYER_EXTENT = (1024, 1024, 512)
_LAYER_SIZE = dict(zip(("width", "height", "depth"), _LAYER_EXTENT, strict=True))


def team_json(ctx: Context, team: Team) -> JsonDict:
    """A team; newer servers flag the organization's own team (``isOrganizationTeam``)."""
    data: JsonDict = {"id": team.id, "name": team.name, "organization": ctx.state.organization}
    if ctx.new:
        data["isOrganizationTeam"] = team.is_organization_team
    return data


def _user_teams(ctx: Context, user: User) -> list[JsonDict]:
    teams = ctx.state.teams
    return [
        {"id": t, "name": teams[t].name, "isTeamManager": manager}
        for t, manager in user.team_roles.items()
        if t in teams
    ]


def compact_user_json(ctx: Context, user: User) -> JsonDict:
    return {
        "id": user.id,
        "email": user.email,
        "firstName": user.first_name,
        "lastName": user.last_name,
        "isAdmin": user.is_admin,
        "isDatasetManager": user.is_dataset_manager,
        "isAnonymous": False,
        "teams": _user_teams(ctx, user),
    }


def user_json(ctx: Context, user: User, viewer: User) -> JsonDict:
    data: JsonDict = {
        "id": user.id,
        "email": user.email,
        "firstName": user.first_name,
        "lastName": user.last_name,
        "isAdmin": user.is_admin,
        "isOrganizationOwner": user.is_organization_owner,
        "isDatasetManager": user.is_dataset_manager,
        "isActive": user.is_active,
        "teams": _user_teams(ctx, user),
        "experiences": dict(user.experiences),
        "lastActivity": user.last_activity,
        "isAnonymous": False,
        "isEditable": can_edit_user(viewer, user),
        "organization": ctx.state.organization,
        "novelUserExperienceInfos": {},
        "selectedTheme": "auto",
        "created": user.created,
        "lastTaskTypeId": user.last_task_type_id,
        "isSuperUser": user.is_super_user,
        "isEmailVerified": True,
    }
    if ctx.new:
        data["isGuest"] = False
        data["isUnlisted"] = False
    return data


def datastore_json(ctx: Context, store: Datastore) -> JsonDict:
    data: JsonDict = {"name": store.name, "url": ctx.store_url(store.url)}
    if ctx.new:
        data["allowsUpload"] = store.allows_upload
        data["jobsEnabled"] = False
        data["jobsSupportedByAvailableWorkers"] = []
    else:
        data["isScratch"] = store.is_scratch
        data["allowsUpload"] = store.allows_upload
    return data


def tracingstore_json(ctx: Context, store: Tracingstore) -> JsonDict:
    return {"name": store.name, "url": ctx.store_url(store.url)}


def _layer_json(ctx: Context, dataset: Dataset, name: str) -> JsonDict:
    """One data layer. Both generations list the ``resolutions`` (in lists too); newer servers
    add ``dataFormat``, ``mags`` and ``numChannels``. Optional keys without a value
    (``mappings``, view configurations) are left out, as real servers do."""
    segmentation = "segmentation" in name
    mags = [list(mag) for mag in dataset.mags]
    layer: JsonDict = {
        "name": name,
        "category": "segmentation" if segmentation else "color",
        "elementClass": "uint32" if segmentation else "uint8",
        "boundingBox": {"topLeft": [0, 0, 0], **_LAYER_SIZE},
        "resolutions": mags,
    }
    if segmentation:
        layer["largestSegmentId"] = 1000
    if ctx.new:
        layer["dataFormat"] = dataset.data_format
        layer["mags"] = [{"mag": mag, "path": f"./{name}/{_mag_path(mag)}"} for mag in mags]
        layer["numChannels"] = 1
    return layer


def _mag_path(mag: list[int]) -> str:
    return str(mag[0]) if len(set(mag)) == 1 else "-".join(map(str, mag))


def _used_storage_bytes(dataset: Dataset) -> int:
    """What the layers' voxels would take uncompressed, every mag counted."""
    width, height, depth = _LAYER_EXTENT
    voxels = width * height * depth
    per_mag = sum(voxels // (x * y * z) for x, y, z in dataset.mags)
    return sum(per_mag * (4 if "segmentation" in layer else 1) for layer in dataset.layers)


def dataset_json(
    ctx: Context, dataset: Dataset, viewer: User | None, *, listed: bool = False
) -> JsonDict:
    """A dataset as ``GET /datasets/:organization/:name`` answers, or as ``GET /datasets``
    lists it (``listed``).

    The newer generation adds ``id``, ``directoryName``, ``metadata``, ``usedStorageBytes`` and
    ``isVirtual``, drops ``details``, ``jobsEnabled`` and ``publication``, and lists datasets
    without ``displayName`` (the single-dataset route keeps it).
    """
    state = ctx.state
    source: JsonDict = {"id": {"name": dataset.name, "team": state.organization}}
    if dataset.is_active:
        source["dataLayers"] = [_layer_json(ctx, dataset, layer) for layer in dataset.layers]
        source["scale"] = [11.24, 11.24, 28.0]
    else:
        source["status"] = "No longer available on datastore."
    teams = [team_json(ctx, state.teams[t]) for t in dataset.allowed_team_ids if t in state.teams]
    editable = viewer is not None and (viewer.is_admin or viewer.is_dataset_manager)
    new = ctx.new
    data: JsonDict = {"id": dataset.id} if new else {}
    data["name"] = dataset.name
    data["dataSource"] = source
    data["dataStore"] = datastore_json(ctx, state.datastores[dataset.datastore_name])
    data["owningOrganization"] = state.organization
    data["allowedTeams"] = teams
    data["allowedTeamsCumulative"] = teams
    data["isActive"] = dataset.is_active
    data["isPublic"] = dataset.is_public
    data["description"] = dataset.description
    if not (new and listed):
        data["displayName"] = None
    if new:
        data["directoryName"] = dataset.name
    data["created"] = dataset.created
    data["isEditable"] = editable
    data["lastUsedByUser"] = 0
    data["logoUrl"] = "/assets/images/mpi-logos.svg"
    data["sortingKey"] = dataset.created
    if not new:
        data["details"] = None
    data["isUnreported"] = False
    if not new:
        data["jobsEnabled"] = False
    data["tags"] = list(dataset.tags)
    data["folderId"] = state.derive_id("root-folder")
    if new:
        data["metadata"] = []
        data["usedStorageBytes"] = _used_storage_bytes(dataset)
        data["isVirtual"] = False
    else:
        data["publication"] = None
    return data


def settings_json(
    ctx: Context,
    tracing_type: str,
    restrictions: dict[str, int] | None = None,
    allowed_modes: tuple[str, ...] = DEFAULT_MODES,
) -> JsonDict:
    """Annotation (and task type) settings; the magnification limits are ``magRestrictions``
    on newer servers and ``resolutionRestrictions`` on older ones."""
    restrictions_key = "magRestrictions" if ctx.new else "resolutionRestrictions"
    return {
        "allowedModes": list(allowed_modes),
        "branchPointsAllowed": True,
        "somaClickingAllowed": True,
        "volumeInterpolationAllowed": tracing_type != "skeleton",
        "mergerMode": False,
        restrictions_key: dict(restrictions or {}),
    }


def task_type_settings_json(ctx: Context, task_type: TaskType) -> JsonDict:
    """A task type's settings, which its Task annotations have too."""
    return settings_json(
        ctx, task_type.tracing_type, task_type.mag_restrictions, task_type.allowed_modes
    )


def task_type_json(ctx: Context, task_type: TaskType) -> JsonDict:
    team = ctx.state.teams.get(task_type.team_id)
    return {
        "id": task_type.id,
        "summary": task_type.summary,
        "description": task_type.description,
        "teamId": task_type.team_id,
        "teamName": team.name if team is not None else "",
        "settings": task_type_settings_json(ctx, task_type),
        "recommendedConfiguration": None,
        "tracingType": task_type.tracing_type,
    }


def task_json(ctx: Context, task: Task, *, with_data_set: bool = False) -> JsonDict:
    """A task; ``with_data_set`` adds ``dataSet`` on the new generation (see
    :class:`TaskRenderer`)."""
    return TaskRenderer(ctx, with_data_set=with_data_set).render(task)


class TaskRenderer:
    """Renders the tasks of one response (a page, the results of ``POST /tasks``).

    The parts tasks share (task type, project, team, script, dataset id) are rendered once per
    renderer and the same objects reused: state does not change while one response is rendered.
    Make a new renderer per response, so later changes to the state show.

    Older servers send the dataset name as ``dataSet`` and a ``formattedHash``; newer ones send
    ``datasetName`` and ``datasetId`` instead, and their v5 adapter adds ``dataSet`` back on the
    v5 task routes: ``with_data_set`` is for those (see ``_routing.v5_adapter``).
    """

    def __init__(self, ctx: Context, *, with_data_set: bool = False) -> None:
        self._ctx = ctx
        self._state = ctx.state
        self._new = ctx.new
        self._data_set = not ctx.new or with_data_set
        self._first_status_key = "pending" if ctx.new else "open"
        self._projects: dict[str, tuple[str, str, str]] = {}
        self._types: dict[str, JsonDict] = {}
        self._scripts: dict[str, JsonDict | None] = {}
        self._dataset_ids: dict[str, str | None] = {}

    def _project(self, project_id: str) -> tuple[str, str, str]:
        found = self._projects.get(project_id)
        if found is None:
            project = self._state.projects[project_id]
            team = self._state.teams[project.team_id].name
            found = self._projects[project_id] = (project.id, project.name, team)
        return found

    def _type(self, task_type_id: str) -> JsonDict:
        found = self._types.get(task_type_id)
        if found is None:
            task_type = self._state.task_types[task_type_id]
            found = self._types[task_type_id] = task_type_json(self._ctx, task_type)
        return found

    def _script(self, script_id: str) -> JsonDict | None:
        if script_id not in self._scripts:
            script = self._state.scripts.get(script_id)
            self._scripts[script_id] = (
                None
                if script is None
                else {
                    "id": script.id,
                    "name": script.name,
                    "gist": script.gist,
                    "owner": script.owner_id,
                }
            )
        return self._scripts[script_id]

    def dataset_id(self, name: str) -> str | None:
        """The id of the dataset called ``name`` (None if there is none), looked up once."""
        if name not in self._dataset_ids:
            dataset = self._state.datasets.get(name)
            self._dataset_ids[name] = dataset.id if dataset is not None else None
        return self._dataset_ids[name]

    def render(self, task: Task) -> JsonDict:
        project_id, project_name, team = self._project(task.project_id)
        domain, value = task.needed_experience
        data: JsonDict = {"id": task.id}
        if not self._new:
            data["formattedHash"] = task.id[-6:]
        data |= {
            "projectId": project_id,
            "projectName": project_name,
            "team": team,
            "type": self._type(task.task_type_id),
        }
        if self._new:
            data["datasetName"] = task.dataset
            data["datasetId"] = self.dataset_id(task.dataset)
        if self._data_set:
            data["dataSet"] = task.dataset
        data["neededExperience"] = {"domain": domain, "value": value}
        data["created"] = task.created
        data["status"] = {
            self._first_status_key: task.pending,
            "active": task.active,
            "finished": task.finished,
        }
        data["script"] = self._script(task.script_id) if task.script_id else None
        data["tracingTime"] = task.tracing_time
        data["creationInfo"] = task.creation_info
        data["boundingBox"] = task.bounding_box
        data["editPosition"] = list(task.edit_position)
        data["editRotation"] = list(task.edit_rotation)
        return data


def project_json(ctx: Context, project: Project, *, with_status: bool = False) -> JsonDict:
    """A project; ``with_status`` adds the open-instance fields of the generation."""
    state = ctx.state
    owner = state.users.get(project.owner_id) if project.owner_id else None
    data: JsonDict = {
        "id": project.id,
        "name": project.name,
        "team": project.team_id,
        "teamName": state.teams[project.team_id].name,
        "owner": compact_user_json(ctx, owner) if owner is not None else None,
        "priority": project.priority,
        "paused": project.paused,
        "expectedTime": project.expected_time,
        "isBlacklistedFromReport": project.is_blacklisted_from_report,
        "created": project.created,
    }
    if with_status:
        tasks = [state.tasks[t] for t in state.tasks_by_project.get(project.id, ())]
        pending = sum(t.pending for t in tasks)
        if ctx.new:
            data["pendingInstances"] = pending
            data["tracingTime"] = sum(t.tracing_time or 0 for t in tasks)
        else:
            data["numberOfOpenAssignments"] = pending
    return data


def buildinfo_json(ctx: Context) -> JsonDict:
    commit = commit_hash(ctx.release)
    data: JsonDict = {
        "webknossos": {
            "name": "webknossos",
            "version": ctx.release,
            "commitHash": commit,
            "commitDate": "Mon Jan 1 12:00:00 2024 +0100",
            "scalaVersion": "2.13.11",
            "sbtVersion": "1.9.8",
            "ciBuild": "4242",
            "ciTag": ctx.release,
            "datastoreApiVersion": "2.0",
        },
        "schemaVersion": 120 if ctx.new else 105,
        "localDataStoreEnabled": True,
        "localTracingStoreEnabled": True,
    }
    if ctx.new:
        oldest, current = ctx.api_versions
        data["httpApiVersioning"] = {
            "currentApiVersion": current,
            "oldestSupportedApiVersion": oldest,
        }
    return data
