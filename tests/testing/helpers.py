"""Plain helpers of the fake server's tests (fixtures live in the conftest): a thin HTTP client over
plain aiohttp (deliberately not the wkapi client), request bodies, readers of answers, and the
annotation content the rendering tests start from."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree

import aiohttp
import orjson

from wkapi.testing import FakeWebknossos
from wkapi.testing._content import AnnotationContent


@dataclass
class Reply:
    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        return orjson.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode()

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "").split(";")[0]


class Api:
    """Requests to one fake server as a given role; paths are relative to ``/api`` (or
    ``/api/v<version>``)."""

    def __init__(self, session: aiohttp.ClientSession, server: FakeWebknossos) -> None:
        self.session = session
        self.server = server

    async def call(
        self,
        method: str,
        path: str,
        *,
        role: str | None = "admin",
        token: str | None = None,
        version: int | None = None,
        json: Any = None,
        data: Any = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        prefix = "/api" if version is None else f"/api/v{version}"
        all_headers = dict(headers or {})
        if token is None and role is not None:
            token = self.server.tokens[role]
        if token is not None:
            all_headers["X-Auth-Token"] = token
        async with self.session.request(
            method,
            self.server.url + prefix + path,
            json=json,
            data=data,
            params=params,
            headers=all_headers,
        ) as response:
            return Reply(response.status, dict(response.headers), await response.read())

    async def get(self, path: str, **options: Any) -> Reply:
        return await self.call("GET", path, **options)

    async def post(self, path: str, **options: Any) -> Reply:
        return await self.call("POST", path, **options)


def project_body(api: Api, **changes: Any) -> dict[str, Any]:
    team = api.server.state.team_by_name("team_alpha")
    assert team is not None
    data: dict[str, Any] = {
        "name": "new_project",
        "team": team.id,
        "priority": 50,
        "paused": False,
        "expectedTime": 60_000,
        "owner": api.server.user_ids["team_manager"],
        "isBlacklistedFromReport": False,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def task_type_id(server: FakeWebknossos, kind: str = "skeleton") -> str:
    return next(t.id for t in server.state.task_types.values() if t.tracing_type == kind)


def task_item(server: FakeWebknossos, **changes: Any) -> dict[str, Any]:
    """One valid ``POST /tasks`` item (both instance keys) with ``changes``; None drops a key."""
    body: dict[str, Any] = {
        "taskTypeId": task_type_id(server),
        "neededExperience": {"domain": "axons", "value": 1},
        "openInstances": 2,
        "pendingInstances": 2,
        "projectName": "seed_project_alpha",
        "dataSet": "l4_sample",
        "editPosition": [1, 2, 3],
        "editRotation": [0, 0, 0.5],
        "creationInfo": "job-1/item-0",
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def nml(dataset: str = "l4_sample", tree: str = "t") -> bytes:
    return (
        "<things><parameters>"
        f'<experiment name="{dataset}" organization="sample_organization"/>'
        '<scale x="11.24" y="11.24" z="28.0"/></parameters>'
        f'<thing id="1" name="{tree}"><nodes><node id="1" x="1" y="2" z="3" radius="1"/></nodes>'
        "<edges/></thing></things>"
    ).encode()


def form(files: list[tuple[str, bytes]], **fields: str) -> aiohttp.FormData:
    data = aiohttp.FormData()
    for name, value in fields.items():
        data.add_field(name, value)
    for filename, content in files:
        data.add_field("file", content, filename=filename, content_type="application/octet-stream")
    return data


async def upload(api: Api, files: list[tuple[str, bytes]], **fields: str) -> Reply:
    return await api.post("/annotations/upload", data=form(files, **fields), role="user")


def downloaded_nml(body: bytes) -> bytes:
    """The NML of a download: the body itself, or the ``.nml`` entry of a ZIP."""
    if not body.startswith(b"PK"):
        return body
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".nml")]
        return archive.read(name)


def nml_stats(nml: bytes) -> dict[str, int]:
    """The skeleton statistics of an NML, counted the plain way."""
    root = ElementTree.fromstring(nml)
    return {
        "treeCount": len(root.findall("thing")),
        "nodeCount": len(root.findall("thing/nodes/node")),
        "edgeCount": len(root.findall("thing/edges/edge")),
        "branchPointCount": len(root.findall("branchpoints/branchpoint")),
    }


def skeleton_stats(info: Mapping[str, Any]) -> Any:
    """The skeleton statistics an annotation's JSON reports: per layer on newer servers,
    top-level on older ones."""
    skeletons = [layer for layer in info["annotationLayers"] if layer["typ"] == "Skeleton"]
    if "stats" in skeletons[0]:
        assert info["stats"] == {}
        return skeletons[0]["stats"]
    return info["stats"]


async def info_and_download(api: Api, annotation_id: str, role: str = "admin") -> tuple[Any, bytes]:
    """An annotation's info JSON and its default download body."""
    typ = api.server.state.annotations[annotation_id].typ
    path = f"/annotations/{typ}/{annotation_id}"
    info = await api.get(f"{path}/info", params={"timestamp": "1"}, role=role)
    download = await api.get(f"{path}/download", role=role)
    assert (info.status, download.status) == (200, 200)
    return info.json(), download.body


def content(seed: int = 7, layers: tuple[str, ...] = (), **changes: object) -> AnnotationContent:
    """What the fake server renders for one annotation: fixed metadata, the skeleton drawn from
    ``seed``, the named volume layers, and ``changes`` on top."""
    values: dict[str, object] = {
        "annotation_id": "5f0c3a7e1b0000000056fe9b",
        "name": "my annotation",
        "dataset": "2012-06-28_Cortex",
        "organization": "Organization_X",
        "username": "Ursula Boya",
        "created_ms": 1_477_666_728_000,
        "seed": seed,
        "volume_layers": layers,
    }
    values.update(changes)
    return AnnotationContent(**values)  # type: ignore[arg-type]
