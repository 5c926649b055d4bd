"""Project-level pytest configuration.

The fixtures come from the ``hil`` plugin, registered through the ``pytest11`` entry point
when the package is installed (``make test`` does that).
"""

import logging

logging.getLogger("pyftpdlib").setLevel(logging.WARNING)
