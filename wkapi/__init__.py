"""wkapi: an async-first client for the WEBKNOSSOS REST API (bootstrapping; exports land soon)."""

from ._version import __version__

__all__ = ["__version__"]
