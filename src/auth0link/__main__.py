"""The process entry point: the ``auth0link`` console script and ``python -m auth0link``.

A bare ``auth0link --version`` answers here, before click (most of the start-up time) is
imported; everything else, shell completion included, goes to the click group
(:data:`auth0link.cli.main`).
"""

from __future__ import annotations

import os
import sys


def run() -> None:
    """Run the command line (``[project.scripts]`` points here)."""
    completing = any(name.endswith("_COMPLETE") for name in os.environ)
    if sys.argv[1:] == ["--version"] and not completing:
        from auth0link import version_line

        try:
            sys.stdout.write(version_line() + "\n")
            sys.stdout.flush()
        except BrokenPipeError:  # `auth0link --version | true`: the reader left
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return
    from auth0link.cli import main

    main()


if __name__ == "__main__":
    run()
