"""A 401 from the tenant renews the token once and retries, against the emulator's tenant in process.

The tenant's clock is moved forward (``advance_clock``): the access token the CLI holds still
looks valid on this machine's clock, but the tenant says it expired, as when the two clocks
disagree.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from auth0link.errors import ExitCode
from tests.cli.conftest import KEY
from tests.support.demo_ids import ALICE, GITHUB

if TYPE_CHECKING:
    from tests.cli.conftest import Wired

DAY = 86_400
USER_PATH = f"/api/v2/users/{ALICE}"


def api_and_token_requests(wired: Wired) -> list[tuple[str, str]]:
    """The requests to the Management API and the token endpoint (discovery left out), in order."""
    return [(m, p) for m, p in wired.tenant.faults.requests if p.startswith(("/api/v2/", "/oauth/token"))]


@pytest.fixture
def skewed(wired: Wired) -> Wired:
    """The tenant's clock two days ahead: Alice's access token has expired there, not here."""
    wired.tenant.emulator.tenant.clock.advance(2 * DAY)
    return wired


def test_an_expired_token_at_the_tenant_is_refreshed_and_the_call_retried(skewed: Wired) -> None:
    """identities: 401 → one refresh → the same GET again → exit 0; the new session is stored."""
    before = skewed.store.load(KEY)
    result = skewed("identities", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["user_id"] == ALICE
    assert api_and_token_requests(skewed) == [
        ("GET", USER_PATH),
        ("POST", "/oauth/token"),
        ("GET", USER_PATH),
    ]
    after = skewed.store.load(KEY)
    assert before is not None
    assert after is not None
    assert after.access_token != before.access_token
    assert after.refresh_token != before.refresh_token  # rotated


def test_a_write_rejected_with_401_is_sent_again_once(wired: Wired) -> None:
    """unlink: the DELETE answered 401 (not applied) is re-sent once after a refresh, and applied once."""
    wired.tenant.emulator.tenant.users.link(ALICE, "github", "4242424")
    delete = f"{USER_PATH}/identities/github/4242424"
    wired.tenant.faults.fail("DELETE", delete, "401")
    result = wired("unlink", GITHUB, "--yes")
    assert result.exit_code == 0, result.stderr
    assert wired.writes() == [("DELETE", delete), ("DELETE", delete)]
    assert ("POST", "/oauth/token") in wired.tenant.faults.requests
    assert wired.tenant.user(GITHUB) is not None  # a separate user again


def test_still_401_after_refreshing_is_exit_3_with_the_fix(wired: Wired) -> None:
    """A token the tenant rejects again after a refresh: exit 3 naming the fix; never a third try."""
    wired.tenant.faults.fail("GET", USER_PATH, "401", count=5)
    result = wired("identities")
    assert result.exit_code == ExitCode.LOGIN_REQUIRED
    assert wired.tenant.faults.requests.count(("GET", USER_PATH)) == 2
    assert result.stderr.splitlines()[-1] == "hint: run: auth0link login"


def test_a_revoked_session_behind_the_401_is_exit_3(skewed: Wired) -> None:
    """Expired at the tenant and its refresh tokens revoked: exit 3, "run: auth0link login"."""
    stored = skewed.store.load(KEY)
    assert stored is not None
    assert stored.refresh_token is not None
    tenant = skewed.tenant.emulator.tenant
    record = tenant.refresh_tokens.get(stored.refresh_token)
    assert record is not None
    tenant.refresh_tokens.revoke_family(record.family)
    result = skewed("identities")
    assert result.exit_code == ExitCode.LOGIN_REQUIRED
    assert "can no longer be refreshed" in result.stderr
    assert result.stderr.splitlines()[-1] == "hint: run: auth0link login"


def test_an_env_token_rejected_by_the_tenant_says_to_replace_it(skewed: Wired) -> None:
    """AUTH0LINK_ACCESS_TOKEN cannot be refreshed: its 401 says to set a fresh one (exit 3)."""
    stored = skewed.store.load(KEY)
    assert stored is not None
    result = skewed("identities", env={"AUTH0LINK_ACCESS_TOKEN": stored.access_token})
    assert result.exit_code == ExitCode.LOGIN_REQUIRED
    assert "AUTH0LINK_ACCESS_TOKEN" in result.stderr
    assert ("POST", "/oauth/token") not in skewed.tenant.faults.requests


def test_a_machine_token_expired_at_the_tenant_is_requested_again(wired: Wired) -> None:
    """Admin identities --user: the machine token's 401 re-requests it with the stored secret."""
    wired.machine_login()
    wired.tenant.emulator.tenant.clock.advance(2 * DAY)
    wired.tenant.faults.requests.clear()
    result = wired("identities", "--user", ALICE, "--json")
    assert result.exit_code == 0, result.stderr
    assert api_and_token_requests(wired) == [("GET", USER_PATH), ("POST", "/oauth/token"), ("GET", USER_PATH)]


def test_admin_command_with_an_env_token_the_tenant_rejects_says_to_replace_it(wired: Wired) -> None:
    """identities --user with a rejected AUTH0LINK_ACCESS_TOKEN: one GET, no renewal, exit 3 naming the variable."""
    token = wired.tenant.tokens().access_token  # a user's token: the tenant refuses it for admin reads
    wired.tenant.emulator.tenant.clock.advance(2 * DAY)  # … and it has expired there
    result = wired("identities", "--user", GITHUB, "--json", env={"AUTH0LINK_ACCESS_TOKEN": token})
    assert result.exit_code == ExitCode.LOGIN_REQUIRED, result.stderr
    assert "AUTH0LINK_ACCESS_TOKEN" in result.stderr
    assert "fresh Management API token" in result.stderr
    assert api_and_token_requests(wired) == [("GET", f"/api/v2/users/{GITHUB}")]
