"""``python -m btsopt.cli ...``: the same as the ``btsopt`` command."""

import sys

from btsopt.cli import main

sys.exit(main())
