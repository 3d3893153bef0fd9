"""Pytest fixtures for tests against a fake WEBKNOSSOS server (registered as plugin ``wkapi``).

- ``fake_wk``: a started :class:`~wkapi.testing.FakeWebknossos` of the default (newer)
  generation, one per test, stopped afterwards.
- ``fake_wk_factory``: an async callable taking ``FakeWebknossos``'s keyword arguments
  (``release``, ``seed``, ``chunked_downloads``, ``latency``, ...) and returning a started
  server; every server it made is stopped at teardown.
- ``wk``: a :class:`wkapi.Client` of ``fake_wk`` with the admin token and
  ``RetryPolicy.for_tests()`` (no backoff waits), closed after the test.

They are async fixtures, so the test needs an async test plugin: pytest-asyncio in auto mode
(no marker) or strict mode (``@pytest.mark.asyncio``), or anyio's plugin
(``@pytest.mark.anyio``, asyncio backend) with pytest-asyncio absent or in strict mode::

    async def test_old_servers(fake_wk_factory):
        server = await fake_wk_factory(release="23.08")
        ...

This module is loaded in every pytest run of every project that has wkapi installed (through
the ``pytest11`` entry point). So it needs nothing beyond pytest: pytest-asyncio is used when it
is importable, and the server and the client are imported only when a test asks for a fixture
(``wkapi`` imports its names on first use: loading this module costs a few milliseconds).
"""

from __future__ import annotations

import inspect
import types
from collections.abc import AsyncIterator, Awaitable, Callable, Generator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from wkapi import Client

    from ._server import FakeWebknossos

__all__ = ["FakeWebknossosFactory", "fake_wk", "fake_wk_factory", "wk"]

FakeWebknossosFactory = Callable[..., Awaitable["FakeWebknossos"]]

_Fixture = Callable[..., Any]


def _pytest_asyncio_fixture() -> Callable[[_Fixture], Any] | None:
    """pytest-asyncio's fixture decorator, or ``None`` when it is not installed."""
    try:
        import pytest_asyncio
    except ImportError:
        return None
    return pytest_asyncio.fixture


_asyncio_fixture = _pytest_asyncio_fixture()

#: Each fixture's name -> the registered function and the same function without
#: pytest-asyncio's mark.
_UNMARKED: dict[str, tuple[_Fixture, _Fixture]] = {}


def _fixture(function: _Fixture) -> Any:
    """Register ``function`` as a fixture, marked for pytest-asyncio when it is installed (so
    strict mode runs it too); anyio's plugin gets the unmarked twin (see the hook below)."""
    if _asyncio_fixture is None:
        return pytest.fixture(function)
    marked = types.FunctionType(
        function.__code__,
        function.__globals__,
        function.__name__,
        function.__defaults__,
        function.__closure__,
    )
    marked.__kwdefaults__ = function.__kwdefaults__
    marked.__qualname__ = function.__qualname__
    marked.__doc__ = function.__doc__
    marked.__annotations__ = function.__annotations__
    _UNMARKED[function.__name__] = (marked, function)
    return _asyncio_fixture(marked)


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_fixture_setup(fixturedef: Any, request: Any) -> Generator[None, Any, None]:
    """In a test run by anyio's plugin, hand our fixtures over unmarked.

    pytest-asyncio runs a marked fixture on its own event loop whatever the test's runner is;
    for an anyio test that is a loop that is not running while the test runs, so the server
    would never answer. Unmarked, pytest-asyncio (strict mode) leaves the fixture to anyio.
    """
    current = fixturedef.func
    if "anyio_backend" not in request.fixturenames or not _is_ours(fixturedef):
        yield
        return
    argnames = fixturedef.argnames
    unmarked = _UNMARKED[fixturedef.argname][1]
    fixturedef.func = unmarked
    # pytest-asyncio before 1.1 also adds its event loop fixture to the arguments.
    fixturedef.argnames = tuple(inspect.signature(unmarked).parameters)
    try:
        yield
    finally:
        fixturedef.func = current
        fixturedef.argnames = argnames


def _is_ours(fixturedef: Any) -> bool:
    """Whether ``fixturedef`` is one of this plugin's fixtures (not a user's of the same name).

    pytest-asyncio before 1.1 replaces a marked fixture's function with a wrapper of its own
    when it collects (``functools.wraps``): ours is then found as its ``__wrapped__``.
    """
    entry = _UNMARKED.get(fixturedef.argname)
    if entry is None:
        return False
    marked = entry[0]
    return inspect.unwrap(fixturedef.func, stop=lambda func: func is marked) is marked


@_fixture
async def fake_wk() -> AsyncIterator[FakeWebknossos]:
    """A started default-generation fake server for one test."""
    from ._server import FakeWebknossos

    async with FakeWebknossos() as server:
        yield server


@_fixture
async def fake_wk_factory() -> AsyncIterator[FakeWebknossosFactory]:
    """Start fake servers with any constructor arguments; all are stopped after the test."""
    from ._server import FakeWebknossos

    started: list[FakeWebknossos] = []

    async def start(**options: Any) -> FakeWebknossos:
        server = FakeWebknossos(**options)
        await server.start()
        started.append(server)
        return server

    try:
        yield start
    finally:
        for server in reversed(started):
            await server.stop()


@_fixture
async def wk(fake_wk: FakeWebknossos) -> AsyncIterator[Client]:
    """A client of ``fake_wk`` with the admin token and no backoff waits, closed afterwards."""
    # The fake server shares no code with the client: only this fixture imports it, when asked.
    import wkapi

    async with wkapi.Client(
        fake_wk.url, fake_wk.tokens["admin"], retry=wkapi.RetryPolicy.for_tests()
    ) as client:
        yield client
