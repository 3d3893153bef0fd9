"""Suite-wide settings: every client built in the tests uses the strict converter, so a JSON key the
models do not know fails the test that received it instead of being silently dropped; and the
Hypothesis profile."""

from __future__ import annotations

import os

from hypothesis import settings

os.environ.setdefault("WKAPI_STRICT_MODELS", "1")

# CI runs the fuzz tests with a fixed seed (HYPOTHESIS_PROFILE=ci in .ci/run), so a landing is
# never decided by luck; developers' runs draw new examples every time.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("HYPOTHESIS_PROFILE"):
    settings.load_profile(os.environ["HYPOTHESIS_PROFILE"])
