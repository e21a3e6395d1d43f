"""After the link's POST (``auth0link.usecases.link_outcome``): done, not done, or unknown, never a guess.

The emulator in process, with what a network does to the client between it and the tenant
(``tenant.faults``): a lost, late or unreadable answer is read back; a 503 and a 4xx are "not
done"; a 409 while the kept user holds the identity is :class:`~auth0link.errors.AlreadyLinked`;
Ctrl-C says what was done so far (the ledger).
"""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING, Any

import pytest

from auth0link.cli import exit_code_for
from auth0link.errors import AlreadyLinked, ExitCode, Interrupted, LinkAborted
from auth0link.usecases.admin import MachineTenant
from auth0link.usecases.backups import BackupFiles
from auth0link.usecases.readback import DELAYS
from auth0link.usecases.safe_link import LinkOutcome, LinkSubject, MergeOptions, Observer, safe_link
from tests.support.demo_ids import ALICE, GOOGLE

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from pathlib import Path

    from auth0link.models import Identity, LinkPlan, User
    from auth0link.usecases.safe_link import Tenant
    from tests.support.tenant import LocalTenant

ALICE_PATH = f"/api/v2/users/{ALICE}"
LINK_PATH = f"{ALICE_PATH}/identities"


def run(
    local: LocalTenant,
    tmp_path: Path,
    *,
    through: Tenant | None = None,
    confirm: Callable[[LinkPlan], bool] = lambda _plan: True,
    sleep: Callable[[float], None] = lambda _seconds: None,
    reports: list[str] | None = None,
) -> LinkOutcome:
    """Link Google into Alice through one machine token (the caller's rules accept everything)."""
    return safe_link(
        LinkSubject(ALICE, GOOGLE),
        tenant=through or MachineTenant(local.client(local.m2m_token())),
        check=lambda _kept, _absorbed: None,
        merge=MergeOptions(),
        backup=BackupFiles(tmp_path / "backups", clock=time.time),
        observer=Observer(confirm=confirm, report=(reports if reports is not None else []).append),
        source="test",
        sleep=sleep,
    )


def backup_of(tmp_path: Path) -> str:
    """The one backup file written."""
    [path] = sorted((tmp_path / "backups").glob("link-*.json"))
    return str(path)


def ids(identities: tuple[Identity, ...] | list[Identity]) -> list[str]:
    """``provider|user_id`` of each identity."""
    return [i.full_id for i in identities]


def after_post(local: LocalTenant) -> list[str]:
    """The methods of the requests sent after the (last) link POST."""
    requests = local.faults.requests
    last = len(requests) - 1 - requests[::-1].index(("POST", LINK_PATH))
    return [m for m, _ in requests[last + 1 :]]


# -- not done -------------------------------------------------------------------------------------


def test_refused_link_names_merged_keys_and_backup(tenant: LocalTenant, tmp_path: Path) -> None:
    """A refused POST (400): the merged keys, "not done", the backup; the cause's exit code; no read-back."""
    tenant.faults.fail("POST", LINK_PATH, "400")
    with pytest.raises(LinkAborted) as info:
        run(tenant, tmp_path)
    message = info.value.message
    assert f"Changed: user_metadata keys locale were merged into {ALICE}." in message
    assert f"Link: not done; {GOOGLE} is still a separate user" in message
    assert backup_of(tmp_path) in message
    assert exit_code_for(info.value) == ExitCode.API_ERROR
    assert after_post(tenant) == []


def test_503_to_the_link_is_not_applied(tenant: LocalTenant, tmp_path: Path) -> None:
    """A 503 means "not processed": "not done" (never unknown) and no read-back; exit 5."""
    tenant.faults.fail("POST", LINK_PATH, "503")
    with pytest.raises(LinkAborted, match="Link: not done") as info:
        run(tenant, tmp_path)
    assert "unknown" not in info.value.message
    assert exit_code_for(info.value) == ExitCode.NETWORK
    assert after_post(tenant) == []
    assert tenant.user(GOOGLE) is not None


def test_409_while_the_identity_is_elsewhere_is_not_done(tenant: LocalTenant, tmp_path: Path) -> None:
    """A 409 while the kept user does not hold the identity: "not done", exit 7 (its cause)."""
    tenant.faults.fail("POST", LINK_PATH, "409")
    with pytest.raises(LinkAborted, match="Link: not done") as info:
        run(tenant, tmp_path)
    assert not isinstance(info.value, AlreadyLinked)
    assert exit_code_for(info.value) == ExitCode.CONFLICT


class LinkedMeanwhile(MachineTenant):
    """Someone else links the identity just before this POST reaches the tenant."""

    def link(self, subject: LinkSubject, provider: str, user_id: str) -> list[Identity]:
        """Link it (as the other person), then send this POST: the tenant answers 409."""
        self.client.link_identity(subject.primary_id, provider=provider, user_id=user_id)
        return super().link(subject, provider, user_id)


def test_409_while_the_kept_user_holds_the_identity_is_already_linked(
    tenant: LocalTenant, tmp_path: Path
) -> None:
    """A 409 to the POST while the kept user now holds the identity: AlreadyLinked (exit 7)."""
    with pytest.raises(AlreadyLinked, match="meanwhile") as info:
        run(tenant, tmp_path, through=LinkedMeanwhile(tenant.client(tenant.m2m_token())))
    assert "Link: done, but not by this command" in info.value.message
    assert "keys locale were merged" in info.value.message
    assert exit_code_for(info.value) == ExitCode.CONFLICT


# -- read back ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fault", ["lost", "late:2", "garbled"])
def test_lost_late_or_garbled_answer_is_read_back_as_linked(
    tenant: LocalTenant, tmp_path: Path, fault: str
) -> None:
    """An answer lost, applied after the client gave up, or unreadable: read back, found linked, once."""
    tenant.faults.fail("POST", LINK_PATH, fault)
    reports: list[str] = []
    outcome = run(tenant, tmp_path, reports=reports)
    assert outcome.verified_by_readback is True
    assert ids(outcome.user.identities) == [ALICE, GOOGLE]
    assert tenant.user(GOOGLE) is None
    assert [w for w in tenant.faults.writes() if w[0] == "POST"] == [("POST", LINK_PATH)]
    assert f"The link response was lost; read back {ALICE}: {GOOGLE} is linked." in reports


def test_unsent_request_never_seen_is_unknown_not_not_done(tenant: LocalTenant, tmp_path: Path) -> None:
    """An unsent POST never seen on read-back is unknown (never "not done"), after every read-back."""
    tenant.faults.fail("POST", LINK_PATH, "unsent")
    slept: list[float] = []
    with pytest.raises(LinkAborted, match="whether it was linked is unknown") as info:
        run(tenant, tmp_path, sleep=slept.append)
    message = info.value.message
    assert "Link: unknown." in message
    assert "not done" not in message
    assert backup_of(tmp_path) in message
    assert exit_code_for(info.value) == ExitCode.NETWORK
    assert after_post(tenant) == ["GET"] * len(DELAYS)
    assert slept == [d for d in DELAYS if d]


def test_500_to_the_link_may_be_applied_and_is_read_back(tenant: LocalTenant, tmp_path: Path) -> None:
    """A 5xx other than 503 may have been applied: read back; not shown, so unknown (never "not done")."""
    tenant.faults.fail("POST", LINK_PATH, "500")
    with pytest.raises(LinkAborted, match="whether it was linked is unknown") as info:
        run(tenant, tmp_path)
    assert "not done" not in info.value.message
    assert after_post(tenant) == ["GET"] * len(DELAYS)


def test_failed_read_back_after_a_lost_answer_is_unknown(tenant: LocalTenant, tmp_path: Path) -> None:
    """If reading back fails too, the message says the reading failed and the link is unknown."""

    def confirm(_plan: LinkPlan) -> bool:
        tenant.faults.fail("GET", ALICE_PATH, "404", count=len(DELAYS))  # from now on: after the read
        return True

    tenant.faults.fail("POST", LINK_PATH, "unsent")
    with pytest.raises(LinkAborted, match=f"reading {re.escape(ALICE)} back failed") as info:
        run(tenant, tmp_path, confirm=confirm)
    assert "Link: unknown." in info.value.message
    assert after_post(tenant) == ["GET"] * len(DELAYS)


class AnswersWithoutIt(MachineTenant):
    """A tenant whose answer to the POST does not list the linked identity."""

    def link(self, subject: LinkSubject, provider: str, user_id: str) -> list[Identity]:
        """Link, but answer with the identities as they were."""
        before = list(self.read_user(subject.primary_id).identities)
        super().link(subject, provider, user_id)
        return before


def test_answer_without_the_identity_is_read_back(tenant: LocalTenant, tmp_path: Path) -> None:
    """A 201 that does not list the linked identity is not trusted: the kept user is read back."""
    outcome = run(tenant, tmp_path, through=AnswersWithoutIt(tenant.client(tenant.m2m_token())))
    assert outcome.verified_by_readback is True
    assert GOOGLE in ids(outcome.user.identities)


# -- Ctrl-C ---------------------------------------------------------------------------------------


class InterruptedMerge(MachineTenant):
    """Ctrl-C while the PATCH is in flight."""

    def patch_metadata(self, user_id: str, patch: Mapping[str, Any]) -> User:
        """Interrupt."""
        del user_id, patch
        raise KeyboardInterrupt


class InterruptedLink(MachineTenant):
    """Ctrl-C while the link's POST is in flight."""

    def link(self, subject: LinkSubject, provider: str, user_id: str) -> list[Identity]:
        """Interrupt."""
        del subject, provider, user_id
        raise KeyboardInterrupt


def test_ctrl_c_during_the_link_names_merged_keys_and_unknown_link(
    tenant: LocalTenant, tmp_path: Path
) -> None:
    """Ctrl-C while linking: exit 130; the merged keys are named and the link is unknown."""
    with pytest.raises(Interrupted) as info:
        run(tenant, tmp_path, through=InterruptedLink(tenant.client(tenant.m2m_token())))
    message = info.value.message
    assert message.startswith("Interrupted while linking.")
    assert f"user_metadata keys locale were merged into {ALICE}" in message
    assert "Link: unknown" in message
    assert backup_of(tmp_path) in message
    assert exit_code_for(info.value) == ExitCode.INTERRUPTED


def test_ctrl_c_during_the_merge_says_keys_may_have_merged(tenant: LocalTenant, tmp_path: Path) -> None:
    """Ctrl-C while the PATCH is in flight: the keys may have merged, the link was not attempted."""
    with pytest.raises(Interrupted, match="Interrupted while merging user_metadata") as info:
        run(tenant, tmp_path, through=InterruptedMerge(tenant.client(tenant.m2m_token())))
    assert "keys locale may have been merged" in info.value.message
    assert f"Link: not attempted; {GOOGLE} is still a separate user" in info.value.message
