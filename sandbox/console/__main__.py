"""`python -m sandbox.console` (`make demo`): the demo's entry point; sandbox/console/cli.py says what it runs."""

import logging
import os
import sys

from sandbox.console.cli import main

# As `python -m bot` sets it up: LOG_LEVEL decides what `--verbose` shows; without it the console keeps WARNING.
logging.basicConfig(
    level=os.environ.get("LOG_LEVEL", "INFO").upper(),
    format="%(asctime)s %(levelname)s %(name)s: %(message)s",
)
sys.exit(main(sys.argv[1:]))
