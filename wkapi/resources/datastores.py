"""Datastores and tracingstores: the servers that hold datasets and annotation layers."""

from __future__ import annotations

import builtins

import yarl

from wkapi._checks import check_bool, check_str
from wkapi._errors import InputError
from wkapi.models import DataStore, ServerMessage, TracingStore

from ._base import Resource, segment

__all__ = ["DatastoresResource", "TracingstoresResource"]


def _url(value: object, what: str) -> str:
    text = check_str(what, value)
    url = yarl.URL(text)
    if url.scheme not in ("http", "https") or not url.host:
        raise InputError(f"{what} must be an absolute http(s) URL, got {text!r}")
    return text


class DatastoresResource(Resource):
    """Datastores (``wk.datastores``).

    Creating and updating need an admin, deleting a super user.
    """

    async def list(self) -> builtins.list[DataStore]:
        """``GET /datastores``: every datastore (anonymous access allowed)."""
        data = await self._session.request_json("GET", "/datastores")
        stores = self._structure_list(data, DataStore)
        for store in stores:  # the server names them: they may receive the token
            self._session.trust_origin(store.url)
        return stores

    async def create(
        self,
        *,
        name: str,
        url: str,
        public_url: str,
        key: str,
        is_scratch: bool = False,
        is_foreign: bool = False,
        allows_upload: bool = True,
    ) -> DataStore:
        """``POST /datastores``: register a datastore (admin only; a taken name is a 400).

        Args:
            url: how WEBKNOSSOS reaches the datastore; ``public_url``: what users' links use.
            key: the shared secret the datastore identifies itself with.
            is_scratch: hosted on a scratch/experimental environment.
            is_foreign: belongs to another WEBKNOSSOS instance.
            allows_upload: accepts dataset uploads from the browser.
        """
        body = _body(name, url, public_url, is_scratch, is_foreign, allows_upload)
        body["key"] = check_str("key", key)
        data = await self._session.request_json("POST", "/datastores", json=body)
        return self._structure(data, DataStore)

    async def update(
        self,
        name: str,
        *,
        url: str,
        public_url: str,
        is_scratch: bool | None = None,
        is_foreign: bool | None = None,
        allows_upload: bool | None = None,
    ) -> DataStore:
        """``PUT /datastores/:name``: change a datastore's URLs and flags (admin only).

        The server resets a flag that is not sent to its default (``isScratch`` and
        ``isForeign`` false, ``allowsUpload`` true), so flags left as ``None`` keep their
        current value: the store is read first (``GET /datastores``) and its ``allowsUpload``
        and ``isScratch`` are sent back. ``isForeign`` is not readable and is sent only when
        given. The newest servers no longer have this route (they answer 404).
        """
        body = _body(name, url, public_url, is_scratch, is_foreign, allows_upload)
        path = "/datastores/" + segment(name, "datastore name")
        if "allowsUpload" not in body or "isScratch" not in body:
            current = await self._find(name)
            if current is not None:
                body.setdefault("allowsUpload", current.allows_upload)
                if current.is_scratch is not None:
                    body.setdefault("isScratch", current.is_scratch)
        data = await self._session.request_json("PUT", path, json=body)
        return self._structure(data, DataStore)

    async def _find(self, name: str) -> DataStore | None:
        """The datastore named ``name`` from the list, if the caller can see it."""
        return next((store for store in await self.list() if store.name == name), None)

    async def delete(self, name: str) -> tuple[ServerMessage, ...]:
        """``DELETE /datastores/:name``: remove a datastore from the database (super user only).

        Returns the server's messages (the server may send none; none either when a retry
        found the datastore already gone after an attempt whose answer was lost).
        """
        path = "/datastores/" + segment(name, "datastore name")
        return await self._delete(path)


def _body(
    name: str,
    url: str,
    public_url: str,
    is_scratch: bool | None,
    is_foreign: bool | None,
    allows_upload: bool | None,
) -> dict[str, object]:
    body: dict[str, object] = {
        "name": check_str("name", name),
        "url": _url(url, "url"),
        "publicUrl": _url(public_url, "public_url"),
    }
    for key, value, what in (
        ("isScratch", is_scratch, "is_scratch"),
        ("isForeign", is_foreign, "is_foreign"),
        ("allowsUpload", allows_upload, "allows_upload"),
    ):
        if value is not None:
            body[key] = check_bool(what, value)
    return body


class TracingstoresResource(Resource):
    """Tracingstores (``wk.tracingstores``)."""

    async def update(self, name: str, *, url: str, public_url: str) -> TracingStore:
        """``PUT /tracingstores/:name``: change a tracingstore's URLs (admin only)."""
        body = {
            "name": check_str("name", name),
            "url": _url(url, "url"),
            "publicUrl": _url(public_url, "public_url"),
        }
        path = "/tracingstores/" + segment(name, "tracingstore name")
        data = await self._session.request_json("PUT", path, json=body)
        return self._structure(data, TracingStore)
