"""``python -m circuitnn``: the same as the ``circuitnn`` command."""

import sys

from .cli import main

sys.exit(main())
