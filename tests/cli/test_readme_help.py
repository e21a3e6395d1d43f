"""The README's ``--help`` blocks are generated (``make docs``); this keeps them from drifting."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_readme_help_regions_match_the_cli() -> None:
    """`scripts/gen_docs.py --check` passes: every README help region equals the real --help."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_docs.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
