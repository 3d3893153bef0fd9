"""Response shapes of section 4, per server generation."""

from __future__ import annotations

import pytest

from tests.testing.helpers import Api
from wkapi.testing import FakeWebknossos

COMPACT_USER = {
    "id", "email", "firstName", "lastName", "isAdmin", "isDatasetManager", "isAnonymous", "teams",
}  # fmt: skip
USER = {
    "id", "email", "firstName", "lastName", "isAdmin", "isOrganizationOwner", "isDatasetManager",
    "isActive", "teams", "experiences", "lastActivity", "isAnonymous", "isEditable",
    "organization", "novelUserExperienceInfos", "selectedTheme", "created", "lastTaskTypeId",
    "isSuperUser", "isEmailVerified",
}  # fmt: skip
TASK_TYPE = {
    "id", "summary", "description", "teamId", "teamName", "settings",
    "recommendedConfiguration", "tracingType",
}  # fmt: skip
TASK_COMMON = {
    "id", "projectId", "projectName", "team", "type", "neededExperience",
    "created", "status", "script", "tracingTime", "creationInfo", "boundingBox", "editPosition",
    "editRotation",
}  # fmt: skip
OLD_TASK = TASK_COMMON | {"formattedHash", "dataSet"}
NEW_TASK = TASK_COMMON | {"datasetName", "datasetId"}
PROJECT = {
    "id", "name", "team", "teamName", "owner", "priority", "paused", "expectedTime",
    "isBlacklistedFromReport", "created",
}  # fmt: skip
ANNOTATION_COMPACT_COMMON = {
    "id", "typ", "state", "name", "description", "modified", "stats", "annotationLayers",
    "dataSetName", "organization", "visibility", "tracingTime", "teams", "tags", "owner",
    "othersMayEdit",
}  # fmt: skip
ANNOTATION_FULL_EXTRA = {
    "task", "restrictions", "settings", "dataStore", "tracingStore", "user", "contributors",
    "viewConfiguration",
}  # fmt: skip
DATASET_COMMON = {
    "name", "dataSource", "dataStore", "owningOrganization", "allowedTeams",
    "allowedTeamsCumulative", "isActive", "isPublic", "description", "created",
    "isEditable", "lastUsedByUser", "logoUrl", "sortingKey", "isUnreported", "tags", "folderId",
}  # fmt: skip
OLD_DATASET = DATASET_COMMON | {"displayName", "details", "jobsEnabled", "publication"}
NEW_DATASET_LISTED = DATASET_COMMON | {
    "id", "directoryName", "metadata", "usedStorageBytes", "isVirtual",
}  # fmt: skip


def _task_annotation(api: Api) -> str:
    return next(a.id for a in api.server.state.annotations.values() if a.typ == "Task")


async def test_user_shapes(api: Api, old_api: Api) -> None:
    new = (await api.get("/user")).json()
    old = (await old_api.get("/user")).json()
    assert set(new) == USER | {"isGuest", "isUnlisted"}
    assert set(old) == USER
    assert set(new["teams"][0]) == {"id", "name", "isTeamManager"}
    assert isinstance(new["experiences"], dict)


async def test_team_shape(api: Api, old_api: Api) -> None:
    teams = (await api.get("/teams")).json()
    assert len(teams) >= 2
    assert all(set(t) == {"id", "name", "organization", "isOrganizationTeam"} for t in teams)
    old = (await old_api.get("/teams")).json()
    assert all(set(t) == {"id", "name", "organization"} for t in old)


async def _team_names(api: Api, role: str, **params: str) -> list[str] | int:
    reply = await api.get("/teams", role=role, params=params)
    return sorted(t["name"] for t in reply.json()) if reply.status == 200 else reply.status


async def test_teams_lists_readable_teams_and_is_editable_the_managed_ones(api: Api) -> None:
    """Without ``isEditable`` (or with false) the teams the caller belongs to, all for an
    admin; with ``isEditable=true`` only those the caller manages."""
    both = ["team_alpha", "team_beta"]
    assert await _team_names(api, "admin") == both
    assert await _team_names(api, "admin", isEditable="true") == both
    assert await _team_names(api, "team_manager") == ["team_alpha"]
    assert await _team_names(api, "team_manager", isEditable="true") == ["team_alpha"]
    assert await _team_names(api, "user") == ["team_alpha"]
    assert await _team_names(api, "user", isEditable="false") == ["team_alpha"]
    assert await _team_names(api, "user", isEditable="true") == []
    assert await _team_names(api, "user", isEditable="True") == 400


async def test_datastore_shapes(api: Api, old_api: Api) -> None:
    new = (await api.get("/datastores")).json()[0]
    old = (await old_api.get("/datastores")).json()[0]
    assert set(new) == {
        "name",
        "url",
        "allowsUpload",
        "jobsEnabled",
        "jobsSupportedByAvailableWorkers",
    }
    assert set(old) == {"name", "url", "isScratch", "allowsUpload"}


async def test_dataset_shapes(api: Api, old_api: Api) -> None:
    org = api.server.organization
    new = (await api.get(f"/datasets/{org}/l4_sample")).json()
    old = (await old_api.get(f"/datasets/{org}/l4_sample")).json()
    assert set(old) == OLD_DATASET
    assert set(new) == NEW_DATASET_LISTED | {"displayName"}
    layers = new["dataSource"]["dataLayers"]
    assert {layer["category"] for layer in layers} == {"color", "segmentation"}
    assert all(layer["resolutions"] for layer in layers)
    # Real servers of both years fill the layers' resolutions in lists too.
    for server_api in (api, old_api):
        listed = (await server_api.get("/datasets")).json()
        layers = [layer for d in listed for layer in d["dataSource"].get("dataLayers", [])]
        assert layers
        assert all(
            layer["resolutions"] == [[1, 1, 1], [2, 2, 1], [4, 4, 2], [8, 8, 4]] for layer in layers
        )
    assert all(set(d) == NEW_DATASET_LISTED for d in (await api.get("/datasets")).json())
    active = (await api.get("/datasets", params={"isActive": "false"})).json()
    assert [d["name"] for d in active] == ["inactive_dataset"]


async def test_task_type_shapes(api: Api, old_api: Api) -> None:
    new = (await api.get("/taskTypes")).json()
    old = (await old_api.get("/taskTypes")).json()
    assert {t["tracingType"] for t in new} == {"skeleton", "volume", "hybrid"}
    assert all(set(t) == TASK_TYPE for t in new + old)
    assert "magRestrictions" in new[0]["settings"]
    assert "resolutionRestrictions" in old[0]["settings"]
    one = (await api.get(f"/taskTypes/{new[0]['id']}")).json()
    assert one == new[0]


async def test_task_shapes(api: Api, old_api: Api) -> None:
    project = api.server.state.project_by_name("seed_project_alpha")
    assert project is not None
    task_id = next(iter(api.server.state.tasks_by_project[project.id]))
    new_listed = (await api.get(f"/projects/{project.id}/tasks")).json()[0]
    new_single = (await api.get(f"/tasks/{task_id}")).json()
    old_single = (await old_api.get(f"/tasks/{task_id}")).json()
    assert set(new_listed) == NEW_TASK
    assert set(new_single) == NEW_TASK
    assert set(old_single) == OLD_TASK
    # Through /api/v5 a newer server answers with its v5 adapter, which adds dataSet back.
    adapted_listed = (await api.get(f"/projects/{project.id}/tasks", version=5)).json()[0]
    adapted_single = (await api.get(f"/tasks/{task_id}", version=5)).json()
    assert set(adapted_listed) == set(adapted_single) == NEW_TASK | {"dataSet"}
    assert set((await old_api.get(f"/tasks/{task_id}", version=5)).json()) == OLD_TASK
    assert set(new_single["status"]) == {"pending", "active", "finished"}
    assert set(old_single["status"]) == {"open", "active", "finished"}
    assert new_single["status"] == {"pending": 0, "active": 1, "finished": 1}
    assert new_single["team"] == "team_alpha"
    assert set(new_single["type"]) == TASK_TYPE


async def test_project_shapes(api: Api, old_api: Api) -> None:
    new = (await api.get("/projects")).json()
    assert all(set(p) == PROJECT for p in new)
    assert set(new[0]["owner"]) == COMPACT_USER
    with_status = (await api.get("/projects/withStatus")).json()
    assert all(set(p) == PROJECT | {"pendingInstances", "tracingTime"} for p in with_status)
    old = (await old_api.get("/projects/assignments")).json()
    assert all(set(p) == PROJECT | {"numberOfOpenAssignments"} for p in old)
    alpha = next(p for p in with_status if p["name"] == "seed_project_alpha")
    assert alpha["pendingInstances"] == 1


async def test_annotation_full_shapes(api: Api, old_api: Api) -> None:
    annotation_id = _task_annotation(api)
    path = f"/annotations/Task/{annotation_id}/info?timestamp=1"
    new = (await api.get(path)).json()
    old = (await old_api.get(path)).json()
    full = ANNOTATION_COMPACT_COMMON | ANNOTATION_FULL_EXTRA
    assert set(new) == full | {"isLockedByOwner", "datasetId"}
    assert set(old) == full | {"formattedHash"}
    assert old["formattedHash"] == annotation_id[-6:]
    assert new["stats"] == {}
    assert set(old["stats"]) == {"treeCount", "nodeCount", "edgeCount", "branchPointCount"}
    assert set(new["annotationLayers"][0]) == {"tracingId", "typ", "name", "stats"}
    assert set(old["annotationLayers"][0]) == {"tracingId", "typ", "name"}
    assert set(new["restrictions"]) == {
        "allowAccess",
        "allowUpdate",
        "allowFinish",
        "allowDownload",
    }
    assert set(new["owner"]) == COMPACT_USER
    assert set(new["tracingStore"]) == {"name", "url"}
    assert "magRestrictions" in new["settings"]
    assert "resolutionRestrictions" in old["settings"]
    assert set(old["task"]) == OLD_TASK
    assert set(new["task"]) == NEW_TASK


async def test_annotation_compact_shape(any_api: Api) -> None:
    listed = (await any_api.get("/user/annotations", role="user")).json()
    assert listed
    for annotation in listed:
        assert not set(annotation) & ANNOTATION_FULL_EXTRA
        assert set(annotation["owner"]) == {"id", "firstName", "lastName"}
        assert set(annotation) >= ANNOTATION_COMPACT_COMMON


async def test_full_form_on_task_lists(any_api: Api) -> None:
    annotation = (await any_api.get("/user/tasks", role="user")).json()[0]
    assert set(annotation) >= ANNOTATION_FULL_EXTRA
    assert annotation["typ"] == "Task"
    task_id = annotation["task"]["id"]
    of_task = (await any_api.get(f"/tasks/{task_id}/annotations")).json()
    assert all(set(a) >= ANNOTATION_FULL_EXTRA for a in of_task)


async def test_helpers_show_tags_mags_and_mag_restrictions(api: Api, old_api: Api) -> None:
    for server_api, new in ((api, True), (old_api, False)):
        server = server_api.server
        server.add_dataset("tagged", tags=["mouse", "cortex"], mags=[[1, 1, 1], [2, 2, 2]])
        server.add_team("the_organization", organization_team=True)
        restricted = server.add_task_type("restricted", min_mag=2, max_mag=16, allowed_modes=[])
        org = server.organization
        dataset = (await server_api.get(f"/datasets/{org}/tagged")).json()
        assert dataset["tags"] == ["mouse", "cortex"]
        color = dataset["dataSource"]["dataLayers"][0]
        assert color["resolutions"] == [[1, 1, 1], [2, 2, 2]]
        if new:
            assert [m["mag"] for m in color["mags"]] == [[1, 1, 1], [2, 2, 2]]
            assert (color["dataFormat"], color["numChannels"]) == ("wkw", 1)
            assert dataset["directoryName"] == "tagged"
            assert dataset["usedStorageBytes"] > 0
        else:
            assert "mags" not in color
        settings = (await server_api.get(f"/taskTypes/{restricted}")).json()["settings"]
        key = "magRestrictions" if new else "resolutionRestrictions"
        assert settings[key] == {"min": 2, "max": 16}
        assert settings["allowedModes"] == []
        teams = {t["name"]: t for t in (await server_api.get("/teams")).json()}
        assert teams["the_organization"].get("isOrganizationTeam") is (True if new else None)
        assert teams["team_alpha"].get("isOrganizationTeam") is (False if new else None)
        body = [
            {"typ": "Skeleton", "resolutionRestrictions": {"min": 4}, "magRestrictions": {"min": 4}}
        ]
        created = await server_api.post(f"/datasets/{org}/l4_sample/createExplorational", json=body)
        assert created.json()["settings"][key] == {"min": 4}


def test_helpers_refuse_what_no_server_has(server: FakeWebknossos) -> None:
    with pytest.raises(ValueError, match="power of two"):
        server.add_task_type("odd", max_mag=3)
    with pytest.raises(ValueError, match="greater than max"):
        server.add_task_type("upside down", min_mag=8, max_mag=2)
    with pytest.raises(ValueError, match="three positive ints"):
        server.add_dataset("flat", mags=[[1, 1]])
    with pytest.raises(ValueError, match="at least one mag"):
        server.add_dataset("empty", mags=[])


def test_helpers_refuse_a_plain_string_where_a_list_of_names_goes(server: FakeWebknossos) -> None:
    """``tags="abc"`` would become three tags ``a``, ``b``, ``c``."""
    with pytest.raises(TypeError, match="tags is a sequence of tag names, not one string"):
        server.add_dataset("one tag", tags="abc")
    with pytest.raises(TypeError, match="layers is a sequence of layer names, not one string"):
        server.add_dataset("one layer", layers="color")
    with pytest.raises(TypeError, match="allowed_modes is a sequence of mode names"):
        server.add_task_type("one mode", allowed_modes="orthogonal")
    assert "one tag" not in server.state.datasets
    assert "one layer" not in server.state.datasets
    server.add_dataset("tagged once", tags=("abc",))
    assert server.state.datasets["tagged once"].tags == ["abc"]


@pytest.mark.parametrize("modes", [("bogus",), ("orthogonal", "Flight"), ("volume ",)])
def test_a_mode_the_fake_does_not_know_is_refused_naming_the_known_ones(
    server: FakeWebknossos, modes: tuple[str, ...]
) -> None:
    before = dict(server.state.task_types)
    with pytest.raises(ValueError, match="allowed_modes may hold only") as caught:
        server.add_task_type("odd modes", allowed_modes=modes)
    for known in ("'orthogonal'", "'oblique'", "'flight'"):
        assert known in str(caught.value)
    assert server.state.task_types == before
    created = server.add_task_type("every mode", allowed_modes=("flight", "oblique", "orthogonal"))
    assert server.state.task_types[created].allowed_modes == ("flight", "oblique", "orthogonal")
