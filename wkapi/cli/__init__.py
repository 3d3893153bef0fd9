"""The ``wkapi`` command line (extra ``cli``: click and rich).

``wkapi demo`` runs the whole workflow on a built-in fake server; ``wkapi --help`` lists the
commands: ``info``, ``projects list``, ``download``, ``upload``, ``export``, ``tasks create``,
``fake-server``, ``demo``. It uses only wkapi's public API.
"""

from ._app import cli, main

__all__ = ["cli", "main"]
