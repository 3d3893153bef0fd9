"""``wk.datasets``, ``wk.datastores`` and ``wk.tracingstores`` against the fake server."""

from __future__ import annotations

import pytest

from tests.resources.helpers import ClientFactory
from wkapi import BadRequestError, Client, InputError, NotFoundError, PermissionDeniedError
from wkapi.models import AnnotationLayerParameters, AnnotationLayerType, AnnotationType
from wkapi.testing import FakeWebknossos


async def test_list_datasets_and_filter_active(wk: Client) -> None:
    names = {d.name for d in await wk.datasets.list()}
    assert {"l4_sample", "2012-06-28_Cortex", "inactive_dataset"} <= names
    inactive = await wk.datasets.list(is_active=False)
    assert [d.name for d in inactive] == ["inactive_dataset"]
    assert all(d.is_active for d in await wk.datasets.list(is_active=True))


async def test_get_dataset_has_layers(server: FakeWebknossos, wk: Client) -> None:
    dataset = await wk.datasets.get(server.organization, "l4_sample")
    assert dataset.name == "l4_sample"
    assert dataset.owning_organization == server.organization
    assert {layer.name for layer in dataset.data_source.data_layers} == {"color", "segmentation"}


async def test_unknown_dataset_is_not_found_with_the_servers_message(
    server: FakeWebknossos, wk: Client
) -> None:
    with pytest.raises(NotFoundError) as caught:
        await wk.datasets.get(server.organization, "no_such_dataset")
    assert caught.value.messages == [
        "Dataset no_such_dataset does not exist or could not be accessed"
    ]


async def test_anonymous_client_reads_public_datasets_only(
    server: FakeWebknossos, connect: ClientFactory
) -> None:
    anonymous = connect(server, None)
    assert [d.name for d in await anonymous.datasets.list()] == ["l4_sample"]
    with pytest.raises(NotFoundError):
        await anonymous.datasets.get(server.organization, "2012-06-28_Cortex")


async def test_create_explorational_with_skeleton_and_volume(
    server: FakeWebknossos, wk: Client
) -> None:
    annotation = await wk.datasets.create_explorational(
        server.organization,
        "l4_sample",
        [
            "Skeleton",
            AnnotationLayerParameters(
                AnnotationLayerType.VOLUME,
                fallback_layer_name="segmentation",
                resolution_restrictions={"min": 1, "max": 4},
                name="cells",
            ),
        ],
    )
    assert annotation.typ == AnnotationType.EXPLORATIONAL
    assert annotation.dataset_name == "l4_sample"
    assert annotation.owner is not None
    assert annotation.owner.id == server.user_ids["admin"]
    kinds = sorted((str(layer.typ), layer.name) for layer in annotation.annotation_layers)
    assert kinds[1] == ("Volume", "cells")
    assert kinds[0][0] == "Skeleton"
    assert annotation.id in server.state.annotations


async def test_create_explorational_accepts_one_layer_and_mappings(
    server: FakeWebknossos, wk: Client
) -> None:
    one = await wk.datasets.create_explorational(server.organization, "l4_sample", "Skeleton")
    assert [layer.typ for layer in one.annotation_layers] == [AnnotationLayerType.SKELETON]
    mapped = await wk.datasets.create_explorational(
        server.organization, "l4_sample", [{"typ": "Volume", "fallbackLayerName": "segmentation"}]
    )
    assert mapped.has_volume


async def test_create_explorational_errors(server: FakeWebknossos, wk: Client) -> None:
    org = server.organization
    with pytest.raises(NotFoundError):
        await wk.datasets.create_explorational(org, "no_such_dataset", ["Skeleton"])
    with pytest.raises(BadRequestError) as caught:
        await wk.datasets.create_explorational(org, "inactive_dataset", ["Skeleton"])
    assert caught.value.messages == ["Dataset inactive_dataset is not imported"]
    server.clear_requests()
    for layers, text in [
        ([], "at least one layer"),
        (["Mesh"], "typ must be one of"),
        ([{"typ": "Volume", "colour": "red"}], "unknown layer parameter"),
        ([{"name": "x"}], "needs a typ"),
        ([42], "a layer must be"),
    ]:
        with pytest.raises(InputError, match=text):
            await wk.datasets.create_explorational(org, "l4_sample", layers)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="organization"):
        await wk.datasets.get("", "l4_sample")
    assert server.requests == []


async def test_datastores_list_create_update_delete(
    server: FakeWebknossos, connect: ClientFactory
) -> None:
    wk = connect(server)
    (store,) = await wk.datastores.list()
    assert store.name == "localhost"
    assert store.url == server.url

    created = await wk.datastores.create(
        name="second",
        url="http://127.0.0.1:1",
        public_url="https://data.example.org",
        key="k3y",
        allows_upload=False,
    )
    assert (created.name, created.url, created.allows_upload) == (
        "second",
        "http://127.0.0.1:1",
        False,
    )
    assert {s.name for s in await wk.datastores.list()} == {"localhost", "second"}

    with pytest.raises(BadRequestError) as caught:
        await wk.datastores.create(name="second", url=server.url, public_url=server.url, key="k")
    assert caught.value.messages == ["A datastore with the name second already exists"]

    updated = await wk.datastores.update(
        "second", url="http://127.0.0.1:2", public_url="https://data.example.org"
    )
    assert updated.url == "http://127.0.0.1:2"
    # The server resets flags it is not sent; the client sent the current one back.
    assert updated.allows_upload is False
    put = [r for r in server.requests if r.method == "PUT"]
    assert [r.route for r in put] == ["/datastores/second"]
    assert (
        await wk.datastores.update(
            "second", url=server.url, public_url=server.url, allows_upload=True
        )
    ).allows_upload is True

    with pytest.raises(PermissionDeniedError):
        await wk.datastores.delete("second")  # admins may not, super users may
    messages = await connect(server, "super_user").datastores.delete("second")
    assert [m.kind for m in messages] == ["success"]
    assert {s.name for s in await wk.datastores.list()} == {"localhost"}


async def test_datastore_changes_need_an_admin(
    server: FakeWebknossos, connect: ClientFactory
) -> None:
    user = connect(server, "user")
    with pytest.raises(PermissionDeniedError):
        await user.datastores.create(name="x", url=server.url, public_url=server.url, key="k")
    with pytest.raises(PermissionDeniedError):
        await user.tracingstores.update("localhost", url=server.url, public_url=server.url)
    with pytest.raises(NotFoundError):
        await connect(server).datastores.update("nope", url=server.url, public_url=server.url)


async def test_datastore_arguments_are_checked_before_sending(
    server: FakeWebknossos, wk: Client
) -> None:
    with pytest.raises(InputError, match="url"):
        await wk.datastores.create(name="x", url="localhost:9000", public_url=server.url, key="k")
    with pytest.raises(InputError, match="key"):
        await wk.datastores.create(name="x", url=server.url, public_url=server.url, key="")
    with pytest.raises(InputError, match="is_scratch"):
        await wk.datastores.update(
            "x",
            url=server.url,
            public_url=server.url,
            is_scratch="no",  # type: ignore[arg-type]
        )
    with pytest.raises(InputError, match="public_url"):
        await wk.tracingstores.update("localhost", url=server.url, public_url="ftp://x")
    assert server.requests == []


async def test_tracingstore_update(server: FakeWebknossos, wk: Client) -> None:
    store = await wk.tracingstores.update(
        "localhost", url=server.url, public_url="https://tracings.example.org"
    )
    assert (store.name, store.url) == ("localhost", server.url)
    assert server.state.tracingstores["localhost"].public_url == "https://tracings.example.org"
