"""`python -m seqtui`: the same entry point as the `seqtui` console script."""

import sys

from seqtui.cli import main

sys.exit(main())
