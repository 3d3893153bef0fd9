"""A fake WEBKNOSSOS server for tests, benchmarks and demos.

``FakeWebknossos`` is an aiohttp application with in-memory state that behaves like a real
WEBKNOSSOS server (the generation before 23.09 and the newer one), down to its error bodies,
pagination, task-creation quirks and streamed downloads; like a real server it parses uploads
and writes a new file on download (compare round trips by content, with ``wkapi.nml``), and it
records a request the client abandoned with status 499. It imports nothing from the client::

    async with FakeWebknossos(release="23.08", seed=1) as server:
        headers = {"X-Auth-Token": server.tokens["admin"]}   # also team_manager, user, ...
        server.faults.add(FaultKind.DROP, method="POST", path="/tasks", times=1)
        ...                                                   # requests to server.url + "/api/..."
        assert server.requests[-1].status is None

``server.state`` holds the entities (see ``wkapi.testing._state``); ``server.add_*``,
``simulate_annotators`` and ``add_synthetic_annotation`` add data. The pytest plugin
(``wkapi.testing.pytest_plugin``) provides the ``fake_wk`` and ``fake_wk_factory`` fixtures;
``python -m wkapi.testing --port 9000`` (or :func:`serve_forever`) serves one standalone;
``known_releases()`` lists the releases it imitates.

The names here are imported on first use, so that reading the command-line options (see
``_options``) does not load the server.
"""

from __future__ import annotations

import importlib
import typing

if typing.TYPE_CHECKING:
    from ._faults import Fault, FaultInjector, FaultKind
    from ._log import RecordedRequest
    from ._options import ServeOption, serve_options
    from ._releases import known_releases
    from ._server import FakeWebknossos
    from ._standalone import serve_forever

__all__ = [
    "FakeWebknossos",
    "Fault",
    "FaultInjector",
    "FaultKind",
    "RecordedRequest",
    "ServeOption",
    "known_releases",
    "serve_forever",
    "serve_options",
]

_HOMES = {
    "known_releases": "._releases",
    "FakeWebknossos": "._server",
    "Fault": "._faults",
    "FaultInjector": "._faults",
    "FaultKind": "._faults",
    "RecordedRequest": "._log",
    "serve_forever": "._standalone",
    "ServeOption": "._options",
    "serve_options": "._options",
}


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
