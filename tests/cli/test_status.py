"""``auth0link status`` against the emulator's tenant, in process: checked with the tenant, as gh does."""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING

import pytest

from auth0link.emulator.state import demo
from auth0link.errors import ExitCode
from tests.cli.conftest import KEY
from tests.support.demo_ids import ALICE

if TYPE_CHECKING:
    from tests.cli.conftest import Wired

M2M = demo.M2M_CLIENT_ID
DAY = 86_400


def revoke_alice(wired: Wired) -> None:
    """Revoke the stored session's refresh token family at the tenant (an admin's "revoke sessions")."""
    stored = wired.store.load(KEY)
    assert stored is not None
    assert stored.refresh_token is not None
    tenant = wired.tenant.emulator.tenant
    record = tenant.refresh_tokens.get(stored.refresh_token)
    assert record is not None
    tenant.refresh_tokens.revoke_family(record.family)


def machine_login(wired: Wired, *, keep_user: bool = False) -> None:
    """``login --machine`` with the emulator's M2M client (the user session removed unless kept)."""
    if not keep_user:
        wired.store.delete(KEY)
    wired.machine_login()


def test_a_working_session_is_checked_with_the_tenant(wired: Wired) -> None:
    """status refreshes the session and reads the user from the Management API; exit 0."""
    result = wired("status")
    assert result.exit_code == 0, result.stderr
    assert f"✓ Logged in as {ALICE} (alice@example.com) — checked with the tenant" in result.stdout
    requests = wired.tenant.faults.requests
    assert ("POST", "/oauth/token") in requests
    assert ("GET", f"/api/v2/users/{ALICE}") in requests


def test_revoked_refresh_tokens_are_reported_with_the_fix_and_exit_3(wired: Wired) -> None:
    """A session whose refresh tokens were revoked is not "logged in", though its access token still works."""
    revoke_alice(wired)
    result = wired("status")
    assert result.exit_code == ExitCode.LOGIN_REQUIRED, result.stdout
    assert "— refused by the tenant" in result.stdout
    assert "refresh token was revoked or expired). Fix: auth0link login" in result.stdout
    assert result.stderr.splitlines()[-1] == "hint: run: auth0link login"


def test_a_revoked_session_expired_by_the_tenant_clock_is_exit_3(wired: Wired) -> None:
    """Revoked, and expired on the tenant's clock (this machine's says valid): exit 3 with the fix."""
    revoke_alice(wired)
    wired.tenant.emulator.tenant.clock.advance(2 * DAY)
    result = wired("status", "--json")
    assert result.exit_code == ExitCode.LOGIN_REQUIRED
    (session,) = json.loads(result.stdout)["sessions"]
    assert session["check"] == "refused"
    assert session["problems"][-1].endswith("Fix: auth0link login")


def test_offline_reads_only_what_is_stored(wired: Wired) -> None:
    """status --offline makes no request: a revoked session still reads as stored (today's answer)."""
    revoke_alice(wired)
    wired.tenant.faults.requests.clear()
    result = wired("status", "--offline")
    assert result.exit_code == 0, result.stderr
    assert "— as stored; not checked with the tenant" in result.stdout
    assert wired.tenant.faults.requests == []


def test_machine_credentials_alone_are_logged_in(wired: Wired) -> None:
    """Right after login --machine, status shows the machine credentials on their own line and exits 0."""
    machine_login(wired)
    result = wired("status")
    assert result.exit_code == 0, result.stdout + result.stderr
    scopes = " ".join(sorted(demo.M2M_SCOPES))
    assert f"✓ Machine credentials: client {M2M}, {scopes} — checked with the tenant" in result.stdout
    assert "Not logged in" not in result.stdout
    assert "not logged in" not in result.stderr
    assert "- No user login" in result.stdout


def test_machine_credentials_beside_a_user_login(wired: Wired) -> None:
    """A profile with both: one block, the user login and the machine credentials on their own lines."""
    machine_login(wired, keep_user=True)
    result = wired("status", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert [s["check"] for s in data["sessions"]] == ["ok"]
    assert [(m["client_id"], m["check"], m["active"]) for m in data["machines"]] == [(M2M, "ok", True)]


def test_refused_machine_credentials_are_exit_3(wired: Wired) -> None:
    """Machine credentials the tenant no longer accepts (an expired token, a rotated secret): exit 3."""
    machine_login(wired)
    tenant = wired.tenant.emulator.tenant
    tenant.clients[M2M] = dataclasses.replace(tenant.clients[M2M], client_secret="rotated")
    tenant.clock.advance(2 * DAY)
    result = wired("status")
    assert result.exit_code == ExitCode.LOGIN_REQUIRED, result.stdout
    assert f"Fix: auth0link login --machine --client-id {M2M}" in result.stdout


def test_an_unreachable_tenant_is_exit_5(wired: Wired) -> None:
    """When the tenant cannot be asked, status says so (exit 5) instead of guessing."""
    wired.tenant.faults.fail("POST", "/oauth/token", "unsent", count=10)
    result = wired("status")
    assert result.exit_code == ExitCode.NETWORK, result.stdout
    assert "— the tenant could not be reached" in result.stdout
    assert "status --offline" in result.stderr


@pytest.mark.parametrize("offline", [False, True], ids=["checked", "offline"])
def test_not_logged_in_at_all_is_exit_3(wired: Wired, *, offline: bool) -> None:
    """No user session and no machine credentials: exit 3 naming both logins."""
    wired.store.delete(KEY)
    result = wired("status", *(["--offline"] if offline else []))
    assert result.exit_code == ExitCode.LOGIN_REQUIRED
    assert "Not logged in. Fix: auth0link login" in result.stdout
    assert "login --machine" in result.stderr


def test_machine_credentials_from_the_environment_count(wired: Wired) -> None:
    """CI: AUTH0LINK_MACHINE_CLIENT_ID and AUTH0LINK_CLIENT_SECRET, nothing stored: checked, exit 0."""
    wired.store.delete(KEY)
    env = {"AUTH0LINK_MACHINE_CLIENT_ID": M2M, "AUTH0LINK_CLIENT_SECRET": demo.M2M_CLIENT_SECRET}
    result = wired("status", "--json", env=env)
    assert result.exit_code == 0, result.stdout + result.stderr
    (machine,) = json.loads(result.stdout)["machines"]
    assert (machine["client_id"], machine["stored"], machine["check"]) == (M2M, False, "ok")
    assert wired.store.keys() == []  # a token for this run only
