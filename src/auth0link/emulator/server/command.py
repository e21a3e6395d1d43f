"""The emulator's entry point: ``main(argv) -> exit code``.

``python -m auth0link.emulator`` and ``auth0link emulator`` (which forwards its raw arguments)
both end here: parse the options (:mod:`.options`), then import the server (Starlette and uvicorn,
the ``emulator`` extra) and serve. Exit codes: 0 after a clean stop (SIGINT/SIGTERM) or
``--help``, 2 for a usage error, an invalid option value, an unreadable or damaged users/state
file, a busy port or a missing extra, each as one ``error:`` line on stderr.
"""

from __future__ import annotations

import sys

from .. import EmulatorError
from .options import parse_options

USAGE_ERROR = 2


def main(argv: list[str] | None = None) -> int:
    """Run the emulator with command-line ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    try:
        options = parse_options(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2), already printed by argparse
        return exc.code if isinstance(exc.code, int) else USAGE_ERROR
    fresh_key = None
    if options.state_file is None:  # made while the server is imported (see generate_in_background)
        from ..protocol.keys import generate_in_background

        fresh_key = generate_in_background()
    try:
        from . import serve
    except ImportError as exc:
        sys.stderr.write(
            f"error: the emulator is not installed ({exc.name} is missing); "
            "pip install 'auth0link[emulator]'\n"
        )
        return USAGE_ERROR
    try:
        serve.run(options, fresh_key=fresh_key)
    except EmulatorError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return USAGE_ERROR
    return 0
