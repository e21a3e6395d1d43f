"""The docs' ``--help`` blocks are generated (``make docs``); this keeps them from drifting."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.conftest import Runner

ROOT = Path(__file__).resolve().parents[2]


def test_readme_help_regions_match_the_cli() -> None:
    """`scripts/gen_docs.py --check` passes: every help region in README.md and docs/ equals the real --help."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_docs.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_walkthrough_says_what_login_does_without_a_keyring_before_it_runs_login(cli: Runner) -> None:
    """docs/linking.md: before the walkthrough's first `auth0link login`, what a keyring-less machine sees, verbatim."""
    readme = (ROOT / "docs" / "linking.md").read_text(encoding="utf-8")
    walkthrough = readme.split("# Walkthrough: login, link, identities, unlink", 1)[1]
    first_login = walkthrough.index("\nauth0link login")
    before = walkthrough[:first_login]
    assert "--insecure-storage" in before
    assert "plain text" in before
    quoted = re.search(r"`(error: [^`]+)` \(exit (\d)\)", before)
    assert quoted is not None
    result = cli(
        "--domain", "tenant.example.com", "--client-id", "cid", "login"
    )  # keyring: the 'fail' backend
    assert result.stderr.splitlines()[0] == quoted[1]
    assert result.exit_code == int(quoted[2])
    assert "--insecure-storage" in result.stderr.splitlines()[1]
