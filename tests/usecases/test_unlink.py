"""``auth0link unlink`` as a use case (``auth0link.usecases.unlink``) against the emulator in process.

Alice has her Google and GitHub accounts linked and unlinks them with her own token. Network
faults between the client and the tenant (``tenant.faults``) show the read-back: a lost, late or
unreadable answer is resolved by reading Alice back, and reported as unknown when that does not
settle it, never as "still linked".
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest

from auth0link.cli import exit_code_for
from auth0link.client import Auth0Client
from auth0link.emulator.state import demo
from auth0link.errors import Cancelled, Conflict, ExitCode, Interrupted, LinkAborted, UsageError
from auth0link.models import Identity, UnlinkResult, User, split_user_id
from auth0link.usecases.readback import DELAYS
from auth0link.usecases.unlink import check_unlink, parse_identity_lines, unlink_identities
from tests.support.demo_ids import ALICE, GITHUB, GOOGLE
from tests.support.tenant import BASE, LocalTenant

if TYPE_CHECKING:
    from collections.abc import Sequence

ALICE_PATH = f"/api/v2/users/{ALICE}"
GITHUB_PAIR = split_user_id(GITHUB)
GOOGLE_PAIR = split_user_id(GOOGLE)
GITHUB_DELETE = f"{ALICE_PATH}/identities/{GITHUB_PAIR[0]}/{GITHUB_PAIR[1]}"
GOOGLE_DELETE = f"{ALICE_PATH}/identities/{GOOGLE_PAIR[0]}/{GOOGLE_PAIR[1]}"


@pytest.fixture
def tenant(tenant: LocalTenant) -> LocalTenant:
    """The demo tenant with Google and GitHub linked into Alice (by an administrator)."""
    admin = tenant.client(tenant.m2m_token())
    for provider, user_id in (GOOGLE_PAIR, GITHUB_PAIR):
        admin.link_identity(ALICE, provider=provider, user_id=user_id)
    tenant.faults.requests.clear()
    return tenant


class Alice(Auth0Client):
    """Alice's own client; ``interrupt_at`` is the DELETE during which Ctrl-C is pressed (1-based)."""

    def __init__(self, local: LocalTenant, *, interrupt_at: int = 0) -> None:
        """Log Alice in on ``local``."""
        super().__init__(
            BASE, access_token=local.tokens().access_token, transport=local.transport, sleep=lambda _s: None
        )
        self.interrupt_at = interrupt_at
        self.deletes = 0

    def unlink_identity(self, primary_user_id: str, provider: str, user_id: str) -> list[Identity]:
        """Unlink, unless this is the DELETE to interrupt."""
        self.deletes += 1
        if self.deletes == self.interrupt_at:
            raise KeyboardInterrupt
        return super().unlink_identity(primary_user_id, provider, user_id)


def run_unlink(
    local: LocalTenant,
    pairs: list[tuple[str, str]],
    *,
    confirm: bool = True,
    client: Auth0Client | None = None,
    on_confirm: Any = None,
) -> UnlinkResult:
    """Alice unlinks ``pairs`` (read-backs do not sleep); ``on_confirm`` runs at the confirmation."""

    def answer(_user: User, _targets: Sequence[Identity]) -> bool:
        if on_confirm is not None:
            on_confirm()
        return confirm

    return unlink_identities(
        client or Alice(local), ALICE, pairs, confirm=answer, sleep=lambda _seconds: None
    )


def full_ids(identities: Sequence[Identity]) -> list[str]:
    """``provider|user_id`` of each identity."""
    return [i.full_id for i in identities]


# -- reading the pairs ---------------------------------------------------------------------------


def test_parse_lines_skips_header_blank_and_extra_columns() -> None:
    """identities TSV (header, 7 columns, blank lines, duplicates) parses to unique pairs."""
    text = "provider\tuser_id\tconnection\n\ngithub\t4242\tgithub\tyes\ngithub\t4242\n email \t e1 \n"
    assert parse_identity_lines(text.splitlines(keepends=True)) == [("github", "4242"), ("email", "e1")]


@pytest.mark.parametrize("bad", ["github", "github\t", "\t123", "git hub\t1"])
def test_parse_lines_bad_line_names_its_number(bad: str) -> None:
    """A malformed line is a usage error (exit 2) naming the line number."""
    with pytest.raises(UsageError, match="stdin line 2") as info:
        parse_identity_lines(["github\t1\n", bad + "\n"])
    assert exit_code_for(info.value) == ExitCode.USAGE


def test_no_pairs_is_a_usage_error() -> None:
    """No pairs (an empty pipe) is a usage error, not a silent success."""
    alice = User.from_api({"user_id": ALICE, "identities": []})
    with pytest.raises(UsageError, match="No identities"):
        check_unlink(alice, [])


# -- unlinking ------------------------------------------------------------------------------------


def test_unlink_deletes_each_and_returns_the_remaining(tenant: LocalTenant) -> None:
    """Each pair is DELETEd once; the result holds the rest; each becomes a separate user again."""
    result = run_unlink(tenant, [GITHUB_PAIR, GOOGLE_PAIR])
    assert tenant.faults.writes() == [("DELETE", GITHUB_DELETE), ("DELETE", GOOGLE_DELETE)]
    assert full_ids(result.user.identities) == [ALICE]
    assert full_ids(result.unlinked) == [GITHUB, GOOGLE]
    assert tenant.user(GITHUB) is not None
    assert tenant.user(GOOGLE) is not None


def test_unlink_primary_identity_is_usage_error(tenant: LocalTenant) -> None:
    """Unlinking the primary identity itself is refused (exit 2) with an explanation."""
    with pytest.raises(UsageError, match="primary identity") as info:
        run_unlink(tenant, [split_user_id(ALICE)])
    assert exit_code_for(info.value) == ExitCode.USAGE
    assert tenant.faults.writes() == []


def test_unlink_not_linked_is_conflict_and_checks_all_first(tenant: LocalTenant) -> None:
    """An identity that is not linked is exit 7, and nothing is unlinked before all are checked."""
    with pytest.raises(Conflict, match="not linked") as info:
        run_unlink(tenant, [GITHUB_PAIR, ("twitter", "9")])
    assert exit_code_for(info.value) == ExitCode.CONFLICT
    assert tenant.faults.writes() == []


def test_unlink_declined_changes_nothing(tenant: LocalTenant) -> None:
    """Answering no is Cancelled (exit 9) before any DELETE."""
    with pytest.raises(Cancelled, match="Nothing was changed") as info:
        run_unlink(tenant, [GITHUB_PAIR], confirm=False)
    assert exit_code_for(info.value) == ExitCode.CANCELLED
    assert tenant.faults.writes() == []


@pytest.mark.parametrize(("fault", "code"), [("403", ExitCode.API_ERROR), ("503", ExitCode.NETWORK)])
def test_failure_midway_says_what_was_unlinked(tenant: LocalTenant, fault: str, code: ExitCode) -> None:
    """A refused (or 503, not processed) second DELETE: what was unlinked and what is still linked."""
    tenant.faults.fail("DELETE", GOOGLE_DELETE, fault)
    with pytest.raises(LinkAborted) as info:
        run_unlink(tenant, [GITHUB_PAIR, GOOGLE_PAIR])
    assert f"Unlinked: {GITHUB}. Still linked: {GOOGLE}." in info.value.message
    assert "unknown" not in info.value.message.lower()
    assert exit_code_for(info.value) == code


def test_ctrl_c_during_unlink_reports_progress(tenant: LocalTenant) -> None:
    """Ctrl-C during the second DELETE: exit 130; what was unlinked and what is unknown."""
    with pytest.raises(Interrupted, match=re.escape(f"Unlinked: {GITHUB}. Unknown: {GOOGLE}.")) as info:
        run_unlink(tenant, [GITHUB_PAIR, GOOGLE_PAIR], client=Alice(tenant, interrupt_at=2))
    assert exit_code_for(info.value) == ExitCode.INTERRUPTED


# -- lost answers: read back ----------------------------------------------------------------------


@pytest.mark.parametrize("fault", ["lost", "late:2", "garbled"])
def test_lost_late_or_garbled_answer_is_read_back_as_unlinked(tenant: LocalTenant, fault: str) -> None:
    """An answer lost, applied after the client gave up, or unreadable: read back, found unlinked."""
    tenant.faults.fail("DELETE", GITHUB_DELETE, fault)
    result = run_unlink(tenant, [GITHUB_PAIR])
    assert full_ids(result.unlinked) == [GITHUB]
    assert full_ids(result.user.identities) == [ALICE, GOOGLE]
    assert tenant.faults.writes() == [("DELETE", GITHUB_DELETE)]


def test_unsent_request_still_listed_is_unknown(tenant: LocalTenant) -> None:
    """An unsent DELETE still listed after every read-back is unknown, not "still linked"."""
    tenant.faults.fail("DELETE", GITHUB_DELETE, "unsent")
    with pytest.raises(LinkAborted, match="whether it was unlinked is unknown") as info:
        run_unlink(tenant, [GITHUB_PAIR])
    assert f"Unknown: {GITHUB}. Still linked: none." in info.value.message
    assert exit_code_for(info.value) == ExitCode.NETWORK


def test_lost_answer_and_failed_read_back_is_unknown(tenant: LocalTenant) -> None:
    """If reading back after a lost DELETE fails too, the message says the state is unknown."""
    tenant.faults.fail("DELETE", GITHUB_DELETE, "lost")
    with pytest.raises(LinkAborted, match=f"reading {re.escape(ALICE)} back failed") as info:
        run_unlink(
            tenant,
            [GITHUB_PAIR],
            on_confirm=lambda: tenant.faults.fail("GET", ALICE_PATH, "404", count=len(DELAYS)),
        )
    assert "whether it was unlinked is unknown" in info.value.message
    assert f"Unknown: {GITHUB}. Still linked: none." in info.value.message


def test_machine_token_is_refused_before_any_call(tenant: LocalTenant) -> None:
    """A client-credentials token (sub ends in @clients) cannot unlink: exit 2, no request."""
    machine = tenant.client(tenant.m2m_token())
    before = len(tenant.faults.requests)
    with pytest.raises(UsageError, match="belongs to an application") as info:
        unlink_identities(
            machine, f"{demo.M2M_CLIENT_ID}@clients", [GITHUB_PAIR], confirm=lambda _u, _t: True
        )
    assert exit_code_for(info.value) == ExitCode.USAGE
    assert len(tenant.faults.requests) == before
