"""``python -m wkapi.cli``: the same as the ``wkapi`` command."""

from . import main

raise SystemExit(main())
