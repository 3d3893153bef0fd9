"""The package version, single source for pyproject and the User-Agent header."""

__version__ = "0.1.0.dev0"
