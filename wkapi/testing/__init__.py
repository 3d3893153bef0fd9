"""A fake WEBKNOSSOS server for tests, benchmarks and demos.

``FakeWebknossos`` is an aiohttp application with in-memory state that behaves like a real
WEBKNOSSOS server (both the generation before 23.09 and the newer one), down to its error
bodies, pagination, task-creation quirks and streamed downloads. It imports nothing from the
client. ``FaultInjector`` rules (``server.faults.add(FaultKind.DROP, ...)``) make chosen
requests fail like networks and proxies do; ``server.requests`` logs every request.
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
