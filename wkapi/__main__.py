"""``python -m wkapi ...``: the same as the ``wkapi`` command."""

from wkapi.cli import main

raise SystemExit(main())
