"""Suite-wide settings and fixtures.

Every client built in the tests uses the strict converter, so a JSON key the models do not know
fails the test that received it instead of being silently dropped. The Hypothesis profile is
chosen here, and ``make_session`` (core sessions for the core and transfer tests) lives here.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from hypothesis import settings

from tests.core.support import TOKEN, fast_retry
from wkapi._config import ClientConfig
from wkapi._session import Session

os.environ.setdefault("WKAPI_STRICT_MODELS", "1")

# CI runs the fuzz tests with a fixed seed (HYPOTHESIS_PROFILE=ci in .ci/run), so a landing is
# never decided by luck; developers' runs draw new examples every time.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("HYPOTHESIS_PROFILE"):
    settings.load_profile(os.environ["HYPOTHESIS_PROFILE"])


@pytest.fixture
async def make_session() -> AsyncIterator[Callable[..., Session]]:
    """``make_session(url, **config)``: a core session with a token, tiny retry waits and no
    version check unless asked; closed at teardown."""
    sessions: list[Session] = []

    def make(url: str, **config: Any) -> Session:
        config.setdefault("token", TOKEN)
        config.setdefault("retry", fast_retry())
        config.setdefault("check_version", False)
        session = Session(ClientConfig(url=url, **config))
        sessions.append(session)
        return session

    yield make
    for session in sessions:
        await session.close()
