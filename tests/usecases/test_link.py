"""``auth0link link`` as a use case (``auth0link.usecases.link``) against the emulator in process.

Alice is logged in for real; the second login goes through the emulator's login pages
(``tenant.second_login``), so the ID token, ``auth_time`` and each account's own access token are
the tenant's. The shared sequence's own behaviour is in test_safe_link and test_link_outcome.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import pytest

from auth0link.cli import exit_code_for
from auth0link.emulator.state import demo
from auth0link.errors import (
    AlreadyLinked,
    Cancelled,
    Conflict,
    ExitCode,
    IdTokenError,
    OAuthError,
    Refused,
    UsageError,
)
from auth0link.models import LinkResult, User, split_user_id
from auth0link.usecases.backups import BackupFiles
from auth0link.usecases.link import LinkOptions, SignedInUser, link_account
from auth0link.usecases.link_checks import user_check
from auth0link.usecases.second_login import SecondLogin, SecondLoginRequest
from tests.support.demo_ids import ALICE, BOB, GITHUB, GOOGLE, SMS_USER

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from auth0link.client import Auth0Client
    from auth0link.models import LinkPlan
    from tests.support.tenant import LocalTenant

ALICE_ONLY_AND_AN_UNVERIFIED_PHONE = [
    {"user_id": ALICE, "email": "alice@example.com", "email_verified": True, "password": demo.ALICE_PASSWORD},
    {"user_id": SMS_USER, "phone_number": "+15555550123", "phone_verified": False},
]


def alice(local: LocalTenant) -> SignedInUser:
    """Alice, logged in through the login pages, as the CLI passes the primary."""
    tokens = local.tokens()
    return SignedInUser(user_id=ALICE, access_token=tokens.access_token, id_token=tokens.id_token)


def run_link(
    local: LocalTenant,
    tmp_path: Path,
    *,
    options: LinkOptions | None = None,
    login: Callable[[SecondLoginRequest], SecondLogin] | None = None,
    confirm: bool = True,
    plans: list[LinkPlan] | None = None,
    **kw: Any,
) -> LinkResult:
    """Alice links the account ``login`` signs in to (Google by default); the plan is recorded."""

    def answer(plan: LinkPlan) -> bool:
        if plans is not None:
            plans.append(plan)
        return confirm

    return link_account(
        signed_in=kw.pop("primary", None) or alice(local),
        options=options or LinkOptions(),
        second_login=login or local.second_login(),
        client_for=kw.pop("client_for", local.client),
        backup=BackupFiles(tmp_path / "backups", clock=time.time),
        confirm=answer,
        sleep=lambda _seconds: None,
        **kw,
    )


def recorded(login: Callable[[SecondLoginRequest], SecondLogin], seen: list[SecondLoginRequest]) -> Any:
    """``login``, remembering what it was asked for."""

    def second(request: SecondLoginRequest) -> SecondLogin:
        seen.append(request)
        return login(request)

    return second


def backups(tmp_path: Path) -> list[Path]:
    """Backup files written so far."""
    return sorted((tmp_path / "backups").glob("link-*.json"))


def ids(result: LinkResult) -> list[str]:
    """``provider|user_id`` of each identity of the kept user."""
    return [i.full_id for i in result.user.identities]


def as_bob(local: LocalTenant) -> Callable[[SecondLoginRequest], SecondLogin]:
    """A second login to Bob's database account (another person's verified email)."""
    return local.second_login(email="bob@example.com", connection=demo.DATABASE, password=demo.BOB_PASSWORD)


# -- the link -----------------------------------------------------------------------------------


def test_forced_fresh_second_login_then_link(tenant: LocalTenant, tmp_path: Path) -> None:
    """The login asks for the connection and hint with prompt=login, max_age=0; Google is linked."""
    seen: list[SecondLoginRequest] = []
    reports: list[str] = []
    result = run_link(
        tenant,
        tmp_path,
        options=LinkOptions(connection="google-oauth2", login_hint="Alice@Example.com"),
        login=recorded(tenant.second_login(), seen),
        report=reports.append,
    )
    assert seen == [SecondLoginRequest(connection="google-oauth2", login_hint="Alice@Example.com")]
    assert (seen[0].prompt, seen[0].max_age, seen[0].require_fresh_auth) == ("login", 0, True)
    assert ids(result) == [ALICE, GOOGLE]
    assert (result.secondary_id, result.metadata_patched, result.direction) == (
        GOOGLE,
        ("locale",),
        "current",
    )
    [path] = backups(tmp_path)
    assert result.backup == str(path)
    assert f"Backed up both users to {path}" in reports
    assert tenant.user(GOOGLE) is None


def test_each_account_is_read_with_its_own_token(tenant: LocalTenant, tmp_path: Path) -> None:
    """The kept user is read with Alice's token, the absorbed one with the second login's own token."""
    primary = alice(tenant)
    tokens: list[str] = []

    def client_for(token: str) -> Auth0Client:
        tokens.append(token)
        return tenant.client(token)

    google = tenant.second_login()
    logins: list[SecondLogin] = []

    def second(request: SecondLoginRequest) -> SecondLogin:
        logins.append(google(request))
        return logins[-1]

    run_link(tenant, tmp_path, primary=primary, client_for=client_for, login=second)
    assert tokens == [primary.access_token, logins[0].access_token]


def test_sms_secondary_with_a_verified_phone_links(tenant: LocalTenant, tmp_path: Path) -> None:
    """An SMS account (no email) counts its verified phone; the plan shows its number."""
    plans: list[LinkPlan] = []
    options = LinkOptions(connection="sms", login_hint="+15555550123")
    login = tenant.second_login(email="+15555550123", connection="sms")
    result = run_link(tenant, tmp_path, options=options, login=login, plans=plans)
    assert plans[0].secondary_contact == "+15555550123"
    assert SMS_USER in ids(result)


@pytest.mark.parametrize("tenant", [ALICE_ONLY_AND_AN_UNVERIFIED_PHONE], indirect=True, ids=["sms"])
def test_sms_secondary_with_an_unverified_phone_is_refused(tenant: LocalTenant, tmp_path: Path) -> None:
    """An SMS account whose phone is not verified is refused like an unverified email."""
    options = LinkOptions(connection="sms", login_hint="+15555550123")
    login = tenant.second_login(email="+15555550123", connection="sms")
    with pytest.raises(Refused, match=r"\+15555550123 is not verified"):
        run_link(tenant, tmp_path, options=options, login=login)
    assert tenant.faults.writes() == []


# -- refusals before anything changes -----------------------------------------------------------


def link_google_first(local: LocalTenant) -> Callable[[SecondLoginRequest], SecondLogin]:
    """Link Google into Alice now (an administrator); its login then signs in as Alice."""
    local.client(local.m2m_token()).link_identity(
        ALICE, provider="google-oauth2", user_id=split_user_id(GOOGLE)[1]
    )
    return local.second_login()


@pytest.mark.parametrize(
    "second",
    [
        lambda local: local.second_login(connection=demo.DATABASE, password=demo.ALICE_PASSWORD),
        link_google_first,
    ],
    ids=["the primary itself", "an identity already linked"],
)
def test_second_login_as_the_primary_is_conflict(
    tenant: LocalTenant, tmp_path: Path, second: Callable[[LocalTenant], Any]
) -> None:
    """A second login that returns the primary (reused session, linked identity): exit 7, no change."""
    login = second(tenant)
    writes = list(tenant.faults.writes())
    with pytest.raises(Conflict, match="primary account itself") as info:
        run_link(tenant, tmp_path, login=login)
    assert exit_code_for(info.value) == ExitCode.CONFLICT
    assert "Nothing was changed" in info.value.message
    assert tenant.faults.writes() == writes
    assert backups(tmp_path) == []


def test_linked_between_login_and_read_is_already_linked(tenant: LocalTenant, tmp_path: Path) -> None:
    """The absorbed user linked (by someone else) after its login: AlreadyLinked, exit 7, no backup."""
    google = tenant.second_login()

    def then_linked(request: SecondLoginRequest) -> SecondLogin:
        login = google(request)
        link_google_first(tenant)
        return login

    with pytest.raises(AlreadyLinked, match=f"{GOOGLE} is already linked to {ALICE}") as info:
        run_link(tenant, tmp_path, login=then_linked)
    assert exit_code_for(info.value) == ExitCode.CONFLICT
    assert backups(tmp_path) == []


def test_login_hint_mismatch_names_both_accounts(tenant: LocalTenant, tmp_path: Path) -> None:
    """With --login-hint, signing in as someone else is refused (exit 8) naming both; nothing changed."""
    with pytest.raises(Refused) as info:
        run_link(tenant, tmp_path, options=LinkOptions(login_hint="alice@example.com"), login=as_bob(tenant))
    message = info.value.message
    for part in (BOB, "bob@example.com", "alice@example.com (--login-hint)", ALICE, "Nothing was changed"):
        assert part in message
    assert exit_code_for(info.value) == ExitCode.REFUSED
    assert tenant.faults.writes() == []


def test_different_email_without_a_person_to_ask_is_refused(tenant: LocalTenant, tmp_path: Path) -> None:
    """Another email under --yes / no terminal: Refused (exit 8) before any backup or write."""
    with pytest.raises(Refused, match="does not have the email") as info:
        run_link(tenant, tmp_path, options=LinkOptions(interactive=False), login=as_bob(tenant))
    assert "bob@example.com" in info.value.message
    assert "alice@example.com" in info.value.message
    assert "--allow-different-email" in (info.value.hint or "")
    assert exit_code_for(info.value) == ExitCode.REFUSED
    assert tenant.faults.writes() == []
    assert backups(tmp_path) == []


def test_different_email_on_a_terminal_names_both_and_asks(tenant: LocalTenant, tmp_path: Path) -> None:
    """On a terminal the plan names both accounts and the person decides (no: Cancelled, exit 9)."""
    plans: list[LinkPlan] = []
    with pytest.raises(Cancelled) as info:
        run_link(
            tenant,
            tmp_path,
            options=LinkOptions(interactive=True),
            login=as_bob(tenant),
            confirm=False,
            plans=plans,
        )
    assert plans[0].different_accounts == (f"{ALICE} (alice@example.com)", f"{BOB} (bob@example.com)")
    assert exit_code_for(info.value) == ExitCode.CANCELLED
    assert tenant.faults.writes() == []


@pytest.mark.parametrize(
    "options",
    [LinkOptions(allow_different_email=True), LinkOptions(login_hint="bob@example.com")],
    ids=["--allow-different-email", "--login-hint names it"],
)
def test_different_email_allowed_by_flag_or_naming_hint(
    tenant: LocalTenant, tmp_path: Path, options: LinkOptions
) -> None:
    """--allow-different-email, or a --login-hint naming the second account, lets it link."""
    assert BOB in ids(run_link(tenant, tmp_path, options=options, login=as_bob(tenant)))


def test_emails_compare_case_insensitively() -> None:
    """ALICE@Example.com is the same person as alice@example.com: no different-email question."""
    primary = User.from_api({"user_id": ALICE, "email": "alice@example.com", "email_verified": True})
    other = User.from_api({"user_id": GOOGLE, "email": "ALICE@Example.com", "email_verified": True})
    assert user_check(LinkOptions())(primary, other) is None


def test_stale_auth_time_is_refused(tenant: LocalTenant, tmp_path: Path) -> None:
    """An auth_time older than the start of the second login (minus skew) is a reused session: exit 3."""
    with pytest.raises(IdTokenError, match="not a fresh sign-in") as info:
        run_link(tenant, tmp_path, login=tenant.second_login(started_at=time.time() + 3600))
    assert exit_code_for(info.value) == ExitCode.LOGIN_REQUIRED
    assert tenant.faults.writes() == []


def test_unverified_email_is_refused_with_the_reason(tenant: LocalTenant, tmp_path: Path) -> None:
    """GitHub's unverified email is refused (exit 8), explaining the takeover risk and the override."""
    with pytest.raises(Refused, match="take over") as info:
        run_link(tenant, tmp_path, login=tenant.second_login(connection="github"))
    assert "--allow-unverified" in (info.value.hint or "")
    assert exit_code_for(info.value) == ExitCode.REFUSED
    assert tenant.faults.writes() == []
    assert backups(tmp_path) == []


def test_unverified_in_the_tenant_profile_is_refused(tenant: LocalTenant, tmp_path: Path) -> None:
    """The user record on the tenant decides: verified in the ID token but not in the tenant is refused."""
    google = tenant.second_login()

    def then_unverified(request: SecondLoginRequest) -> SecondLogin:
        login = google(request)
        assert login.claims["email_verified"] is True
        tenant.client(tenant.m2m_token()).patch_user(GOOGLE, {"email_verified": False})
        return login

    with pytest.raises(Refused, match="not verified"):
        run_link(tenant, tmp_path, login=then_unverified)
    assert tenant.faults.writes() == [("PATCH", f"/api/v2/users/{GOOGLE}")]  # only the setup's


def test_allow_unverified_links_anyway(tenant: LocalTenant, tmp_path: Path) -> None:
    """--allow-unverified lets the unverified GitHub account be linked."""
    options = LinkOptions(allow_unverified=True)
    result = run_link(tenant, tmp_path, options=options, login=tenant.second_login(connection="github"))
    assert GITHUB in ids(result)


def test_failed_second_login_keeps_its_class_and_says_nothing_changed(
    tenant: LocalTenant, tmp_path: Path
) -> None:
    """A refused browser login keeps its exit code (3) and adds "Nothing was changed."."""

    def refused(_request: SecondLoginRequest) -> SecondLogin:
        raise OAuthError("The user cancelled.", error="access_denied")

    with pytest.raises(OAuthError, match="Nothing was changed") as info:
        run_link(tenant, tmp_path, login=refused)
    assert exit_code_for(info.value) == ExitCode.LOGIN_REQUIRED
    assert tenant.faults.writes() == []


def test_machine_token_is_refused_before_any_call(tenant: LocalTenant, tmp_path: Path) -> None:
    """A client-credentials token (sub ends in @clients) cannot link: exit 2, no login, no request."""
    token = tenant.m2m_token()
    machine = SignedInUser(user_id=f"{demo.M2M_CLIENT_ID}@clients", access_token=token)
    seen: list[SecondLoginRequest] = []
    before = len(tenant.faults.requests)
    with pytest.raises(UsageError, match="belongs to an application") as info:
        run_link(tenant, tmp_path, primary=machine, login=recorded(tenant.second_login(), seen))
    assert exit_code_for(info.value) == ExitCode.USAGE
    assert (seen, len(tenant.faults.requests)) == ([], before)
