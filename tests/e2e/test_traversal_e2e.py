"""End to end: IDs that are dot segments never reach another endpoint (a traversal deletes users).

httpx collapses ``.`` and ``..`` path segments, so ``unlink --user ID .. .`` used to send
``DELETE /api/v2/users/ID``: on Auth0 that deletes the user. The emulator implements that
endpoint, so these attempts would really delete Alice if anything got through.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.support.demo_ids import ALICE
from tests.support.emulator import start_emulator

pytestmark = [pytest.mark.e2e, pytest.mark.callback_ports]


ATTEMPTS = [
    ("unlink", "--user", ALICE, "..", ".", "--yes"),
    ("unlink", "--user", ALICE, "..", "authenticators", "--yes"),
    ("unlink", "--user", ALICE, "..", "..", "--yes"),
    ("unlink", "--user", ALICE, ".", "..", "--yes"),
    ("unlink", "--user", ALICE, "", "", "--yes"),
    ("unlink", "--user", "..", "github", "4242424", "--yes"),
    ("unlink", "--user", ALICE, "github", "..", "--restore-metadata"),
    ("identities", "--user", ".."),
    ("link", "--user", "..", "--provider", "github", "--user-id", "4242424"),
    ("link", "--user", ALICE, "--provider", "..", "--user-id", "."),
]


def test_dot_segment_ids_never_delete_or_reach_another_endpoint() -> None:
    """Every traversal attempt is refused before any write (exit 2, 6 or 7) and Alice still exists, unchanged."""
    with start_emulator() as emu:
        before = emu.user(ALICE)
        env = {
            **os.environ,
            **emu.env(),
            "AUTH0LINK_MACHINE_CLIENT_ID": emu.m2m_client_id,
            "AUTH0LINK_CLIENT_SECRET": emu.m2m_client_secret,
        }
        for attempt in ATTEMPTS:
            result = subprocess.run(
                [sys.executable, "-m", "auth0link", *attempt],
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            assert result.returncode in {2, 6, 7}, (attempt, result.stderr)
            assert "Traceback" not in result.stderr
            assert result.stderr.startswith("error: "), (attempt, result.stderr)
            assert emu.user(ALICE) == before, attempt
        requests = emu.stderr_text()
    assert "DELETE " not in requests
    assert "/authenticators" not in requests
