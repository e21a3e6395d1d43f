"""Auth0's Node SDK (npm ``auth0``, pinned, unmodified) creates a users-import job and reads it back."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.emulator.test_compat_node import AUTH0_NODE_SDK
from tests.support.emulator import start_emulator
from tests.support.npm import npm_package

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.support.emulator import RunningEmulator

pytestmark = pytest.mark.e2e

SCRIPT = Path(__file__).parent.parent / "support" / "node" / "auth0_import_check.js"


@pytest.fixture(scope="module")
def emu() -> Iterator[RunningEmulator]:
    """A default `auth0link emulator` over HTTPS."""
    with start_emulator() as running:
        yield running


def test_node_sdk_imports_users_multipart_and_reads_the_job(emu: RunningEmulator) -> None:
    """jobs.importUsers (multipart Blob) → 202 users_import; jobs.get → completed; getErrors lists the duplicate."""
    users = json.dumps(
        [{"email": "import-1@example.com", "email_verified": True}, {"email": "alice@example.com"}]
    )
    env = {
        **{k: v for k, v in os.environ.items() if k != "NODE_EXTRA_CA_CERTS"},
        "NODE_PATH": str(npm_package("auth0", AUTH0_NODE_SDK)),
        "NODE_EXTRA_CA_CERTS": str(emu.ca_bundle),
    }
    command = [
        "node",
        str(SCRIPT),
        emu.domain,
        emu.m2m_client_id,
        emu.m2m_client_secret,
        "con_Emu1atorDatabase",
        users,
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert (result["created"], result["type"], result["status"]) == (202, "users_import", "completed")
    assert result["summary"] == {"failed": 1, "updated": 0, "inserted": 1, "total": 2}
    assert [e["errors"][0]["code"] for e in result["errors"]] == ["DUPLICATED_USER"]
