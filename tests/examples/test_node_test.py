"""examples/node-test: a node:test suite that starts the emulator, runs Auth0's Node SDK on it and stops it.

``npm ci`` installs the example's locked tree once per lock file outside the checkout
(:func:`tests.support.npm.npm_ci`); ``node --test`` runs the example's own tests, which start
``python -m auth0link.emulator`` (through ``AUTH0LINK_EMULATOR``) with ``--ready-file`` and stop
it with SIGTERM. node/npm missing: skipped outside CI, a failure in CI.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.npm import npm_ci

pytestmark = pytest.mark.e2e

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "node-test"


def test_node_example_runs_its_tests_against_the_emulator(tmp_path: Path) -> None:
    """`node --test` in examples/node-test passes: ready file, client credentials, Management API, grant, SIGTERM."""
    node_modules = npm_ci(EXAMPLE, marker="auth0")
    env = {
        **os.environ,
        "NODE_PATH": str(node_modules),
        "AUTH0LINK_EMULATOR": json.dumps([sys.executable, "-m", "auth0link.emulator"]),
        "TMPDIR": str(tmp_path),  # the example's temporary folder (ready file, CA): checked below
    }
    done = subprocess.run(
        ["node", "--test"], cwd=EXAMPLE, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "# pass 3" in done.stdout
    assert "# fail 0" in done.stdout
    assert list(tmp_path.iterdir()) == []  # the emulator removed its ready file; the test its folder
