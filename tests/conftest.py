"""Suite-wide settings: every client built in the tests uses the strict converter, so a JSON key the
models do not know fails the test that received it instead of being silently dropped."""

from __future__ import annotations

import os

os.environ.setdefault("WKAPI_STRICT_MODELS", "1")
