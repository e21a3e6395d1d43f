"""``auth0link doctor`` against the emulator's tenant, in process: it agrees with ``status``."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from auth0link.emulator.state import demo
from auth0link.errors import ExitCode
from tests.cli.conftest import KEY
from tests.cli.test_status import revoke_alice

if TYPE_CHECKING:
    from tests.cli.conftest import Wired

# doctor binds the callback ports to see whether they are free: never beside a login holding them
pytestmark = pytest.mark.callback_ports


def checks_of(stdout: str) -> dict[str, dict[str, object]]:
    """doctor --json's checks by name."""
    return {c["name"]: c for c in json.loads(stdout)["checks"]}


def test_doctor_and_status_agree_on_a_session_the_tenant_refuses(wired: Wired) -> None:
    """Revoked refresh tokens: doctor's session line is X with `auth0link login`, as status says (was ✓)."""
    revoke_alice(wired)
    status = json.loads(wired("status", "--json").stdout)
    assert status["sessions"][0]["check"] == "refused"
    result = wired("doctor", "--json")
    assert result.exit_code == ExitCode.ERROR
    session = checks_of(result.stdout)["session"]
    assert session["ok"] is False
    assert session["fix"] == "auth0link login"
    assert "revoked" in str(session["detail"])


def test_doctor_checks_a_working_session_with_the_tenant(wired: Wired) -> None:
    """A session the tenant accepts: ✓ session, checked (not only read from the store)."""
    result = wired("doctor", "--json")
    session = checks_of(result.stdout)["session"]
    assert session["ok"] is True
    assert "the tenant accepted" in str(session["detail"])


def test_a_machine_only_profile_is_checked_without_a_client_id(
    wired: Wired, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No client ID but machine credentials: no "No client ID configured" stop; the machine check runs."""
    wired.store.delete(KEY)
    monkeypatch.delenv("AUTH0LINK_CLIENT_ID")
    wired.machine_login()
    result = wired("doctor", "--json")
    assert result.exit_code == 0, result.stdout + result.stderr
    checks = checks_of(result.stdout)
    assert checks["machine credentials"]["ok"] is True
    assert demo.M2M_CLIENT_ID in str(checks["machine credentials"]["detail"])
    assert checks["user login"]["ok"] is None
    assert "config set client_id" in str(checks["user login"]["fix"])
    assert "authorization code grant" not in checks


def test_no_client_id_and_no_machine_credentials_is_still_the_configuration_error(
    wired: Wired, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Neither a client ID nor machine credentials: exit 2 naming `config set client_id`."""
    monkeypatch.delenv("AUTH0LINK_CLIENT_ID")
    result = wired("doctor")
    assert result.exit_code == ExitCode.USAGE
    assert "No client ID configured." in result.stderr
