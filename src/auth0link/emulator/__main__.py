"""``python -m auth0link.emulator [OPTIONS]``: the same command line as ``auth0link emulator``."""

from __future__ import annotations

import sys

from auth0link.emulator.command import main

if __name__ == "__main__":
    sys.exit(main())
