"""``python -m auth0link.emulator [OPTIONS]``: the same command line as ``auth0link emulator``."""

from __future__ import annotations

import sys

from .server.command import main

if __name__ == "__main__":
    sys.exit(main())
