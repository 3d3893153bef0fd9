"""The route table of the issue (route -> client method) and a recorder that labels each request
a client sends with the OUTERMOST client method in flight when it was sent.

A request a method makes internally (``tasks.update`` reads the task with ``GET /tasks/:id``
first) is labelled with the outer method, so it never counts for the inner route.

The recorder works for a :class:`~wkapi.SyncClient` too (:meth:`CallRecorder.install_sync`): its
methods are labelled in the calling thread, and the label reaches the requests on the client's
loop thread because each call runs in a copy of the caller's context. Only the sync methods are
labelled, so a route counts only when reached through its own sync method.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
from collections.abc import AsyncIterator, Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from wkapi import APIStatusError, Client, SyncClient, SyncPager
from wkapi._pagination import Pager

#: Every route of the published v5 route list (``v5_routes.txt``) and its client method.
ROUTE_METHODS: dict[str, str] = {
    "GET /buildinfo": "build_info",
    "GET /users": "users.list",
    "GET /user": "users.current",
    "GET /user/tasks": "users.my_tasks",
    "GET /user/annotations": "users.my_annotations",
    "GET /users/:id": "users.get",
    "GET /users/:id/tasks": "users.tasks",
    "GET /users/:id/annotations": "users.annotations",
    "GET /teams": "teams.list",
    "GET /datasets": "datasets.list",
    "GET /datasets/:organizationName/:dataSetName": "datasets.get",
    "POST /datasets/:organizationName/:dataSetName/createExplorational": (
        "datasets.create_explorational"
    ),
    "GET /datastores": "datastores.list",
    "POST /datastores": "datastores.create",
    "DELETE /datastores/:name": "datastores.delete",
    "PUT /datastores/:name": "datastores.update",
    "PUT /tracingstores/:name": "tracingstores.update",
    "GET /annotations/:typ/:id/info": "annotations.info",
    "GET /annotations/:typ/:id/download": "annotations.download",
    "POST /annotations/upload": "annotations.upload",
    "POST /annotations/:typ/:id/duplicate": "annotations.duplicate",
    "PATCH /annotations/:typ/:id/edit": "annotations.edit",
    "PATCH /annotations/:typ/:id/finish": "annotations.finish",
    "PATCH /annotations/:typ/:id/reopen": "annotations.reopen",
    "PUT /annotations/Task/:id/reset": "annotations.reset",
    "POST /annotations/:typ/:id/merge/:mergedTyp/:mergedId": "annotations.merge",
    "POST /tasks": "tasks.create",
    "POST /tasks/createFromFiles": "tasks.create_from_files",
    "POST /tasks/list": "tasks.list",
    "GET /tasks/:id": "tasks.get",
    "DELETE /tasks/:id": "tasks.delete",
    "PUT /tasks/:id": "tasks.update",
    "GET /tasks/:id/annotations": "tasks.annotations",
    "GET /projects": "projects.list",
    "GET /projects/assignments": "projects.list_with_status",
    "POST /projects": "projects.create",
    "GET /projects/:id": "projects.get",
    "DELETE /projects/:id": "projects.delete",
    "PUT /projects/:id": "projects.update",
    "GET /projects/:id/tasks": "projects.tasks",
    "PATCH /projects/:id/incrementEachTasksInstances": "projects.increment_each_tasks_instances",
    "PATCH /projects/:id/pause": "projects.pause",
    "PATCH /projects/:id/resume": "projects.resume",
}

#: The client's resource attributes whose public methods are recorded.
RESOURCES = (
    "users",
    "teams",
    "datasets",
    "datastores",
    "tracingstores",
    "annotations",
    "task_types",
    "tasks",
    "projects",
    "tokens",
)

_OUTERMOST: ContextVar[str | None] = ContextVar("outermost_client_method", default=None)


def client_method(client: Client | SyncClient, name: str) -> Callable[..., Any]:
    """The bound method ``name`` (``"projects.get"``, ``"build_info"``) of ``client``."""
    target: Any = client
    for part in name.split("."):
        target = getattr(target, part)
    if not callable(target):
        raise TypeError(f"{name} is not a method")
    return target  # type: ignore[no-any-return]


@contextlib.contextmanager
def _outermost(label: str) -> Iterator[None]:
    """Make ``label`` the outermost method, unless another method is already in flight."""
    if _OUTERMOST.get() is not None:
        yield
        return
    token = _OUTERMOST.set(label)
    try:
        yield
    finally:
        _OUTERMOST.reset(token)


class _LabelledIteration:
    """Each step of an async iteration runs under ``label`` (a Pager fetches pages lazily)."""

    def __init__(self, inner: AsyncIterator[Any], label: str) -> None:
        self._inner = inner
        self._label = label

    def __aiter__(self) -> _LabelledIteration:
        return self

    async def __anext__(self) -> Any:
        with _outermost(self._label):
            return await self._inner.__anext__()


class _LabelledPager:
    """A Pager whose requests, made after the method returned, still carry the method's label."""

    def __init__(self, inner: Pager[Any], label: str) -> None:
        self._inner = inner
        self._label = label

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._inner, name)
        if name in ("to_list", "page", "total"):
            return _labelled_coroutine(attribute, self._label)
        return attribute

    def __aiter__(self) -> _LabelledIteration:
        return _LabelledIteration(aiter(self._inner), self._label)


class _LabelledContext:
    """An async context manager (a download stream) whose request, sent on enter, carries the
    method's label."""

    def __init__(self, inner: contextlib.AbstractAsyncContextManager[Any], label: str) -> None:
        self._inner = inner
        self._label = label

    async def __aenter__(self) -> Any:
        with _outermost(self._label):
            return await self._inner.__aenter__()

    async def __aexit__(self, *exc_info: Any) -> bool | None:
        with _outermost(self._label):
            return await self._inner.__aexit__(*exc_info)


def _labelled_coroutine(method: Callable[..., Any], label: str) -> Callable[..., Any]:
    @functools.wraps(method)
    async def call(*args: Any, **kwargs: Any) -> Any:
        with _outermost(label):
            return await method(*args, **kwargs)

    return call


def _labelled_function(method: Callable[..., Any], label: str) -> Callable[..., Any]:
    """A method returning a lazy object (Pager, stream): label the object's later requests."""

    @functools.wraps(method)
    def call(*args: Any, **kwargs: Any) -> Any:
        result = method(*args, **kwargs)
        if isinstance(result, Pager):
            return _LabelledPager(result, label)
        if isinstance(result, contextlib.AbstractAsyncContextManager):
            return _LabelledContext(result, label)
        return result

    return call


def _labelled(method: Callable[..., Any], label: str) -> Callable[..., Any]:
    if inspect.iscoroutinefunction(method):
        return _labelled_coroutine(method, label)
    return _labelled_function(method, label)


class _LabelledSyncPager:
    """A SyncPager whose requests (made while a loop runs over it) carry the method's label."""

    def __init__(self, inner: SyncPager[Any], label: str) -> None:
        self._inner = inner
        self._label = label

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._inner, name)
        if name in ("to_list", "page", "total"):
            return _labelled_sync_call(attribute, self._label)
        return attribute

    def __iter__(self) -> Iterator[Any]:
        with _outermost(self._label):  # the loop's task starts (and copies the label) here
            iterator = iter(self._inner)
            first = next(iterator, _END)
        if first is not _END:
            yield first
            yield from iterator


_END = object()


class _LabelledSyncContext:
    """A context manager (a sync download stream) whose request carries the method's label."""

    def __init__(self, inner: contextlib.AbstractContextManager[Any], label: str) -> None:
        self._inner = inner
        self._label = label

    def __enter__(self) -> Any:
        with _outermost(self._label):
            return self._inner.__enter__()

    def __exit__(self, *exc_info: Any) -> bool | None:
        with _outermost(self._label):
            return self._inner.__exit__(*exc_info)


def _labelled_sync_call(method: Callable[..., Any], label: str) -> Callable[..., Any]:
    @functools.wraps(method)
    def call(*args: Any, **kwargs: Any) -> Any:
        with _outermost(label):
            result = method(*args, **kwargs)
        if isinstance(result, SyncPager):
            return _LabelledSyncPager(result, label)
        if isinstance(result, contextlib.AbstractContextManager):
            return _LabelledSyncContext(result, label)
        return result

    return call


@dataclass(frozen=True)
class RouteCall:
    """An answered request: the outermost client method in flight when it was sent, the HTTP
    method, the path below ``/api`` or ``/api/vN``, and the status of the (last) answer."""

    outermost: str | None
    method: str
    path: str
    status: int

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class CallRecorder:
    """Records a :class:`RouteCall` for each answered request of the clients it is put on
    (requests that got no answer at all are not recorded)."""

    def __init__(self) -> None:
        self.calls: list[RouteCall] = []

    def install(self, client: Client) -> Client:
        """Label every public method of ``client``'s resources (and ``build_info``) and record
        the requests of its session; returns ``client``."""
        client.build_info = _labelled(client.build_info, "build_info")  # type: ignore[method-assign]
        for resource_name in RESOURCES:
            resource = getattr(client, resource_name)
            for name, method in inspect.getmembers(resource, inspect.ismethod):
                if not name.startswith("_"):
                    setattr(resource, name, _labelled(method, f"{resource_name}.{name}"))
        self._record_session(client)
        return client

    def install_sync(self, client: SyncClient) -> SyncClient:
        """Label every public method of a sync client's resources (and ``build_info``), in the
        calling thread, and record the requests of the async client it wraps."""
        client.build_info = _labelled_sync_call(client.build_info, "build_info")  # type: ignore[method-assign]
        for resource_name in RESOURCES:
            resource = getattr(client, resource_name)
            for name, method in inspect.getmembers(resource, inspect.ismethod):
                if not name.startswith("_"):
                    setattr(resource, name, _labelled_sync_call(method, f"{resource_name}.{name}"))
        self._record_session(client._client)
        return client

    def _record(self, method: str, path: str, status: int) -> None:
        self.calls.append(RouteCall(_OUTERMOST.get(), method, path, status))

    def _record_session(self, client: Client) -> None:
        session = client._session
        request, stream = session.request, session.stream

        @functools.wraps(request)
        async def recorded_request(method: str, path: str, *args: Any, **kwargs: Any) -> Any:
            try:
                response = await request(method, path, *args, **kwargs)
            except APIStatusError as refusal:
                self._record(method, path, refusal.status)
                raise
            self._record(method, path, response.status)
            return response

        @contextlib.asynccontextmanager
        async def recorded_stream(
            method: str, path: str, *args: Any, **kwargs: Any
        ) -> AsyncIterator[Any]:
            async with contextlib.AsyncExitStack() as stack:
                try:
                    opened = stream(method, path, *args, **kwargs)
                    response = await stack.enter_async_context(opened)
                except APIStatusError as refusal:
                    self._record(method, path, refusal.status)
                    raise
                self._record(method, path, response.status)
                yield response

        session.request = recorded_request  # type: ignore[method-assign]
        session.stream = recorded_stream  # type: ignore[method-assign]
