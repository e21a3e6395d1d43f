"""Undo for a normal user: ``unlink --restore-metadata`` and ``backups restore``, against the emulator in process.

After the unlink, the recreated account is a separate user, which the logged-in user's token
cannot write: the account signs in once more (the injected second login, through the real login
pages) and restores its own ``user_metadata`` with its own token.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from auth0link.emulator.state import demo
from auth0link.errors import ExitCode
from tests.support.demo_ids import ALICE, BOB, GITHUB, GOOGLE
from tests.support.tenant import BASE

if TYPE_CHECKING:
    from pathlib import Path

    from tests.cli.conftest import Wired

GOOGLE_METADATA = {"theme": "dark", "locale": "fr"}


@pytest.fixture
def linked(wired: Wired) -> Wired:
    """Alice linked with her Google account by `auth0link link` (so a backup of Google exists)."""
    result = wired("link", "--connection", "google-oauth2", "--yes")
    assert result.exit_code == 0, result.stderr
    assert wired.tenant.user(GOOGLE) is None
    wired.tenant.faults.requests.clear()
    wired.logins = 0
    return wired


def test_unlink_restore_metadata_signs_in_as_the_account_and_restores_it(linked: Wired) -> None:
    """unlink --restore-metadata: unlinked, then the Google account's own token PATCHes its user_metadata."""
    result = linked("unlink", GOOGLE, "--restore-metadata", "--yes", "--json")
    assert result.exit_code == 0, result.stderr
    assert [i["provider"] for i in json.loads(result.stdout)["identities"]] == ["auth0"]
    recreated = linked.tenant.user(GOOGLE)
    assert recreated is not None
    assert recreated["user_metadata"] == GOOGLE_METADATA
    assert linked.logins == 1
    assert f"Restored the user_metadata of {GOOGLE} from " in result.stderr
    assert ("PATCH", f"/api/v2/users/{GOOGLE}") in linked.writes()
    assert "app_metadata" not in result.stderr  # Google's backup has none


def test_without_a_backup_nothing_is_unlinked(wired: Wired) -> None:
    """No backup of the account: exit 6 before anything changes, and no sign-in."""
    wired.tenant.emulator.tenant.users.link(ALICE, "github", "4242424")
    result = wired("unlink", GITHUB, "--restore-metadata", "--yes")
    assert result.exit_code == ExitCode.NOT_FOUND
    assert "Nothing was changed." in result.stderr
    assert wired.writes() == []
    assert wired.logins == 0


def test_signing_in_as_another_account_restores_nothing_and_says_how_to_finish(linked: Wired) -> None:
    """The wrong account at the sign-in: the unlink is done, the restore refused (8), the command to finish named."""
    linked.second_login = linked.tenant.second_login(
        email="bob@example.com", connection=demo.DATABASE, password=demo.BOB_PASSWORD
    )
    result = linked("unlink", GOOGLE, "--restore-metadata", "--yes")
    assert result.exit_code == ExitCode.REFUSED, result.stderr
    error, hint = result.stderr.splitlines()[-2:]
    assert error.startswith(
        f"error: Unlinked {GOOGLE}, but restoring its user_metadata failed: You signed in as {BOB}"
    )
    assert hint.endswith(f"finish it with: auth0link backups restore '{GOOGLE}'")
    recreated = linked.tenant.user(GOOGLE)
    assert recreated is not None
    assert "user_metadata" not in recreated
    assert linked.tenant.user(BOB)["user_metadata"] == {"theme": "solarized"}  # type: ignore[index]


def test_backups_restore_later_finishes_it(linked: Wired) -> None:
    """After a plain unlink, `backups restore ID` signs in as that account and restores its user_metadata."""
    assert linked("unlink", GOOGLE, "--yes").exit_code == 0
    result = linked("backups", "restore", GOOGLE, "--json", "--yes")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["restored"] == ["user_metadata"]
    assert linked.tenant.user(GOOGLE)["user_metadata"] == GOOGLE_METADATA  # type: ignore[index]


THIS_TENANT = {"domain": BASE, "issuer": BASE + "/"}


def write_backup(
    isolated_env: Path, secondary: dict[str, object], *, tenant: dict[str, str] | None = THIS_TENANT
) -> None:
    """A link backup of ``absorbed`` into Alice, as `link` writes it (``tenant=None``: an older one)."""
    folder = isolated_env / "data" / "backups"
    folder.mkdir(parents=True, exist_ok=True)
    record = {
        "format": "auth0link-link-backup/1",
        "created_at": "2026-11-20T10:00:00+00:00",
        "direction": "current",
        "source": "link",
        "kept": {"user_id": ALICE},
        "absorbed": secondary,
        **({"tenant": tenant} if tenant is not None else {}),
    }
    (folder / "link-20261120T100000Z-abcdef.json").write_text(json.dumps(record))


GITHUB_BACKUP: dict[str, object] = {
    "user_id": GITHUB,
    "email": "alice@example.com",
    "identities": [{"provider": "github", "user_id": "4242424", "connection": "github"}],
    "user_metadata": {"editor": "vim"},
    "app_metadata": {"role": "maintainer"},
}


def test_app_metadata_is_left_to_an_administrator_and_said_so(wired: Wired, isolated_env: Path) -> None:
    """A backup with app_metadata: the user restores user_metadata and is told app_metadata needs admin."""
    wired.tenant.emulator.tenant.users.link(ALICE, "github", "4242424")
    write_backup(isolated_env, GITHUB_BACKUP)
    wired.second_login = wired.tenant.second_login(connection="github")
    result = wired("unlink", GITHUB, "--restore-metadata", "--yes")
    assert result.exit_code == 0, result.stderr
    github = wired.tenant.user(GITHUB)
    assert github is not None
    assert github["user_metadata"] == {"editor": "vim"}
    assert "app_metadata" not in github
    assert f"auth0link backups restore '{GITHUB}' --machine" in result.stderr
    assert "only an administrator" in result.stderr


def test_backups_restore_machine_restores_both(wired: Wired, isolated_env: Path) -> None:
    """backups restore ID --machine (after login --machine) puts back user_metadata and app_metadata."""
    write_backup(isolated_env, GITHUB_BACKUP)
    wired.machine_login()
    result = wired("backups", "restore", GITHUB, "--machine", "--yes")
    assert result.exit_code == 0, result.stderr
    github = wired.tenant.user(GITHUB)
    assert github is not None
    assert (github["user_metadata"], github["app_metadata"]) == ({"editor": "vim"}, {"role": "maintainer"})
    assert wired.logins == 0
    assert "Restored the user_metadata and app_metadata" in result.stderr


OTHER_TENANT = {"domain": "https://rehearsal.test", "issuer": "https://rehearsal.test/"}


def test_a_backup_of_another_tenant_is_refused_naming_both(wired: Wired, isolated_env: Path) -> None:
    """backups restore --machine with a backup of another tenant: exit 8 naming both tenants; nothing written."""
    write_backup(isolated_env, GITHUB_BACKUP, tenant=OTHER_TENANT)
    wired.machine_login()
    result = wired("backups", "restore", GITHUB, "--machine", "--yes")
    assert result.exit_code == ExitCode.REFUSED, result.stderr
    assert "https://rehearsal.test" in result.stderr
    assert BASE in result.stderr
    assert wired.writes() == []


def test_unlink_restore_metadata_checks_the_tenant_before_unlinking(wired: Wired, isolated_env: Path) -> None:
    """unlink --restore-metadata (user and admin) with another tenant's backup: exit 8, still linked."""
    wired.tenant.emulator.tenant.users.link(ALICE, "github", "4242424")
    write_backup(isolated_env, GITHUB_BACKUP, tenant=OTHER_TENANT)
    wired.second_login = wired.tenant.second_login(connection="github")
    user = wired("unlink", GITHUB, "--restore-metadata", "--yes")
    assert user.exit_code == ExitCode.REFUSED, user.stderr
    wired.machine_login()
    admin = wired("unlink", "--user", ALICE, "github", "4242424", "--restore-metadata", "--yes")
    assert admin.exit_code == ExitCode.REFUSED, admin.stderr
    assert "rehearsal.test" in admin.stderr
    assert wired.writes() == []
    assert wired.tenant.user(GITHUB) is None  # still linked into Alice


def test_a_backup_naming_no_tenant_needs_the_explicit_flag(wired: Wired, isolated_env: Path) -> None:
    """An older backup without a tenant: refused (exit 8) unless --allow-unknown-tenant is given."""
    write_backup(isolated_env, GITHUB_BACKUP, tenant=None)
    wired.machine_login()
    refused = wired("backups", "restore", GITHUB, "--machine", "--yes")
    assert refused.exit_code == ExitCode.REFUSED
    assert "--allow-unknown-tenant" in refused.stderr
    assert wired.writes() == []
    allowed = wired("backups", "restore", GITHUB, "--machine", "--yes", "--allow-unknown-tenant")
    assert allowed.exit_code == 0, allowed.stderr
    assert wired.tenant.user(GITHUB)["app_metadata"] == {"role": "maintainer"}  # type: ignore[index]


def test_restore_shows_what_it_writes_and_asks(wired: Wired, isolated_env: Path) -> None:
    """backups restore: without a TTY it needs --yes (exit 2); on a TTY it shows the plan, and "n" cancels."""
    write_backup(isolated_env, GITHUB_BACKUP)
    wired.machine_login()
    no_tty = wired("backups", "restore", GITHUB, "--machine")
    assert no_tty.exit_code == ExitCode.USAGE
    assert "--yes" in no_tty.stderr
    wired.stdin_isatty = True
    declined = wired("backups", "restore", GITHUB, "--machine", input="n\n")
    assert declined.exit_code == ExitCode.CANCELLED, declined.stderr
    assert f"Restore {GITHUB} on the tenant {BASE}" in declined.stderr
    assert "app_metadata: " in declined.stderr
    assert "role" in declined.stderr
    assert wired.writes() == []


def test_link_backups_name_the_tenant(wired: Wired) -> None:
    """A link's backup records the tenant's domain and issuer."""
    assert wired("link", "--connection", "google-oauth2", "--yes").exit_code == 0
    record = json.loads(wired("backups", "show", "--user", ALICE).stdout)
    assert record["tenant"] == {"domain": BASE, "issuer": BASE + "/"}


def test_the_sign_in_instruction_is_not_reported_as_done(
    linked: Wired, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The "Now sign in to …" line is an instruction, not a success: no ✓ on it; the restore gets one."""
    from auth0link.output._streams import Streams

    successes: list[str] = []
    monkeypatch.setattr(Streams, "success", lambda _self, message: successes.append(message))
    result = linked("unlink", GOOGLE, "--restore-metadata", "--yes")
    assert result.exit_code == 0, result.stderr
    assert f"Now sign in to {GOOGLE} to restore its user_metadata" in result.stderr
    assert not [m for m in successes if m.startswith("Now sign in")]
    assert [m for m in successes if m.startswith("Unlinked")]
