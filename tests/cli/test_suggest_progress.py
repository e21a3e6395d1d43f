"""suggest --all's progress line through the CLI (the scan itself is tested in tests/usecases)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from auth0link.emulator import demo

if TYPE_CHECKING:
    from tests.cli.conftest import Wired


def test_the_scan_progress_says_it_counts_pages_and_users(wired: Wired) -> None:
    """The last progress line reads "scanning users: 1 page (… pages/s), 6 users read"."""
    login = wired(
        "login",
        "--machine",
        "--client-id",
        demo.M2M_CLIENT_ID,
        "--client-secret",
        "-",
        input=demo.M2M_CLIENT_SECRET + "\n",
    )
    assert login.exit_code == 0, login.stderr
    result = wired("suggest", "--all")
    assert result.exit_code == 0, result.stderr
    line = next(x for x in result.stderr.splitlines() if x.startswith("scanning users:"))
    assert re.fullmatch(r"scanning users: 1 page \(\d+\.\d pages/s\), \d+ users read", line), line
