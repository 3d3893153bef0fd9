"""The sync client raises the async client's typed errors, with the same messages and fields."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from typing import Any

import pytest

from tests.helpers import ThreadedServer
from tests.sync.helpers import ServerFactory, SyncFactory
from wkapi import (
    APIConnectionError,
    APIStatusError,
    AuthenticationError,
    Client,
    InputError,
    NotFoundError,
    PermissionDeniedError,
    RetryPolicy,
    SyncClient,
    VersionNotSupportedError,
)

UNKNOWN = "0123456789abcdef01234567"

#: (what, expected error type, the same call on either face) for an admin client.
CASES: list[tuple[str, type[Exception], Callable[[Any], Any]]] = [
    ("unknown project", NotFoundError, lambda wk: wk.projects.get(UNKNOWN)),
    ("unknown annotation", NotFoundError, lambda wk: wk.annotations.info("Task", UNKNOWN)),
    ("bad id", InputError, lambda wk: wk.tasks.get("not-an-id")),
    ("bad typ", InputError, lambda wk: wk.annotations.info("Nope", UNKNOWN)),
    ("bad page size", InputError, lambda wk: wk.users.annotations(UNKNOWN, page_size=0)),
    ("empty edit", InputError, lambda wk: wk.annotations.edit("Task", UNKNOWN)),
]


def _async_error(server: ThreadedServer, call: Callable[[Any], Any], **options: Any) -> Exception:
    async def run() -> Exception:
        async with Client(server.url, retry=RetryPolicy.for_tests(), **options) as wk:
            try:
                result = call(wk)
                if asyncio.iscoroutine(result):
                    await result
            except Exception as exc:
                return exc
        raise AssertionError("no error")

    return asyncio.run(run())


def _fields(error: Exception) -> tuple[Any, ...]:
    if isinstance(error, APIStatusError):
        return (type(error), str(error), error.status, error.messages, error.method, error.url)
    return (type(error), str(error))


@pytest.mark.parametrize(("what", "kind", "call"), CASES, ids=[c[0] for c in CASES])
def test_the_same_typed_error_as_the_async_client(
    server: ThreadedServer,
    connect: SyncFactory,
    what: str,
    kind: type[Exception],
    call: Callable[[Any], Any],
) -> None:
    wk = connect(server)
    server.server.clear_requests()
    with pytest.raises(kind) as raised:
        call(wk)
    sent = len(server.server.requests)
    if issubclass(kind, InputError):
        assert sent == 0, f"{what}: a request went out"
    expected = _async_error(server, call, token=server.tokens["admin"], strict_models=True)
    assert _fields(raised.value) == _fields(expected)


def test_a_refused_token_and_a_forbidden_call(server: ThreadedServer, connect: SyncFactory) -> None:
    with SyncClient(server.url, "wrong-token", retry=RetryPolicy.for_tests()) as wk:
        with pytest.raises(AuthenticationError) as refused:
            wk.users.current()
        assert refused.value.status == 401
    user = connect(server, "user")
    with pytest.raises(PermissionDeniedError):
        user.datastores.create(name="x_store", url=server.url, public_url=server.url, key="k")


def test_an_unreachable_server_is_a_connection_error() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    wk = SyncClient(f"http://127.0.0.1:{port}", retry=RetryPolicy.for_tests())
    with wk, pytest.raises(APIConnectionError) as failed:
        wk.build_info()
    assert failed.value.request_sent is False


def test_an_unsupported_api_version(threaded: ServerFactory) -> None:
    server = threaded()  # newer servers announce their range in /api/buildinfo
    wk = SyncClient(server.url, server.tokens["admin"], api_version=99)
    with wk, pytest.raises(VersionNotSupportedError):
        wk.users.current()
