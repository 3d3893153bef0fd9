"""Datastore and tracingstore routes."""

from __future__ import annotations

from typing import Any

import pytest

from tests.testing.helpers import Api


def store(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "second",
        "url": "http://127.0.0.1:1",
        "publicUrl": "http://127.0.0.1:1",
        "key": "k",
        "isScratch": True,
        "allowsUpload": False,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


async def test_create_update_delete_datastore(old_api: Api) -> None:
    created = (await old_api.post("/datastores", json=store())).json()
    assert created == {
        "name": "second",
        "url": "http://127.0.0.1:1",
        "isScratch": True,
        "allowsUpload": False,
    }
    duplicate = await old_api.post("/datastores", json=store())
    assert duplicate.status == 400
    update = store(url="http://127.0.0.1:2", key=None)
    updated = await old_api.call("PUT", "/datastores/second", json=update)
    assert updated.json()["url"] == "http://127.0.0.1:2"
    mismatch = await old_api.call("PUT", "/datastores/second", json=store(name="other", key=None))
    assert mismatch.status == 400
    gone = await old_api.call("DELETE", "/datastores/second", role="super_user")
    assert gone.json()["messages"]
    assert [s["name"] for s in (await old_api.get("/datastores")).json()] == ["localhost"]


async def test_update_resets_the_flags_it_is_not_sent(old_api: Api) -> None:
    """As on a real server: ``isScratch`` and ``allowsUpload`` go back to false and true."""
    await old_api.post("/datastores", json=store())
    update = store(key=None, isScratch=None, allowsUpload=None)
    updated = (await old_api.call("PUT", "/datastores/second", json=update)).json()
    assert (updated["isScratch"], updated["allowsUpload"]) == (False, True)
    listed = {s["name"]: s for s in (await old_api.get("/datastores")).json()}
    assert (listed["second"]["isScratch"], listed["second"]["allowsUpload"]) == (False, True)


async def test_new_generation_still_serves_put_datastore(api: Api) -> None:
    reply = await api.call("PUT", "/datastores/localhost", json=store(name="localhost", key=None))
    assert reply.status == 200
    assert "isScratch" not in reply.json()


@pytest.mark.parametrize("role", ["user", "team_manager"])
async def test_datastore_writes_need_admin(api: Api, role: str) -> None:
    assert (await api.post("/datastores", json=store(), role=role)).status == 403
    assert (await api.post("/datastores", json=store(), role=None)).status == 401


async def test_datastore_validation(api: Api) -> None:
    reply = await api.post("/datastores", json=store(key=None))
    assert reply.json() == {
        "errors": [{"field": "/key", "error": "error.path.missing"}],
        "messages": [{"error": "Invalid Json format"}],
    }
    assert (await api.call("PUT", "/datastores/nope", json=store(name="nope"))).status == 404


async def test_update_tracingstore(api: Api) -> None:
    payload = {"name": "localhost", "url": "http://127.0.0.1:3", "publicUrl": "http://127.0.0.1:3"}
    reply = await api.call("PUT", "/tracingstores/localhost", json=payload)
    assert reply.json() == {"name": "localhost", "url": "http://127.0.0.1:3"}
    assert (
        await api.call("PUT", "/tracingstores/localhost", json=payload, role="user")
    ).status == 403
    reply = await api.call("PUT", "/tracingstores/localhost", json={"name": "localhost"})
    assert reply.status == 400
    assert "errors" in reply.json()
