"""The one safe-link sequence (``auth0link.usecases.safe_link``) against the emulator in process.

Driven through :class:`~auth0link.usecases.admin.MachineTenant` (one machine token), so the
steps, refusals and failure messages are the sequence's own; the user's link and admin link
call the same sequence (the last test shows they send the same requests).
"""

from __future__ import annotations

import json
import stat
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from auth0link.cli import exit_code_for
from auth0link.errors import (
    AlreadyLinked,
    ApiError,
    Cancelled,
    ExitCode,
    LinkAborted,
    NetworkError,
    NotFound,
    UsageError,
)
from auth0link.models import split_user_id
from auth0link.usecases.admin import MachineTenant, admin_link
from auth0link.usecases.backups import FORMAT, BackupFiles
from auth0link.usecases.link import LinkOptions, SignedInUser, link_account
from auth0link.usecases.safe_link import LinkOutcome, LinkSubject, MergeOptions, Observer, safe_link
from tests.support.demo_ids import ALICE, GOOGLE

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from auth0link.models import Identity, LinkPlan, LinkResult, User
    from auth0link.usecases.safe_link import Tenant
    from tests.support.tenant import LocalTenant

GOOGLE_PATH = f"/api/v2/users/{GOOGLE}"
ALICE_PATH = f"/api/v2/users/{ALICE}"
LINK_PATH = f"{ALICE_PATH}/identities"


def machine(local: LocalTenant) -> MachineTenant:
    """The sequence's view of the tenant through one machine (M2M) token."""
    return MachineTenant(local.client(local.m2m_token()))


def run(
    local: LocalTenant,
    tmp_path: Path,
    *,
    through: Tenant | None = None,
    subject: LinkSubject | None = None,
    merge: MergeOptions | None = None,
    confirm: Callable[[LinkPlan], bool] = lambda _plan: True,
    reports: list[str] | None = None,
    steps: list[tuple[str, dict[str, Any]]] | None = None,
) -> LinkOutcome:
    """Link Google into Alice with no rules of the caller's own (``check`` accepts everything)."""

    def record(step: str, **fields: Any) -> None:
        if steps is not None:
            steps.append((step, fields))

    return safe_link(
        subject or LinkSubject(ALICE, GOOGLE),
        tenant=through or machine(local),
        check=lambda _kept, _absorbed: None,
        merge=merge or MergeOptions(),
        backup=BackupFiles(tmp_path / "backups", clock=time.time),
        observer=Observer(
            confirm=confirm, report=(reports if reports is not None else []).append, record=record
        ),
        source="test",
        sleep=lambda _seconds: None,
    )


def backups(tmp_path: Path) -> list[Path]:
    """Backup files written so far."""
    return sorted((tmp_path / "backups").glob("link-*.json"))


def ids(identities: tuple[Identity, ...] | list[Identity]) -> list[str]:
    """``provider|user_id`` of each identity."""
    return [i.full_id for i in identities]


# -- the sequence ---------------------------------------------------------------------------------


def test_backs_up_then_merges_new_keys_then_links(tenant: LocalTenant, tmp_path: Path) -> None:
    """Backup (0600) before any write, PATCH of the keys the kept user lacks, POST; each step reported."""
    at_confirm: list[object] = []

    def confirm(plan: LinkPlan) -> bool:
        at_confirm.extend([Path(plan.backup).exists(), list(tenant.faults.writes())])
        return True

    reports: list[str] = []
    steps: list[tuple[str, dict[str, Any]]] = []
    outcome = run(tenant, tmp_path, confirm=confirm, reports=reports, steps=steps)
    assert at_confirm == [True, []]
    assert tenant.faults.writes() == [("PATCH", ALICE_PATH), ("POST", LINK_PATH)]
    assert outcome.plan.merge is not None
    assert outcome.plan.merge.patch == {"locale": "fr"}
    assert outcome.patched == ("locale",)
    alice = tenant.user(ALICE)
    assert alice is not None
    assert alice["user_metadata"] == {"theme": "light", "newsletter": True, "locale": "fr"}
    assert tenant.user(GOOGLE) is None
    assert ids(outcome.user.identities) == [ALICE, GOOGLE]
    assert outcome.verified_by_readback is False
    [path] = backups(tmp_path)
    assert outcome.plan.backup == str(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    doc = json.loads(path.read_text())
    assert (doc["format"], doc["source"], doc["kept"]["user_id"]) == (FORMAT, "test", ALICE)
    assert doc["absorbed"]["user_metadata"] == {"theme": "dark", "locale": "fr"}
    assert reports == [
        f"Backed up both users to {path}",
        f"Merged user_metadata keys into {ALICE}: locale",
    ]
    assert steps == [("backup", {"location": str(path)}), ("merged", {"keys": ["locale"]})]


def test_plan_shows_the_merge_and_the_absorbed_contact(tenant: LocalTenant, tmp_path: Path) -> None:
    """The confirmation gets the conflicts (the kept value wins), the absorbed email and the backup."""
    plans: list[LinkPlan] = []

    def confirm(plan: LinkPlan) -> bool:
        plans.append(plan)
        return True

    run(tenant, tmp_path, confirm=confirm)
    [plan] = plans
    assert plan.merge is not None
    assert plan.merge.conflicts == {"theme": ("light", "dark")}
    assert (plan.primary.user_id, plan.secondary_id, plan.secondary_contact) == (
        ALICE,
        GOOGLE,
        "alice@example.com",
    )
    assert plan.different_accounts is None


def test_prefer_secondary_patches_conflicting_keys(tenant: LocalTenant, tmp_path: Path) -> None:
    """With prefer_secondary the absorbed account's value of a conflicting key is patched in."""
    run(tenant, tmp_path, merge=MergeOptions(prefer_secondary=True))
    alice = tenant.user(ALICE)
    assert alice is not None
    assert alice["user_metadata"]["theme"] == "dark"


def test_no_merge_skips_the_patch_but_not_the_backup(tenant: LocalTenant, tmp_path: Path) -> None:
    """Without the merge: no PATCH, the plan says why, the backup still holds the absorbed user."""
    outcome = run(tenant, tmp_path, merge=MergeOptions(merge=False))
    assert tenant.faults.writes() == [("POST", LINK_PATH)]
    assert outcome.patched == ()
    assert (outcome.plan.merge, outcome.plan.merge_skipped_reason) == (None, "--no-merge-metadata")
    assert json.loads(backups(tmp_path)[0].read_text())["absorbed"]["user_id"] == GOOGLE


SAME_METADATA = [
    {"user_id": ALICE, "email": "alice@example.com", "email_verified": True, "user_metadata": {"a": 1}},
    {"user_id": GOOGLE, "email": "alice@example.com", "email_verified": True, "user_metadata": {"a": 1}},
]


@pytest.mark.parametrize("tenant", [SAME_METADATA], indirect=True, ids=["same metadata"])
def test_nothing_to_merge_sends_no_patch(tenant: LocalTenant, tmp_path: Path) -> None:
    """When the absorbed user adds nothing to user_metadata, no PATCH is sent."""
    run(tenant, tmp_path)
    assert tenant.faults.writes() == [("POST", LINK_PATH)]


def test_split_user_id_keeps_pipes_after_the_provider() -> None:
    """The provider is what precedes the first '|'; the rest is the identity's user_id."""
    assert split_user_id("samlp|conn|u1") == ("samlp", "conn|u1")
    with pytest.raises(UsageError):
        split_user_id("nopipe")


# -- refusals before anything changes -------------------------------------------------------------


def test_the_same_user_twice_is_refused_before_any_request(tenant: LocalTenant, tmp_path: Path) -> None:
    """Kept and absorbed being one user is a usage error (exit 2); nothing is read or written."""
    through = machine(tenant)
    before = len(tenant.faults.requests)
    with pytest.raises(UsageError, match="same user") as info:
        run(tenant, tmp_path, through=through, subject=LinkSubject(ALICE, ALICE))
    assert exit_code_for(info.value) == ExitCode.USAGE
    assert len(tenant.faults.requests) == before


def test_absorbed_user_gone_into_the_kept_one_is_already_linked(tenant: LocalTenant, tmp_path: Path) -> None:
    """Absorbed user gone, and the kept user holds its identity: AlreadyLinked (exit 7), no backup."""
    through = machine(tenant)
    through.client.link_identity(ALICE, provider="google-oauth2", user_id=split_user_id(GOOGLE)[1])
    with pytest.raises(AlreadyLinked, match="already linked") as info:
        run(tenant, tmp_path, through=through)
    assert exit_code_for(info.value) == ExitCode.CONFLICT
    assert "Nothing was changed" in info.value.message
    assert tenant.faults.writes() == [("POST", LINK_PATH)]  # only the setup's own link
    assert backups(tmp_path) == []


@pytest.mark.parametrize(
    ("subject", "match"),
    [
        (LinkSubject(ALICE, "google-oauth2|nobody"), "google-oauth2|nobody does not exist"),
        (LinkSubject("auth0|nobody", "google-oauth2|nobody"), "Neither auth0|nobody nor"),
    ],
    ids=["absorbed", "both"],
)
def test_missing_user_is_not_found_and_changes_nothing(
    tenant: LocalTenant, tmp_path: Path, subject: LinkSubject, match: str
) -> None:
    """A user that does not exist (and is not linked to the kept one) is exit 6; nothing written."""
    with pytest.raises(NotFound, match=match) as info:
        run(tenant, tmp_path, subject=subject)
    assert exit_code_for(info.value) == ExitCode.NOT_FOUND
    assert "Nothing was changed" in info.value.message
    assert tenant.faults.writes() == []
    assert backups(tmp_path) == []


def test_read_failure_changes_nothing(tenant: LocalTenant, tmp_path: Path) -> None:
    """A refused read keeps its class (exit 4) and says nothing was changed; no backup is written."""
    tenant.faults.fail("GET", GOOGLE_PATH, "403")
    with pytest.raises(ApiError, match=r"\(while reading the profiles\)\. Nothing was changed\.") as info:
        run(tenant, tmp_path)
    assert exit_code_for(info.value) == ExitCode.API_ERROR
    assert tenant.faults.writes() == []
    assert backups(tmp_path) == []


class SecondReadFails(MachineTenant):
    """A tenant that stops answering after the first reads."""

    def read_user(self, user_id: str) -> User:
        """Time out."""
        raise NetworkError(f"tenant.test did not answer while reading {user_id}.")


def test_read_failure_after_a_missing_user_changes_nothing(tenant: LocalTenant, tmp_path: Path) -> None:
    """A missing absorbed user, then a failed read of the kept one: the failure says nothing changed."""
    through = SecondReadFails(tenant.client(tenant.m2m_token()))
    with pytest.raises(NetworkError, match=r"\(while reading the profiles\)\. Nothing was changed\.") as info:
        run(tenant, tmp_path, through=through, subject=LinkSubject(ALICE, "google-oauth2|nobody"))
    assert exit_code_for(info.value) == ExitCode.NETWORK
    assert backups(tmp_path) == []


def test_backup_write_failure_changes_nothing(tenant: LocalTenant, tmp_path: Path) -> None:
    """An unwritable backup folder stops the sequence before any change."""
    (tmp_path / "backups").write_text("a file, not a directory")
    with pytest.raises(LinkAborted, match="Could not write the backup") as info:
        run(tenant, tmp_path)
    assert "Nothing was changed" in info.value.message
    assert tenant.faults.writes() == []


def test_no_at_the_confirmation_is_cancelled_and_keeps_the_backup(
    tenant: LocalTenant, tmp_path: Path
) -> None:
    """Answering no: Cancelled (exit 9) before the PATCH; the message points at the backup."""
    with pytest.raises(Cancelled, match=r"Cancelled\. Nothing was changed") as info:
        run(tenant, tmp_path, confirm=lambda _plan: False)
    assert exit_code_for(info.value) == ExitCode.CANCELLED
    [path] = backups(tmp_path)
    assert str(path) in info.value.message
    assert tenant.faults.writes() == []


# -- the merge ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "code"), [("403", ExitCode.API_ERROR), ("503", ExitCode.NETWORK)], ids=["refused", "503"]
)
def test_patch_not_applied_changes_nothing_and_skips_the_link(
    tenant: LocalTenant, tmp_path: Path, fault: str, code: ExitCode
) -> None:
    """A refused PATCH, or a 503 (not processed): nothing changed, link not attempted, backup named."""
    tenant.faults.fail("PATCH", ALICE_PATH, fault)
    with pytest.raises(LinkAborted) as info:
        run(tenant, tmp_path)
    message = info.value.message
    assert "Changed: nothing." in message
    assert f"Link: not attempted; {GOOGLE} is still a separate user" in message
    assert str(backups(tmp_path)[0]) in message
    assert exit_code_for(info.value) == code
    assert tenant.faults.writes() == [("PATCH", ALICE_PATH)]


def test_patch_answer_lost_says_the_keys_may_have_merged(tenant: LocalTenant, tmp_path: Path) -> None:
    """A PATCH whose answer is lost: the keys may have been merged; no link is attempted."""
    tenant.faults.fail("PATCH", ALICE_PATH, "lost")
    with pytest.raises(LinkAborted, match="keys locale may have been merged") as info:
        run(tenant, tmp_path)
    assert str(backups(tmp_path)[0]) in info.value.message
    assert info.value.hint is not None
    assert "run the same command again" in info.value.hint
    assert tenant.faults.writes() == [("PATCH", ALICE_PATH)]


class PatchIgnored(MachineTenant):
    """A tenant that answers the PATCH with the user unchanged (the merge was not applied)."""

    def patch_metadata(self, user_id: str, patch: Mapping[str, Any]) -> User:
        """Answer with the user as it is."""
        del patch
        return self.read_user(user_id)


def test_patch_answer_without_the_keys_aborts_before_linking(tenant: LocalTenant, tmp_path: Path) -> None:
    """A PATCH answered with a user lacking the merged keys stops the sequence before the link."""
    through = PatchIgnored(tenant.client(tenant.m2m_token()))
    with pytest.raises(LinkAborted, match="did not apply the user_metadata merge for keys locale") as info:
        run(tenant, tmp_path, through=through)
    assert "Changed: nothing." in info.value.message
    assert "Link: not attempted" in info.value.message
    assert tenant.faults.writes() == []
    assert tenant.user(GOOGLE) is not None


# -- one sequence for the user's link and admin link ----------------------------------------------


def user_link(local: LocalTenant, tmp_path: Path) -> LinkResult:
    """Alice links her Google account (her own login, then a second one)."""
    tokens = local.tokens()
    primary = SignedInUser(user_id=ALICE, access_token=tokens.access_token, id_token=tokens.id_token)
    return link_account(
        signed_in=primary,
        options=LinkOptions(),
        second_login=local.second_login(),
        client_for=local.client,
        backup=BackupFiles(tmp_path, clock=time.time),
        confirm=lambda _plan: True,
        sleep=lambda _seconds: None,
    )


def machine_link(local: LocalTenant, tmp_path: Path) -> LinkResult:
    """An administrator links Google into Alice by ID with a machine token."""
    return admin_link(
        local.client(local.m2m_token()),
        primary_id=ALICE,
        provider="google-oauth2",
        user_id=split_user_id(GOOGLE)[1],
        connection_id=None,
        backup=BackupFiles(tmp_path, clock=time.time),
        sleep=lambda _seconds: None,
    )


@pytest.mark.parametrize(("entry", "source"), [(user_link, "link"), (machine_link, "link --user")])
def test_user_link_and_admin_link_run_the_same_sequence(
    tenant: LocalTenant, tmp_path: Path, entry: Callable[[LocalTenant, Path], LinkResult], source: str
) -> None:
    """Both back up, PATCH, POST and read back a lost answer alike; only the backup's source differs."""
    tenant.faults.fail("POST", LINK_PATH, "lost")
    result = entry(tenant, tmp_path)
    assert tenant.faults.writes() == [("PATCH", ALICE_PATH), ("POST", LINK_PATH)]
    assert (result.metadata_patched, result.verified_by_readback) == (("locale",), True)
    assert [i.full_id for i in result.user.identities] == [ALICE, GOOGLE]
    doc = json.loads(Path(result.backup).read_text())
    assert (doc["format"], doc["source"], doc["kept"]["user_id"]) == (FORMAT, source, ALICE)
    assert doc["absorbed"]["user_metadata"] == {"theme": "dark", "locale": "fr"}
    assert tenant.user(GOOGLE) is None
