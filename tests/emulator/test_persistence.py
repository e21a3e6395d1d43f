"""The --users and --state files: reading, checking, saving (0600), and the tenant they build."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from auth0link.emulator import EmulatorError
from auth0link.emulator.options import EmulatorOptions
from auth0link.emulator.persistence import build_tenant, load_state, read_users_file, save_state
from auth0link.emulator.server import run
from tests.emulator.conftest import ALICE, BASE

if TYPE_CHECKING:
    from pathlib import Path


def test_unreadable_or_invalid_users_file_is_refused(tmp_path: Path) -> None:
    """A missing, non-JSON or badly shaped users file is a EmulatorError."""
    with pytest.raises(EmulatorError, match="cannot read the users file"):
        run(EmulatorOptions(users_file=tmp_path / "missing.json"))
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(EmulatorError, match="not valid JSON"):
        run(EmulatorOptions(users_file=bad))
    bad.write_text('{"users": [1]}', encoding="utf-8")
    with pytest.raises(EmulatorError, match="JSON list of user objects"):
        run(EmulatorOptions(users_file=bad))
    bad.write_text('[{"user_id": "nopipe"}]', encoding="utf-8")
    with pytest.raises(EmulatorError, match="invalid users file"):
        run(EmulatorOptions(users_file=bad))


def test_users_file_replaces_the_demo_set(tmp_path: Path) -> None:
    """--users loads a custom list (or {"users": [...]}) instead of the demo users."""
    path = tmp_path / "users.json"
    path.write_text(
        json.dumps({"users": [{"user_id": "auth0|x1", "email": "X@Example.com", "password": "p"}]})
    )
    tenant = build_tenant(BASE, users=read_users_file(path))
    assert list(tenant.users) == ["auth0|x1"]
    assert tenant.users["auth0|x1"].email == "x@example.com"


def test_state_round_trip_keeps_key_users_and_refresh_tokens(tmp_path: Path) -> None:
    """save_state/load_state keep the signing key (same JWKS), users (after a link) and RTs."""
    tenant = build_tenant(BASE)
    tenant.users.link(ALICE, "github", "4242424")
    token = tenant.issue_refresh_token(client_id="c", user_id=ALICE, scope="openid", audience=None, sid=None)
    path = tmp_path / "state.json"
    save_state(path, tenant)
    assert path.stat().st_mode & 0o777 == 0o600
    again = build_tenant(BASE, state=load_state(path))
    assert again.key.jwks() == tenant.key.jwks()
    assert [i.provider for i in again.users[ALICE].identities] == ["auth0", "github"]
    assert "github|4242424" not in again.users
    refreshed = again.refresh_token(token)
    assert refreshed is not None
    assert refreshed.user_id == ALICE
    assert load_state(tmp_path / "absent.json") is None


def test_corrupt_state_file_is_a_configuration_error(tmp_path: Path) -> None:
    """A state file that is not ours is refused with a hint to delete it."""
    path = tmp_path / "state.json"
    path.write_text('{"version": 99}', encoding="utf-8")
    with pytest.raises(EmulatorError, match="delete it"):
        load_state(path)
