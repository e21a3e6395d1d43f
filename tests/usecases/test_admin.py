"""Admin link and unlink by user ID (``usecases.admin.admin_link``, ``usecases.unlink.admin_unlink``) with a machine token, in process.

Admin link runs the shared safe-link sequence (its steps and failures are in test_safe_link and
test_link_outcome); here: its own rules (verified and equal emails, a secondary without linked
identities of its own), and unlink with ``--restore-metadata``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from auth0link.cli import exit_code_for
from auth0link.emulator.state import demo
from auth0link.errors import AlreadyLinked, Conflict, ExitCode, LinkAborted, NotFound, Refused
from auth0link.models import LinkResult, split_user_id
from auth0link.usecases.admin import admin_link
from auth0link.usecases.backups import BackupFiles
from auth0link.usecases.unlink import admin_unlink
from tests.support.demo_ids import ALICE, BOB, GITHUB, GOOGLE

if TYPE_CHECKING:
    from auth0link.client import Auth0Client
    from tests.support.tenant import LocalTenant


@pytest.fixture
def tenant(tenant: LocalTenant) -> LocalTenant:
    """The demo tenant; Google's user also has app_metadata (which linking discards)."""
    tenant.client(tenant.m2m_token()).patch_user(GOOGLE, {"app_metadata": {"plan": "pro"}})
    tenant.faults.requests.clear()
    return tenant


@pytest.fixture
def admin(tenant: LocalTenant) -> Auth0Client:
    """A client with the machine token (read:users, update:users)."""
    return tenant.client(tenant.m2m_token())


def link(admin: Auth0Client, backup_dir: Path, secondary: str, **kw: Any) -> LinkResult:
    """Link ``secondary`` into Alice as an administrator."""
    provider, user_id = split_user_id(secondary)
    return admin_link(
        admin,
        primary_id=kw.pop("primary_id", ALICE),
        provider=provider,
        user_id=user_id,
        connection_id=kw.pop("connection_id", None),
        backup=BackupFiles(backup_dir, clock=time.time),
        sleep=lambda _seconds: None,
        **kw,
    )


def test_admin_link_backs_up_merges_and_links(
    tenant: LocalTenant, admin: Auth0Client, tmp_path: Path
) -> None:
    """Admin link writes a 0600 backup, merges (the primary wins) and links by provider and ID."""
    result = link(admin, tmp_path, GOOGLE, connection_id=demo.CONNECTIONS["google-oauth2"][2])
    assert result.metadata_patched == ("locale",)
    alice = tenant.user(ALICE)
    assert alice is not None
    assert alice["user_metadata"] == {"theme": "light", "newsletter": True, "locale": "fr"}
    assert tenant.user(GOOGLE) is None
    assert [i.full_id for i in result.user.identities] == [ALICE, GOOGLE]
    backup = Path(result.backup)
    assert backup.stat().st_mode & 0o777 == 0o600
    assert json.loads(backup.read_text())["absorbed"]["app_metadata"] == {"plan": "pro"}


def test_admin_link_sends_the_connection_id(admin: Auth0Client, tmp_path: Path) -> None:
    """--connection-id goes into the link request: the tenant refuses one that is not the secondary's."""
    with pytest.raises(LinkAborted, match="does not match the secondary user's") as info:
        link(admin, tmp_path, GOOGLE, connection_id=demo.CONNECTIONS["github"][2])
    assert exit_code_for(info.value) == ExitCode.API_ERROR


def test_admin_link_refuses_unverified_unless_allowed_and_twice_is_already_linked(
    tenant: LocalTenant, admin: Auth0Client, tmp_path: Path
) -> None:
    """An unverified email is refused (exit 8) unless allowed; linking it again is AlreadyLinked (exit 7)."""
    with pytest.raises(Refused, match="not verified") as refused:
        link(admin, tmp_path, GITHUB)
    assert exit_code_for(refused.value) == ExitCode.REFUSED
    assert tenant.faults.writes() == []
    link(admin, tmp_path, GITHUB, allow_unverified=True)
    with pytest.raises(AlreadyLinked) as again:
        link(admin, tmp_path, GITHUB)
    assert exit_code_for(again.value) == ExitCode.CONFLICT


def test_admin_link_refuses_different_emails_unless_allowed(
    tenant: LocalTenant, admin: Auth0Client, tmp_path: Path
) -> None:
    """Another person's email is refused (exit 8, both named) unless --allow-unverified overrides it."""
    with pytest.raises(Refused, match="the emails differ") as info:
        link(admin, tmp_path, BOB)
    assert "alice@example.com and bob@example.com" in info.value.message
    assert "--allow-unverified" in info.value.message
    assert tenant.faults.writes() == []
    assert list(tmp_path.iterdir()) == []
    assert BOB in [i.full_id for i in link(admin, tmp_path, BOB, allow_unverified=True).user.identities]


def test_admin_link_refuses_a_secondary_with_identities_of_its_own(
    tenant: LocalTenant, admin: Auth0Client, tmp_path: Path
) -> None:
    """A secondary that is itself a primary of other identities is refused, even when allowed."""
    link(admin, tmp_path / "setup", GITHUB, primary_id=GOOGLE, allow_unverified=True)
    writes = list(tenant.faults.writes())
    with pytest.raises(Refused, match="has linked identities of its own") as info:
        link(admin, tmp_path / "refused", GOOGLE, allow_unverified=True)
    assert exit_code_for(info.value) == ExitCode.REFUSED
    assert tenant.faults.writes() == writes
    assert not (tmp_path / "refused").exists()


# -- unlink ---------------------------------------------------------------------------------------


def test_unlink_restore_metadata_puts_back_what_linking_discarded(
    tenant: LocalTenant, admin: Auth0Client, tmp_path: Path
) -> None:
    """After unlink --restore-metadata the recreated user has its user_metadata and app_metadata again."""
    link(admin, tmp_path, GOOGLE)
    primary, restored, entry = admin_unlink(
        admin, primary_id=ALICE, provider="google-oauth2", user_id=split_user_id(GOOGLE)[1],
        backup_dir=tmp_path, restore_metadata=True,
    )  # fmt: skip
    assert [i.full_id for i in primary.identities] == [ALICE]
    assert restored is not None
    assert entry is not None
    google = tenant.user(GOOGLE)
    assert google is not None
    assert (google["user_metadata"], google["app_metadata"]) == (
        {"theme": "dark", "locale": "fr"},
        {"plan": "pro"},
    )


def test_unlink_without_restore_leaves_a_bare_user(
    tenant: LocalTenant, admin: Auth0Client, tmp_path: Path
) -> None:
    """Without --restore-metadata the unlinked account is a user again, without its old metadata."""
    link(admin, tmp_path, GOOGLE)
    provider, user_id = split_user_id(GOOGLE)
    _, restored, entry = admin_unlink(
        admin, primary_id=ALICE, provider=provider, user_id=user_id, backup_dir=tmp_path
    )
    assert (restored, entry) == (None, None)
    google = tenant.user(GOOGLE)
    assert google is not None
    assert google.get("user_metadata", {}) == {}


def test_restore_without_a_backup_changes_nothing(
    tenant: LocalTenant, admin: Auth0Client, tmp_path: Path
) -> None:
    """--restore-metadata with no backup of that user is refused (exit 6) before unlinking."""
    link(admin, tmp_path, GOOGLE)
    provider, user_id = split_user_id(GOOGLE)
    with pytest.raises(NotFound, match="Nothing was changed") as info:
        admin_unlink(
            admin, primary_id=ALICE, provider=provider, user_id=user_id,
            backup_dir=tmp_path / "empty", restore_metadata=True,
        )  # fmt: skip
    assert exit_code_for(info.value) == ExitCode.NOT_FOUND
    alice = tenant.user(ALICE)
    assert alice is not None
    assert len(alice["identities"]) == 2


def test_unlink_of_an_identity_not_linked_is_conflict(
    tenant: LocalTenant, admin: Auth0Client, tmp_path: Path
) -> None:
    """Admin unlink checks the identity is linked to that user first: exit 7, no DELETE."""
    provider, user_id = split_user_id(GOOGLE)
    with pytest.raises(Conflict, match="not linked") as info:
        admin_unlink(admin, primary_id=ALICE, provider=provider, user_id=user_id, backup_dir=tmp_path)
    assert exit_code_for(info.value) == ExitCode.CONFLICT
    assert tenant.faults.writes() == []
