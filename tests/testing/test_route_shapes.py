"""Every JSON route of both generations answers with the shapes of the corrected spec, checked
key by key (nested values included) against our own table in ``spec_shapes``.

Requests go through ``/api/v5``, as clients pinned to v5 send them: on a newer server that is
where its v5 adapter adds ``dataSet`` back to tasks.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson
import pytest

from tests.testing.helpers import Api, Reply, nml, task_item
from tests.testing.spec_shapes import (
    SHAPES,
    Gen,
    filled_lists,
    nested_lists,
    shape_problems,
)
from wkapi.testing import FakeWebknossos
from wkapi.testing.pytest_plugin import FakeWebknossosFactory


@dataclass
class Ids:
    """The seeded entities the routes are called on."""

    org: str
    user: str
    task: str
    task_annotation: str
    explorational: str
    project: str
    task_type: str
    gen: Gen

    @classmethod
    def of(cls, server: FakeWebknossos) -> Ids:
        state = server.state
        user = server.user_ids["user"]
        project = state.project_by_name("seed_project_alpha")
        assert project is not None
        task_type = next(t.id for t in state.task_types.values() if t.tracing_type == "skeleton")
        task = server.add_task(project.id, task_type, "l4_sample", instances=2)
        task_annotation = server.assign_task(task, user)  # an Active one the user may finish
        explorational = next(
            a.id
            for a in state.annotations.values()
            if a.typ == "Explorational" and a.owner_id == user and a.state == "Active"
        )
        # lists that are empty unless seeded: the items' shapes are checked only when filled
        server.share_annotation(explorational, ["team_alpha"])
        for annotation in (explorational, task_annotation):
            server.add_contributor(annotation, server.user_ids["team_manager"])
        return cls(
            org=server.organization,
            user=user,
            task=task,
            task_annotation=task_annotation,
            explorational=explorational,
            project=project.id,
            task_type=task_type,
            gen="new" if server.release == "25.01" else "old",
        )


Call = Callable[[Api, Ids], Awaitable[Reply]]


def get(path: str, role: str | None = "admin", **options: Any) -> Call:
    return lambda api, ids: api.get(path.format(**vars(ids)), role=role, version=5, **options)


def send(method: str, path: str, role: str | None = "admin", **options: Any) -> Call:
    async def call(api: Api, ids: Ids) -> Reply:
        options_now = {k: v(api, ids) if callable(v) else v for k, v in options.items()}
        return await api.call(method, path.format(**vars(ids)), role=role, version=5, **options_now)

    return call


def _store(name: str) -> dict[str, Any]:
    return {"name": name, "url": "http://store", "publicUrl": "http://store", "key": "k"}


def _project_body(api: Api, ids: Ids) -> dict[str, Any]:
    team = api.server.state.team_by_name("team_alpha")
    assert team is not None
    return {"name": "shape_project", "team": team.id, "priority": 1, "paused": False}


def _task_items(api: Api, ids: Ids) -> list[dict[str, Any]]:
    script = next(iter(api.server.state.scripts))
    box = {"topLeft": [1, 2, 3], "width": 10, "height": 10, "depth": 10}
    return [task_item(api.server, scriptId=script, boundingBox=box), task_item(api.server)]


def _upload_form(api: Api, ids: Ids) -> aiohttp.FormData:
    data = aiohttp.FormData()
    data.add_field("createGroupForEachFile", "true")
    data.add_field("file", nml(), filename="cell.nml")
    return data


def _task_files_form(api: Api, ids: Ids) -> aiohttp.FormData:
    data = aiohttp.FormData()
    spec = task_item(api.server)
    form = {k: spec[k] for k in ("taskTypeId", "neededExperience", "openInstances", "projectName")}
    form["pendingInstances"] = 1
    data.add_field("formJSON", orjson.dumps(form).decode())
    data.add_field("file", nml(), filename="one.nml")
    return data


async def _reopen(api: Api, ids: Ids) -> Reply:
    api.server.finish_annotation(ids.task_annotation)
    return await api.call("PATCH", f"/annotations/Task/{ids.task_annotation}/reopen", version=5)


async def _delete_datastore(api: Api, ids: Ids) -> Reply:
    created = await api.post("/datastores", json=_store("spare"), version=5)
    assert created.status == 200
    return await api.call("DELETE", "/datastores/spare", role="super_user", version=5)


async def _with_status(api: Api, ids: Ids) -> Reply:
    path = "/projects/withStatus" if ids.gen == "new" else "/projects/assignments"
    return await api.get(path, version=5)


async def _assign(api: Api, ids: Ids) -> Reply:
    state = api.server.state
    task = next(t for t in state.tasks.values() if t.creation_info == "seed-task-3")
    return await api.post(f"/tasks/{task.id}/assign", params={"userId": ids.user}, version=5)


async def _task_types(api: Api, ids: Ids) -> Reply:
    # one restricted both ways, one only upwards, one with no modes: every optional key shows
    api.server.add_task_type("restricted", min_mag=1, max_mag=16)
    api.server.add_task_type("coarse only", max_mag=8, allowed_modes=())
    return await api.get("/taskTypes", version=5)


async def _merge(api: Api, ids: Ids) -> Reply:
    path = f"/annotations/Explorational/{ids.explorational}/merge/Task/{ids.task_annotation}"
    return await api.post(path, role="user", version=5)


ANNOTATION = "/annotations/Explorational/{explorational}"
TASK_ANNOTATION = "/annotations/Task/{task_annotation}"
ROUTES: dict[str, tuple[str, Call]] = {
    "GET /buildinfo": ("Buildinfo", get("/buildinfo", role=None)),
    "GET /auth/token": ("Token", get("/auth/token")),
    "POST /userToken/generate": ("Token", send("POST", "/userToken/generate")),
    "GET /datastores": ("[Datastore]", get("/datastores")),
    "POST /datastores": ("Datastore", send("POST", "/datastores", json=_store("second"))),
    "PUT /datastores/:name": (
        "Datastore",
        send("PUT", "/datastores/localhost", json=_store("localhost") | {"key": None}),
    ),
    "DELETE /datastores/:name": ("Messages", _delete_datastore),
    "PUT /tracingstores/:name": (
        "Tracingstore",
        send(
            "PUT",
            "/tracingstores/localhost",
            json={"name": "localhost", "url": "u", "publicUrl": "p"},
        ),
    ),
    "GET /users": ("[User]", get("/users")),
    "GET /user": ("User", get("/user")),
    "GET /users/:id": ("User", get("/users/{user}")),
    "GET /user/tasks": ("[Annotation]", get("/user/tasks", role="user")),
    "GET /users/:id/tasks": ("[Annotation]", get("/users/{user}/tasks")),
    "GET /user/annotations": ("[AnnotationCompact]", get("/user/annotations", role="user")),
    "GET /users/:id/annotations": ("[AnnotationCompact]", get("/users/{user}/annotations")),
    "GET /teams": ("[Team]", get("/teams")),
    "GET /datasets": ("[DatasetListed]", get("/datasets")),
    "GET /datasets/:org/:name": ("Dataset", get("/datasets/{org}/l4_sample")),
    "GET /datasets/:org/:name (of a team)": (
        "Dataset",
        get("/datasets/{org}/2012-06-28_Cortex"),
    ),
    "POST createExplorational": (
        "Annotation",
        send(
            "POST",
            "/datasets/{org}/l4_sample/createExplorational",
            json=[{"typ": "Skeleton"}, {"typ": "Volume", "fallbackLayerName": "segmentation"}],
        ),
    ),
    "POST /annotations/upload": (
        "UploadAnswer",
        send("POST", "/annotations/upload", role="user", data=_upload_form),
    ),
    "POST /tasks/createFromFiles": (
        "TaskCreation",
        send("POST", "/tasks/createFromFiles", data=_task_files_form),
    ),
    "GET info": ("Annotation", get(TASK_ANNOTATION + "/info?timestamp=1")),
    "PATCH edit": (
        "Messages",
        send("PATCH", ANNOTATION + "/edit", role="user", json={"name": "x"}),
    ),
    "PATCH finish": (
        "AnnotationWithMessages",
        send("PATCH", TASK_ANNOTATION + "/finish?timestamp=1", role="user"),
    ),
    "PATCH reopen": ("AnnotationWithMessages", _reopen),
    "PUT reset": ("AnnotationWithMessages", send("PUT", TASK_ANNOTATION + "/reset")),
    "PATCH finish many": (
        "Messages",
        send(
            "PATCH",
            "/annotations/Explorational/finish?timestamp=1",
            role="user",
            json=lambda api, ids: {"annotations": [ids.explorational]},
        ),
    ),
    "DELETE annotation": ("Messages", send("DELETE", ANNOTATION, role="user")),
    "POST duplicate": ("Annotation", send("POST", TASK_ANNOTATION + "/duplicate", role="user")),
    "POST merge": ("AnnotationWithMessages", _merge),
    "POST /tasks": ("TaskCreation", send("POST", "/tasks", json=_task_items)),
    "POST /tasks/list": ("[Task]", send("POST", "/tasks/list", json={})),
    "GET /tasks/:id": ("TaskV5", get("/tasks/{task}")),
    "DELETE /tasks/:id": ("Messages", send("DELETE", "/tasks/{task}")),
    "PUT /tasks/:id": (
        "TaskV5WithMessages",
        send("PUT", "/tasks/{task}", json=lambda api, ids: task_item(api.server)),
    ),
    "GET /tasks/:id/annotations": ("[Annotation]", get("/tasks/{task}/annotations")),
    "POST /tasks/:id/assign": ("Task", _assign),
    "GET /taskTypes": ("[TaskType]", _task_types),
    "GET /taskTypes/:id": ("TaskType", get("/taskTypes/{task_type}")),
    "GET /projects": ("[Project]", get("/projects")),
    "POST /projects": ("Project", send("POST", "/projects", json=_project_body)),
    "GET /projects/withStatus (assignments)": ("[ProjectWithStatus]", _with_status),
    "GET /projects/byName/:name": ("Project", get("/projects/byName/seed_project_alpha")),
    "GET /projects/:id": ("Project", get("/projects/{project}")),
    "PUT /projects/:id": ("Project", send("PUT", "/projects/{project}", json=_project_body)),
    "DELETE /projects/:id": ("Messages", send("DELETE", "/projects/{project}")),
    "GET /projects/:id/tasks": ("[TaskV5]", get("/projects/{project}/tasks")),
    "PATCH incrementEachTasksInstances": (
        "ProjectWithStatus",
        send("PATCH", "/projects/{project}/incrementEachTasksInstances"),
    ),
    "PATCH pause": ("Project", send("PATCH", "/projects/{project}/pause")),
    "PATCH resume": ("Project", send("PATCH", "/projects/{project}/resume")),
}


async def _answer(
    session: aiohttp.ClientSession, fake_wk_factory: FakeWebknossosFactory, release: str, route: str
) -> tuple[Any, Gen]:
    """The JSON a fresh server of ``release`` answers ``route`` with, and its generation."""
    server = await fake_wk_factory(release=release)
    api = Api(session, server)
    ids = Ids.of(server)
    reply = await ROUTES[route][1](api, ids)
    assert reply.status == 200, reply.text
    return reply.json(), ids.gen


@pytest.mark.parametrize("release", ["23.08", "25.01"], ids=["old", "new"])
@pytest.mark.parametrize("route", list(ROUTES))
async def test_route_answers_with_the_spec_shape(
    session: aiohttp.ClientSession,
    fake_wk_factory: FakeWebknossosFactory,
    release: str,
    route: str,
) -> None:
    kind = ROUTES[route][0]
    body, gen = await _answer(session, fake_wk_factory, release, route)
    if kind.startswith("["):
        assert body, "an empty list shows no shape"
    assert shape_problems(body, kind, gen) == []


@pytest.mark.parametrize("release", ["23.08", "25.01"], ids=["old", "new"])
async def test_every_nested_list_is_checked_with_items(
    session: aiohttp.ClientSession, fake_wk_factory: FakeWebknossosFactory, release: str
) -> None:
    """An empty list passes whatever its items would look like: for each kind of answer, each
    list of nested values the table names (at any depth) has items in at least one route's
    answer, so the items' shape is checked too."""
    filled: dict[str, set[tuple[str, str]]] = defaultdict(set)
    expected: dict[str, frozenset[tuple[str, str]]] = {}
    for route, (kind, _) in ROUTES.items():
        body, gen = await _answer(session, fake_wk_factory, release, route)
        filled[kind] |= filled_lists(body, kind, gen)
        expected[kind] = nested_lists(kind, gen)
    never_checked = {
        kind: sorted(f"{name}.{key}" for name, key in lists - filled[kind])
        for kind, lists in expected.items()
        if lists - filled[kind]
    }
    assert never_checked == {}


def test_the_table_names_only_known_shapes() -> None:
    """Every nested type the table names is in the table (a typo would check nothing)."""
    names = {kind for kind, _ in ROUTES.values()}
    for by_gen in SHAPES.values():
        for one in by_gen.values():
            names |= set(one.nested.values())
    bare = {name.strip("[]?") for name in names}
    assert bare <= set(SHAPES)


def test_the_checker_finds_missing_unexpected_and_nested_keys() -> None:
    team = {"id": "t", "name": "n", "organization": "o"}
    assert shape_problems(team, "Team", "old") == []
    assert shape_problems(team, "Team", "new") == ["Team: missing ['isOrganizationTeam']"]
    dataset_teams = {"allowedTeams": [team | {"extra": 1}]}
    problems = shape_problems(dataset_teams, "DatasetListed", "old")
    assert "DatasetListed.allowedTeams[0]: unexpected ['extra']" in problems
    assert shape_problems(None, "Task?", "old") == []
    assert shape_problems([], "[Task]", "old") == []
    assert shape_problems("x", "Task", "old") == ["Task: expected an object, got str"]
    layer = {
        "name": "c",
        "category": "color",
        "elementClass": "uint8",
        "boundingBox": {"topLeft": [0, 0, 0], "width": 1, "height": 1, "depth": 1},
        "resolutions": [[1, 1, 1]],
    }
    assert shape_problems(layer, "DataLayer", "old") == []
    assert shape_problems(layer | {"mappings": []}, "DataLayer", "old") == [
        "DataLayer: sent without a value ['mappings']"
    ]


def test_a_data_source_is_usable_or_unusable_never_half_of_each() -> None:
    source_id = {"name": "d", "team": "org"}
    usable = {"id": source_id, "dataLayers": [], "scale": [1.0, 1.0, 1.0]}
    unusable = {"id": source_id, "status": "No longer available on datastore."}

    assert shape_problems(usable, "DataSource", "new") == []
    assert shape_problems(unusable, "DataSource", "old") == []
    assert shape_problems({"id": source_id, "dataLayers": []}, "DataSource", "new") == [
        "DataSource: expected exactly one of [['dataLayers', 'scale'], ['status']]"
    ]
    assert shape_problems(usable | {"status": "?"}, "DataSource", "new") == [
        "DataSource: expected exactly one of [['dataLayers', 'scale'], ['status']]"
    ]
    assert shape_problems(unusable | {"scale": [1, 1, 1]}, "DataSource", "old") == [
        "DataSource: mixes the alternatives [['dataLayers', 'scale'], ['status']]"
    ]


def test_the_coverage_check_names_the_lists_an_answer_left_empty() -> None:
    team = {"id": "t", "name": "n", "organization": "o"}
    compact = {"teams": [], "owner": None, "annotationLayers": [{"tracingId": "x"}]}
    assert nested_lists("[AnnotationCompact]", "old") == {
        ("AnnotationCompact", "teams"),
        ("AnnotationCompact", "annotationLayers"),
    }
    assert filled_lists([compact], "[AnnotationCompact]", "old") == {
        ("AnnotationCompact", "annotationLayers")
    }
    user = {"teams": [{"id": "t"}]}
    full = {"teams": [team], "contributors": [user], "user": None, "task": None}
    assert {("Annotation", "teams"), ("Annotation", "contributors"), ("CompactUser", "teams")} <= (
        filled_lists(full, "Annotation", "new")
    )
