"""The --users and --state files: reading, checking, saving (0600), and the tenant they build."""

from __future__ import annotations

import json
import subprocess
from typing import TYPE_CHECKING

import pytest

from auth0link.emulator import EmulatorError
from auth0link.emulator.server.command import main
from auth0link.emulator.server.options import EmulatorOptions
from auth0link.emulator.server.serve import run
from auth0link.emulator.state.persistence import build_tenant, load_state, read_users_file, save_state
from tests.emulator.conftest import BASE
from tests.support.demo_ids import ALICE
from tests.support.emulator import emulator_command

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
    with pytest.raises(EmulatorError, match="line 1: expected a user object, got integer"):
        run(EmulatorOptions(users_file=bad))
    bad.write_text('[{"user_id": "nopipe|", "email": "a@b.c"}]', encoding="utf-8")
    with pytest.raises(EmulatorError, match=r"line 1: user_id must look like 'provider\|id'"):
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
    token = tenant.refresh_tokens.issue(client_id="c", user_id=ALICE, scope="openid", audience=None, sid=None)
    path = tmp_path / "state.json"
    save_state(path, tenant)
    assert path.stat().st_mode & 0o777 == 0o600
    again = build_tenant(BASE, state=load_state(path))
    assert again.key.jwks() == tenant.key.jwks()
    assert [i.provider for i in again.users[ALICE].identities] == ["auth0", "github"]
    assert "github|4242424" not in again.users
    refreshed = again.refresh_tokens.get(token)
    assert refreshed is not None
    assert refreshed.user_id == ALICE
    assert load_state(tmp_path / "absent.json") is None


def test_corrupt_state_file_is_a_configuration_error(tmp_path: Path) -> None:
    """A state file that is not ours is refused with a hint to delete it."""
    path = tmp_path / "state.json"
    path.write_text('{"version": 99}', encoding="utf-8")
    with pytest.raises(EmulatorError, match="delete it"):
        load_state(path)


DAMAGED_STATES = {
    "garbage key": {"version": 1, "signing_key_pem": "-----BEGIN PRIVATE KEY-----\nnot a key\n"},
    "key of the wrong type": {"version": 1, "signing_key_pem": 42},
    "users not a list": {"version": 1, "users": "alice"},
    "user without identities": {"version": 1, "users": [{"user_id": "auth0|x", "identities": []}]},
    "user missing its id": {"version": 1, "users": [{"identities": []}]},
    "passwords not an object": {"version": 1, "users": [], "passwords": ["x"]},
    "refresh token with unknown fields": {"version": 1, "refresh_tokens": {"t": {"who": "me"}}},
}


@pytest.mark.parametrize("content", DAMAGED_STATES.values(), ids=DAMAGED_STATES.keys())
def test_damaged_state_is_one_error_naming_the_file(tmp_path: Path, content: dict[str, object]) -> None:
    """A state file that is valid JSON but malformed (a garbage key, …) is an EmulatorError naming file and fix."""
    path = tmp_path / "state.json"
    path.write_text(json.dumps(content), encoding="utf-8")
    with pytest.raises(EmulatorError, match="delete it to start fresh") as caught:
        load_state(path)
    assert str(path) in str(caught.value)
    assert "\n" not in str(caught.value)


def test_damaged_state_exits_2_with_one_error_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """main(["--state", FILE]) with a garbage signing key prints one error: line and returns 2."""
    path = tmp_path / "state.json"
    path.write_text(json.dumps(DAMAGED_STATES["garbage key"]), encoding="utf-8")
    assert main(["--port", "0", "--state", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"error: the state file {path} is damaged")
    assert captured.err.count("\n") == 1


@pytest.mark.e2e
@pytest.mark.parametrize("via", ["cli", "module"])
def test_damaged_state_real_process_exits_2(tmp_path: Path, via: str) -> None:
    """The real process (auth0link emulator / python -m auth0link.emulator) exits 2 with one line, no traceback."""
    path = tmp_path / "state.json"
    path.write_text(json.dumps(DAMAGED_STATES["garbage key"]), encoding="utf-8")
    done = subprocess.run(
        emulator_command("--state", str(path), via="cli" if via == "cli" else "module"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert done.stderr.startswith(f"error: the state file {path} is damaged")
    assert done.stderr.count("\n") == 1
    assert path.read_text(encoding="utf-8") == json.dumps(DAMAGED_STATES["garbage key"])


def test_state_folder_is_created_and_file_is_private(tmp_path: Path) -> None:
    """save_state creates a missing folder (0700) and writes the file 0600, atomically (no temp left)."""
    path = tmp_path / "new" / "dir" / "state.json"
    save_state(path, build_tenant(BASE))
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert [p.name for p in path.parent.iterdir()] == ["state.json"]
    assert json.loads(path.read_text(encoding="utf-8"))["version"] == 1
