"""A default `auth0link emulator` (HTTPS, bare domain) for clients outside Python, unmodified.

Auth0's Node SDK (npm ``auth0``, pinned; installed at test time outside the checkout) builds
``https://`` + domain itself and trusts the emulator's CA through ``NODE_EXTRA_CA_CERTS``, as a
Node user would set it. Go tools (go-auth0, auth0-cli) do the same ``"https://" + domain``; curl
with ``--cacert`` stands in for them. node/npm/curl missing: skipped outside CI, a failure in CI.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.emulator.conftest import ALICE_ENC
from tests.support.demo_ids import ALICE
from tests.support.emulator import start_emulator
from tests.support.keyring_service import require_tools
from tests.support.npm import npm_package

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.support.emulator import RunningEmulator

pytestmark = pytest.mark.e2e

AUTH0_NODE_SDK = "4.37.1"  # the last 4.x: runs on Node 18 (Debian's) and later
SCRIPT = Path(__file__).parent.parent / "support" / "node" / "auth0_sdk_check.js"


@pytest.fixture(scope="module")
def emu() -> Iterator[RunningEmulator]:
    """`auth0link emulator` as users run it: HTTPS with its own CA, a bare 127.0.0.1:PORT domain."""
    with start_emulator() as running:
        assert running.ca_bundle is not None
        assert ":" in running.domain
        assert "/" not in running.domain
        yield running


def _node(emu: RunningEmulator, *, trust: bool) -> subprocess.CompletedProcess[str]:
    """Run the Node SDK check against ``emu`` (trusting its CA through NODE_EXTRA_CA_CERTS or not)."""
    node_modules = npm_package("auth0", AUTH0_NODE_SDK)
    env = {k: v for k, v in os.environ.items() if k != "NODE_EXTRA_CA_CERTS"}
    env["NODE_PATH"] = str(node_modules)
    if trust:
        env["NODE_EXTRA_CA_CERTS"] = str(emu.ca_bundle)
    return subprocess.run(
        ["node", str(SCRIPT), emu.domain, emu.m2m_client_id, emu.m2m_client_secret, ALICE],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_auth0_node_sdk_client_credentials_then_get_user(emu: RunningEmulator) -> None:
    """Auth0's Node SDK with NODE_EXTRA_CA_CERTS: client credentials, then GET the user, over HTTPS."""
    done = _node(emu, trust=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"token_type": "Bearer", "user_id": ALICE, "email": "alice@example.com"}


def test_auth0_node_sdk_refuses_the_emulator_without_its_ca(emu: RunningEmulator) -> None:
    """Without NODE_EXTRA_CA_CERTS the SDK refuses the certificate: the TLS is real, not bypassed."""
    done = _node(emu, trust=False)
    assert done.returncode == 1
    assert "SELF_SIGNED_CERT_IN_CHAIN" in done.stderr


def test_https_plus_domain_works_with_curl_cacert(emu: RunningEmulator) -> None:
    """Go-style "https://" + domain: curl --cacert reads discovery and a user with an M2M token."""
    require_tools("curl")
    base = "https://" + emu.domain

    def curl(*args: str) -> subprocess.CompletedProcess[str]:
        command = ["curl", "--silent", "--show-error", "--fail", "--cacert", str(emu.ca_bundle), *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)

    discovery = curl(base + "/.well-known/openid-configuration")
    assert discovery.returncode == 0, discovery.stderr
    assert json.loads(discovery.stdout)["issuer"] == base + "/"
    user = curl("-H", f"authorization: Bearer {emu.m2m_token()}", f"{base}/api/v2/users/{ALICE_ENC}")
    assert user.returncode == 0, user.stderr
    assert json.loads(user.stdout)["user_id"] == ALICE
    untrusted = subprocess.run(
        ["curl", "--silent", "--show-error", base + "/"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert untrusted.returncode == 60  # curl: peer certificate cannot be authenticated with known CA
