"""A fake WEBKNOSSOS server for tests, benchmarks and demos.

``FakeWebknossos`` is an aiohttp application with in-memory state that behaves like a real
WEBKNOSSOS server (the generation before 23.09 and the newer one), down to its error bodies,
pagination, task-creation quirks and streamed downloads. It imports nothing from the client::

    async with FakeWebknossos(release="23.08", seed=1) as server:
        headers = {"X-Auth-Token": server.tokens["admin"]}   # also team_manager, user, ...
        server.faults.add(FaultKind.DROP, method="POST", path="/tasks", times=1)
        ...                                                   # requests to server.url + "/api/..."
        assert server.requests[-1].status is None

``server.state`` holds the entities (see ``wkapi.testing._state``); ``server.add_*``,
``simulate_annotators`` and ``add_synthetic_annotation`` add data. The pytest plugin
(``wkapi.testing.pytest_plugin``) provides the ``fake_wk`` and ``fake_wk_factory`` fixtures;
``python -m wkapi.testing --port 9000`` (or :func:`serve_forever`) serves one standalone.
"""

from ._faults import Fault, FaultInjector, FaultKind
from ._log import RecordedRequest
from ._server import FakeWebknossos
from ._standalone import serve_forever

__all__ = [
    "FakeWebknossos",
    "Fault",
    "FaultInjector",
    "FaultKind",
    "RecordedRequest",
    "serve_forever",
]
