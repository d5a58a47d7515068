"""``python -m tpdn_outcomes.datasets``: regenerate the sample files."""

import sys

from tpdn_outcomes.datasets.sample import main

sys.exit(main())
