"""The link and unlink use-cases (``auth0link.usecases.link``) against an in-memory tenant."""

from __future__ import annotations

import dataclasses
import json
import stat
from typing import TYPE_CHECKING, Any

import pytest

from auth0link.errors import (
    Auth0LinkError,
    Conflict,
    ExitCode,
    IdTokenError,
    Interrupted,
    LinkAborted,
    LoginRequired,
    OAuthError,
    UsageError,
)
from auth0link.models import TokenResponse, User
from auth0link.tokens import MemoryTokenStore, TokenSet
from auth0link.usecases.link import (
    LinkOptions,
    LinkPlan,
    LoginRequest,
    Primary,
    SecondLogin,
    check_unlink,
    link_account,
    merge_metadata,
    parse_identity_lines,
    split_user_id,
    unlink_identities,
)
from auth0link.usecases.readback import DELAYS
from tests.support.fake_tenant import GOOGLE, NOW, PRIMARY, FakeTenant, make_jwt, second_login_as, user

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path


def primary_session(*, id_token: str | None = None) -> Primary:
    """The logged-in primary as the CLI would pass it."""
    return Primary(user_id=PRIMARY, access_token=FakeTenant.token_for(PRIMARY), id_token=id_token)


def tenant() -> FakeTenant:
    """Alice's database user (primary) and her Google user with other metadata."""
    return FakeTenant(
        user(PRIMARY, theme="light", newsletter=True),
        user(GOOGLE, theme="dark", locale="fr"),
    )


def run_link(
    fake: FakeTenant,
    tmp_path: Path,
    *,
    options: LinkOptions | None = None,
    login: Callable[[LoginRequest], SecondLogin] | None = None,
    confirm: bool = True,
    primary: Primary | None = None,
    plans: list[LinkPlan] | None = None,
    **kw: Any,
) -> Any:
    """Call ``link_account`` with the fake tenant and a recorded confirmation."""

    def answer(plan: LinkPlan) -> bool:
        if plans is not None:
            plans.append(plan)
        return confirm

    return link_account(
        primary=primary or primary_session(),
        options=options or LinkOptions(),
        second_login=login or second_login_as(),
        client_for=fake.client,
        backup_dir=tmp_path / "backups",
        confirm=answer,
        clock=lambda: NOW,
        sleep=kw.pop("sleep", lambda _seconds: None),
        **kw,
    )


def backups(tmp_path: Path) -> list[Path]:
    """Backup files written so far."""
    folder = tmp_path / "backups"
    return sorted(folder.glob("link-*.json")) if folder.exists() else []


# -- pure helpers ------------------------------------------------------------------------------


def test_merge_primary_wins_and_patch_has_only_new_keys() -> None:
    """The kept account's values win; the PATCH carries only keys it lacks."""
    merge = merge_metadata({"theme": "light", "a": 1}, {"theme": "dark", "locale": "fr"}, absorbed_wins=False)
    assert merge.patch == {"locale": "fr"}
    assert merge.merged == {"theme": "light", "a": 1, "locale": "fr"}
    assert merge.conflicts == {"theme": ("light", "dark")}


def test_merge_prefer_secondary_overwrites_conflicts() -> None:
    """With prefer-secondary the absorbed account's conflicting values are patched in."""
    merge = merge_metadata({"theme": "light"}, {"theme": "dark"}, absorbed_wins=True)
    assert merge.patch == {"theme": "dark"}
    assert merge.merged == {"theme": "dark"}


def test_merge_never_sends_null_and_detects_no_change() -> None:
    """A null value (which would delete the key) is never sent; equal metadata needs no PATCH."""
    assert merge_metadata({"a": 1}, {"a": 1, "b": None}, absorbed_wins=True).changes is False


def test_split_user_id_keeps_pipes_after_provider() -> None:
    """The provider is what precedes the first '|'; the rest is the identity's user_id."""
    assert split_user_id("samlp|conn|u1") == ("samlp", "conn|u1")
    with pytest.raises(UsageError):
        split_user_id("nopipe")


def test_parse_lines_skips_header_blank_and_extra_columns() -> None:
    """identities TSV (header, 7 columns, blank lines, duplicates) parses to unique pairs."""
    text = "provider\tuser_id\tconnection\n\ngithub\t4242\tgithub\tyes\ngithub\t4242\n email \t e1 \n"
    assert parse_identity_lines(text.splitlines(keepends=True)) == [("github", "4242"), ("email", "e1")]


@pytest.mark.parametrize("bad", ["github", "github\t", "\t123", "git hub\t1"])
def test_parse_lines_bad_line_names_its_number(bad: str) -> None:
    """A malformed line is a usage error (exit 2) naming the line number."""
    with pytest.raises(UsageError, match="stdin line 2") as info:
        parse_identity_lines(["github\t1\n", bad + "\n"])
    assert info.value.exit_code == ExitCode.USAGE


# -- link: success ------------------------------------------------------------------------------


def test_link_happy_path_merges_backs_up_and_links(tmp_path: Path) -> None:
    """Backup, PATCH of new keys, then POST link_with; the result lists both identities."""
    fake = tenant()
    seen: list[LoginRequest] = []
    reports: list[str] = []
    result = run_link(
        fake,
        tmp_path,
        options=LinkOptions(connection="google-oauth2", login_hint="Alice@Example.com"),
        login=second_login_as(seen=seen),
        report=reports.append,
    )
    assert seen == [LoginRequest(connection="google-oauth2", login_hint="Alice@Example.com")]
    assert (seen[0].prompt, seen[0].max_age, seen[0].require_fresh_auth) == ("login", 0, True)
    assert [(m, p) for m, p, _ in fake.writes()] == [
        ("PATCH", f"/api/v2/users/{PRIMARY}"),
        ("POST", f"/api/v2/users/{PRIMARY}/identities"),
    ]
    assert fake.writes()[0][2] == {"user_metadata": {"locale": "fr"}}
    assert fake.users[PRIMARY]["user_metadata"] == {"theme": "light", "newsletter": True, "locale": "fr"}
    assert GOOGLE not in fake.users
    assert [i.full_id for i in result.user.identities] == [PRIMARY, GOOGLE]
    assert result.metadata_patched == ("locale",)
    [path] = backups(tmp_path)
    assert result.backup_path == path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    doc = json.loads(path.read_text())
    assert doc["kept"]["user_id"] == PRIMARY
    assert doc["absorbed"]["user_metadata"] == {"theme": "dark", "locale": "fr"}
    assert "access_token" not in doc["absorbed"]["identities"][0]
    assert any(str(path) in line for line in reports)


def test_link_secondary_read_with_its_own_token(tmp_path: Path) -> None:
    """The secondary profile is fetched with the secondary's access token (a user token reads only itself)."""
    fake = tenant()
    run_link(fake, tmp_path)
    gets = [p for m, p, _ in fake.requests if m == "GET"]
    assert f"/api/v2/users/{GOOGLE}" in gets


def test_plan_shows_merge_before_confirmation(tmp_path: Path) -> None:
    """The confirmation receives the merge (conflicts, patch) and the backup path."""
    plans: list[LinkPlan] = []
    run_link(tenant(), tmp_path, plans=plans)
    [plan] = plans
    assert plan.merge is not None
    assert plan.merge.conflicts == {"theme": ("light", "dark")}
    assert plan.backup_path.exists()
    assert plan.absorbed_id == GOOGLE


def test_prefer_secondary_patches_conflicting_keys(tmp_path: Path) -> None:
    """--prefer-secondary-metadata sends the secondary's value for a conflicting key."""
    fake = tenant()
    run_link(fake, tmp_path, options=LinkOptions(prefer_secondary=True))
    assert fake.users[PRIMARY]["user_metadata"]["theme"] == "dark"


def test_no_merge_metadata_skips_patch_but_writes_backup(tmp_path: Path) -> None:
    """--no-merge-metadata: no PATCH, the backup still has both profiles, the link happens."""
    fake = tenant()
    result = run_link(fake, tmp_path, options=LinkOptions(merge_metadata=False))
    assert [m for m, _, _ in fake.writes()] == ["POST"]
    assert result.metadata_patched == ()
    assert json.loads(backups(tmp_path)[0].read_text())["absorbed"]["user_id"] == GOOGLE


def test_identical_metadata_needs_no_patch(tmp_path: Path) -> None:
    """When the secondary adds nothing, no PATCH is sent."""
    fake = FakeTenant(user(PRIMARY, theme="light"), user(GOOGLE, theme="light"))
    run_link(fake, tmp_path)
    assert [m for m, _, _ in fake.writes()] == ["POST"]


def test_passwordless_sms_secondary_counts_phone_verified(tmp_path: Path) -> None:
    """An SMS secondary (no email) with phone_verified goes through the same flow."""
    sms = "sms|s1"
    fake = FakeTenant(user(PRIMARY), user(sms, email=None))
    seen: list[LoginRequest] = []
    login = second_login_as(
        sms, seen=seen, email=None, email_verified=None, phone_number="+1555", phone_verified=True
    )
    result = run_link(fake, tmp_path, options=LinkOptions(connection="sms", login_hint="+1555"), login=login)
    assert seen[0].connection == "sms"
    assert sms in [i.full_id for i in result.user.identities]


# -- link: refusals before anything changes ------------------------------------------------------


def test_self_link_is_conflict_and_changes_nothing(tmp_path: Path) -> None:
    """A second login that returns the primary (reused session / already linked) is exit 7."""
    fake = tenant()
    with pytest.raises(Conflict, match="primary account itself") as info:
        run_link(fake, tmp_path, login=second_login_as(PRIMARY))
    assert info.value.exit_code == ExitCode.CONFLICT
    assert "Nothing was changed" in info.value.message
    assert fake.writes() == []
    assert backups(tmp_path) == []


def test_already_linked_identity_is_conflict(tmp_path: Path) -> None:
    """A secondary that is already one of the primary's identities is refused (exit 7)."""
    fake = tenant()
    fake.users[PRIMARY]["identities"].append(
        {"provider": "google-oauth2", "user_id": "g1", "connection": "g"}
    )
    with pytest.raises(Conflict, match="already linked") as info:
        run_link(fake, tmp_path)
    assert info.value.exit_code == ExitCode.CONFLICT
    assert fake.writes() == []
    assert backups(tmp_path) == []


def test_login_hint_mismatch_names_both_identities(tmp_path: Path) -> None:
    """With --login-hint, logging in as someone else is refused naming both; nothing changed."""
    fake = tenant()
    login = second_login_as(email="mallory@example.com")
    with pytest.raises(LinkAborted) as info:
        run_link(fake, tmp_path, options=LinkOptions(login_hint="alice@example.com"), login=login)
    message = info.value.message
    assert GOOGLE in message
    assert "mallory@example.com" in message
    assert "alice@example.com" in message
    assert PRIMARY in message
    assert "Nothing was changed" in message
    assert fake.writes() == []


def mallory_tenant() -> FakeTenant:
    """Alice (primary) and a Google account with another person's verified email."""
    return FakeTenant(user(PRIMARY, theme="light"), user(GOOGLE, email="mallory@example.com", theme="x"))


def test_different_email_under_yes_is_refused_before_anything_changes(tmp_path: Path) -> None:
    """Another email and no terminal to ask on (--yes / no TTY): refused, no backup, no write."""
    fake = mallory_tenant()
    login = second_login_as(email="mallory@example.com")
    with pytest.raises(LinkAborted, match="does not have the email") as info:
        run_link(fake, tmp_path, login=login, options=LinkOptions(interactive=False))
    message = info.value.message
    assert "mallory@example.com" in message
    assert "alice@example.com" in message
    assert "--allow-different-email" in (info.value.hint or "")
    assert fake.writes() == []
    assert backups(tmp_path) == []


def test_different_email_is_shown_and_asked_on_a_terminal(tmp_path: Path) -> None:
    """On a terminal the plan names both accounts and the person decides (here: no → cancelled)."""
    fake = mallory_tenant()
    plans: list[LinkPlan] = []
    with pytest.raises(LinkAborted, match="Cancelled"):
        run_link(
            fake,
            tmp_path,
            login=second_login_as(email="mallory@example.com"),
            options=LinkOptions(interactive=True),
            confirm=False,
            plans=plans,
        )
    assert plans[0].different_accounts == (
        f"{PRIMARY} (alice@example.com)",
        f"{GOOGLE} (mallory@example.com)",
    )
    assert [m for m, _, _ in fake.writes()] == []


@pytest.mark.parametrize(
    "options",
    [LinkOptions(allow_different_email=True), LinkOptions(login_hint="mallory@example.com")],
    ids=["--allow-different-email", "--login-hint names it"],
)
def test_different_email_allowed_by_flag_or_naming_hint(tmp_path: Path, options: LinkOptions) -> None:
    """--allow-different-email, or a --login-hint that names the second account, lets it link."""
    fake = mallory_tenant()
    result = run_link(fake, tmp_path, login=second_login_as(email="mallory@example.com"), options=options)
    assert GOOGLE in [i.full_id for i in result.user.identities]


def test_same_email_in_another_case_is_not_different(tmp_path: Path) -> None:
    """Emails compare case-insensitively: ALICE@example.com is the same person."""
    fake = tenant()
    result = run_link(fake, tmp_path, login=second_login_as(email="ALICE@Example.com"))
    assert GOOGLE in [i.full_id for i in result.user.identities]


def test_stale_auth_time_is_refused(tmp_path: Path) -> None:
    """An auth_time older than the start of the login (minus skew) means a reused session."""
    fake = tenant()
    with pytest.raises(IdTokenError, match="not a fresh sign-in"):
        run_link(fake, tmp_path, login=second_login_as(auth_time=NOW - 3600))
    assert fake.writes() == []


def test_unverified_email_refused_with_reason(tmp_path: Path) -> None:
    """email_verified false is refused, explaining the account-takeover risk."""
    fake = tenant()
    with pytest.raises(LinkAborted, match="take over") as info:
        run_link(fake, tmp_path, login=second_login_as(email_verified=False))
    assert info.value.hint is not None
    assert "--allow-unverified" in info.value.hint
    assert fake.writes() == []
    assert backups(tmp_path) == []


def test_unverified_in_tenant_profile_also_refused(tmp_path: Path) -> None:
    """Even if the ID token claims verified, a tenant profile saying unverified is refused."""
    fake = FakeTenant(user(PRIMARY), user(GOOGLE, verified=False))
    with pytest.raises(LinkAborted, match="not verified"):
        run_link(fake, tmp_path)
    assert fake.writes() == []


def test_allow_unverified_links_anyway(tmp_path: Path) -> None:
    """--allow-unverified lets an unverified secondary be linked."""
    fake = FakeTenant(user(PRIMARY), user(GOOGLE, verified=False))
    result = run_link(
        fake,
        tmp_path,
        options=LinkOptions(allow_unverified=True),
        login=second_login_as(email_verified=False),
    )
    assert GOOGLE in [i.full_id for i in result.user.identities]


def test_second_login_failure_keeps_class_and_says_nothing_changed(tmp_path: Path) -> None:
    """A failed browser login keeps its exit code and adds 'Nothing was changed.'."""

    def refused(_request: LoginRequest) -> SecondLogin:
        raise OAuthError("The user cancelled.", error="access_denied")

    with pytest.raises(OAuthError, match="Nothing was changed") as info:
        run_link(tenant(), tmp_path, login=refused)
    assert info.value.exit_code == ExitCode.LOGIN_REQUIRED


def test_secondary_fetch_failure_changes_nothing(tmp_path: Path) -> None:
    """If reading a profile fails, nothing is written and no backup exists."""
    fake = tenant()
    fake.fail[("GET", "user")] = 404
    with pytest.raises(Auth0LinkError, match="Nothing was changed") as info:
        run_link(fake, tmp_path)
    assert info.value.exit_code == ExitCode.NOT_FOUND
    assert fake.writes() == []
    assert backups(tmp_path) == []


def test_backup_write_failure_changes_nothing(tmp_path: Path) -> None:
    """An unwritable data dir stops the link before any change."""
    (tmp_path / "backups").write_text("a file, not a directory")
    fake = tenant()
    with pytest.raises(LinkAborted, match="Could not write the backup") as info:
        run_link(fake, tmp_path)
    assert "Nothing was changed" in info.value.message
    assert fake.writes() == []


def test_declined_confirmation_changes_nothing_but_keeps_backup(tmp_path: Path) -> None:
    """Answering no stops before the PATCH; the message points at the backup."""
    fake = tenant()
    with pytest.raises(LinkAborted, match="Cancelled") as info:
        run_link(fake, tmp_path, confirm=False)
    [path] = backups(tmp_path)
    assert str(path) in info.value.message
    assert fake.writes() == []


# -- link: failures after changes ----------------------------------------------------------------


def test_patch_failure_says_nothing_changed_and_names_backup(tmp_path: Path) -> None:
    """A refused PATCH: nothing changed, no link attempted, backup path named."""
    fake = tenant()
    fake.fail[("PATCH", "user")] = 403
    with pytest.raises(LinkAborted) as info:
        run_link(fake, tmp_path)
    message = info.value.message
    assert "Changed: nothing" in message
    assert "not attempted" in message
    assert str(backups(tmp_path)[0]) in message
    assert [m for m, _, _ in fake.writes()] == ["PATCH"]


def test_patch_response_lost_says_keys_may_have_merged(tmp_path: Path) -> None:
    """A PATCH whose response is lost: the message says the keys may have been merged."""
    fake = tenant()
    fake.fail[("PATCH", "user")] = "lost"
    with pytest.raises(LinkAborted, match="locale may have been merged") as info:
        run_link(fake, tmp_path)
    assert str(backups(tmp_path)[0]) in info.value.message


def test_link_failure_after_merge_names_merged_keys_and_backup(tmp_path: Path) -> None:
    """A refused link POST: the message lists the merged keys, says not linked, names the backup."""
    fake = tenant()
    fake.fail[("POST", "identities")] = 400
    with pytest.raises(LinkAborted) as info:
        run_link(fake, tmp_path)
    message = info.value.message
    assert "user_metadata keys locale were merged into auth0|p1" in message
    assert f"not done; {GOOGLE} is still a separate user" in message
    assert str(backups(tmp_path)[0]) in message
    assert info.value.exit_code == ExitCode.API_ERROR  # the cause (a 400) decides the code


def test_lost_link_response_read_back_as_linked(tmp_path: Path) -> None:
    """A lost POST response is not retried: the primary is read back and found linked."""
    fake = tenant()
    fake.fail[("POST", "identities")] = "lost"
    result = run_link(fake, tmp_path)
    assert result.verified_by_readback is True
    assert GOOGLE in [i.full_id for i in result.user.identities]
    assert [m for m, _, _ in fake.writes()].count("POST") == 1


def test_lost_link_request_never_seen_is_unknown_not_not_done(tmp_path: Path) -> None:
    """A dropped POST never seen on read-back is reported as unknown (never "not done"), after retries."""
    fake = tenant()
    fake.fail[("POST", "identities")] = "drop"
    slept: list[float] = []
    with pytest.raises(LinkAborted, match="whether it was linked is unknown") as info:
        run_link(fake, tmp_path, sleep=slept.append)
    assert "Link: unknown." in info.value.message
    assert "not done" not in info.value.message
    assert str(backups(tmp_path)[0]) in info.value.message
    assert info.value.exit_code == ExitCode.NETWORK
    assert [m for m, _, _ in fake.writes()].count("POST") == 1
    reads_after_post = [m for m, _, _ in fake.requests[fake.requests.index(fake.writes()[-1]) :]]
    assert reads_after_post.count("GET") == len(DELAYS)
    assert slept == [d for d in DELAYS if d]


def test_link_applied_after_the_client_gave_up_is_seen_on_read_back(tmp_path: Path) -> None:
    """A POST the server applies after the client timed out is found by a later read-back: success."""
    fake = tenant()
    fake.fail[("POST", "identities")] = "late:2"
    result = run_link(fake, tmp_path)
    assert result.verified_by_readback
    assert [i.full_id for i in result.user.identities] == [PRIMARY, GOOGLE]
    assert GOOGLE not in fake.users


def test_garbled_link_answer_is_read_back_as_linked(tmp_path: Path) -> None:
    """A 201 with an unreadable body: the link happened; read back, report success (not "not done")."""
    fake = tenant()
    fake.fail[("POST", "identities")] = "garbled"
    result = run_link(fake, tmp_path)
    assert result.verified_by_readback
    assert [i.full_id for i in result.user.identities] == [PRIMARY, GOOGLE]


def test_lost_link_response_and_failed_readback_is_unknown(tmp_path: Path) -> None:
    """If the read-back also fails, the message says the link state is unknown."""
    fake = tenant()
    fake.fail[("POST", "identities")] = "drop"
    calls = {"n": 0}
    original = fake.handler

    def flaky(request: Any) -> Any:
        if request.method == "GET" and fake.writes() and fake.writes()[-1][0] == "POST":
            calls["n"] += 1
            fake.fail[("GET", "user")] = 404
        return original(request)

    fake.handler = flaky  # type: ignore[method-assign]
    with pytest.raises(LinkAborted, match="Link: unknown"):
        run_link(fake, tmp_path)
    assert calls["n"] >= 1


def test_ctrl_c_during_link_says_merged_keys_and_unknown_link(tmp_path: Path) -> None:
    """Ctrl-C while the link POST is in flight: exit 130, merged keys named, link state unknown."""
    fake = tenant()
    original = fake.handler

    def interrupt_post(request: Any) -> Any:
        if request.method == "POST":
            raise KeyboardInterrupt
        return original(request)

    fake.handler = interrupt_post  # type: ignore[method-assign]
    with pytest.raises(Interrupted) as info:
        run_link(fake, tmp_path)
    message = info.value.message
    assert message.startswith("Interrupted while linking.")
    assert "user_metadata keys locale were merged" in message
    assert "Link: unknown" in message
    assert str(backups(tmp_path)[0]) in message
    assert info.value.exit_code == ExitCode.INTERRUPTED


def test_ctrl_c_during_unlink_reports_progress() -> None:
    """Ctrl-C during a DELETE: exit 130, the message lists what was unlinked and what is unknown."""
    fake = linked_tenant()
    original = fake.handler
    count = {"n": 0}

    def interrupt_second(request: Any) -> Any:
        if request.method == "DELETE":
            count["n"] += 1
            if count["n"] == 2:
                raise KeyboardInterrupt
        return original(request)

    fake.handler = interrupt_second  # type: ignore[method-assign]
    with pytest.raises(Interrupted, match=f"Unlinked: github\\|42. Unknown: {GOOGLE}."):
        run_unlink(fake, [("github", "42"), ("google-oauth2", "g1")])


# -- --primary secondary --------------------------------------------------------------------


def test_primary_secondary_links_current_into_new_and_switches_session(tmp_path: Path) -> None:
    """The new account is kept: POST to it with the current primary's ID token, then switch session."""
    fake = tenant()
    primary_id_token = make_jwt({"sub": PRIMARY, "exp": NOW + 3600})
    store = MemoryTokenStore()
    result = run_link(
        fake,
        tmp_path,
        options=LinkOptions(primary="secondary"),
        primary=primary_session(id_token=primary_id_token),
        save_session=lambda tokens: store.save("k", tokens),
    )
    method, path, body = fake.writes()[-1]
    assert (method, path) == ("POST", f"/api/v2/users/{GOOGLE}/identities")
    assert body == {"link_with": primary_id_token}
    assert PRIMARY not in fake.users
    assert result.user.user_id == GOOGLE
    assert result.session_switched is True
    saved = store.load("k")
    assert isinstance(saved, TokenSet)
    assert saved.user_id == GOOGLE
    assert saved.access_token == FakeTenant.token_for(GOOGLE)
    assert saved.refresh_token == "rt-new"
    # the kept (Google) account's values win; the old primary's missing keys are merged in
    assert fake.users[GOOGLE]["user_metadata"] == {"theme": "dark", "locale": "fr", "newsletter": True}


def test_primary_secondary_needs_current_id_token(tmp_path: Path) -> None:
    """Without the current primary's ID token --primary secondary fails before any login."""
    called: list[LoginRequest] = []
    with pytest.raises(UsageError, match="ID token"):
        run_link(
            tenant(), tmp_path, options=LinkOptions(primary="secondary"), login=second_login_as(seen=called)
        )
    assert called == []


def test_primary_secondary_refuses_expired_current_id_token(tmp_path: Path) -> None:
    """An expired stored ID token cannot be used as link_with: log in again (exit 3)."""
    stale = make_jwt({"sub": PRIMARY, "exp": NOW - 10})
    with pytest.raises(LoginRequired, match="expired"):
        run_link(
            tenant(),
            tmp_path,
            options=LinkOptions(primary="secondary"),
            primary=primary_session(id_token=stale),
        )


def test_primary_secondary_session_save_failure_says_linked(tmp_path: Path) -> None:
    """If the new session cannot be saved, the message says the link happened and to log in."""
    from auth0link.errors import TokenStorageError

    def broken(_tokens: TokenSet) -> None:
        raise TokenStorageError("keyring locked")

    fake = tenant()
    with pytest.raises(LinkAborted, match="Linked auth0\\|p1 into google-oauth2\\|g1") as info:
        run_link(
            fake,
            tmp_path,
            options=LinkOptions(primary="secondary"),
            primary=primary_session(id_token=make_jwt({"sub": PRIMARY, "exp": NOW + 3600})),
            save_session=broken,
        )
    assert info.value.hint == "run: auth0link login (sign in as any of the linked accounts)"


# -- --id-token - ------------------------------------------------------------------------------


def test_id_token_from_stdin_requires_no_merge(tmp_path: Path) -> None:
    """--id-token - cannot read the secondary's metadata: refused (exit 2) unless --no-merge-metadata."""
    called: list[LoginRequest] = []
    with pytest.raises(UsageError, match="--id-token -") as info:
        run_link(
            tenant(),
            tmp_path,
            options=LinkOptions(id_token_from_stdin=True),
            login=second_login_as(seen=called),
        )
    assert info.value.hint is not None
    assert "--no-merge-metadata" in info.value.hint
    assert called == []


def test_id_token_from_stdin_links_and_backs_up_claims(tmp_path: Path) -> None:
    """With --no-merge-metadata the stdin ID token is linked; the backup keeps its claims."""
    fake = tenant()
    result = run_link(
        fake,
        tmp_path,
        options=LinkOptions(id_token_from_stdin=True, merge_metadata=False),
        login=second_login_as(with_tokens=False),
    )
    assert GOOGLE in [i.full_id for i in result.user.identities]
    assert not any(p == f"/api/v2/users/{GOOGLE}" for _, p, _ in fake.requests)
    doc = json.loads(backups(tmp_path)[0].read_text())
    assert doc["absorbed"]["source"] == "id_token_claims"
    assert doc["absorbed"]["claims"]["sub"] == GOOGLE


def test_id_token_from_stdin_with_primary_secondary_refused(tmp_path: Path) -> None:
    """--primary secondary needs the secondary's access token, which stdin does not give."""
    with pytest.raises(UsageError, match="--primary secondary"):
        run_link(
            tenant(),
            tmp_path,
            options=LinkOptions(id_token_from_stdin=True, merge_metadata=False, primary="secondary"),
        )


# -- unlink ---------------------------------------------------------------------------------------


def linked_tenant() -> FakeTenant:
    """Alice with Google and GitHub identities linked."""
    alice = user(PRIMARY)
    for provider, uid in (("google-oauth2", "g1"), ("github", "42")):
        alice["identities"].append(
            {"provider": provider, "user_id": uid, "connection": provider, "isSocial": True}
        )
    return FakeTenant(alice)


def run_unlink(fake: FakeTenant, pairs: list[tuple[str, str]], *, confirm: bool = True) -> Any:
    """Call ``unlink_identities`` as the primary (read-backs do not sleep)."""
    return unlink_identities(
        fake.client(FakeTenant.token_for(PRIMARY)),
        PRIMARY,
        pairs,
        confirm=lambda _u, _t: confirm,
        sleep=lambda _seconds: None,
    )


def test_unlink_deletes_each_and_returns_remaining() -> None:
    """Each pair is DELETEd once; the result holds the remaining identities."""
    fake = linked_tenant()
    result = run_unlink(fake, [("github", "42"), ("google-oauth2", "g1")])
    assert [(m, p) for m, p, _ in fake.writes()] == [
        ("DELETE", f"/api/v2/users/{PRIMARY}/identities/github/42"),
        ("DELETE", f"/api/v2/users/{PRIMARY}/identities/google-oauth2/g1"),
    ]
    assert [i.full_id for i in result.user.identities] == [PRIMARY]
    assert [i.full_id for i in result.unlinked] == ["github|42", GOOGLE]


def test_unlink_primary_identity_is_usage_error() -> None:
    """Unlinking the primary identity itself is refused with exit 2 and an explanation."""
    fake = linked_tenant()
    with pytest.raises(UsageError, match="primary identity") as info:
        run_unlink(fake, [("auth0", "p1")])
    assert info.value.exit_code == ExitCode.USAGE
    assert fake.writes() == []


def test_unlink_not_linked_is_conflict_and_checks_all_first() -> None:
    """An identity that is not linked is exit 7, and no pair is unlinked before all are checked."""
    fake = linked_tenant()
    with pytest.raises(Conflict, match="not linked") as info:
        run_unlink(fake, [("github", "42"), ("twitter", "9")])
    assert info.value.exit_code == ExitCode.CONFLICT
    assert fake.writes() == []


def test_unlink_empty_input_is_usage_error() -> None:
    """No pairs (an empty pipe) is a usage error, not a silent success."""
    with pytest.raises(UsageError, match="No identities"):
        check_unlink(User.from_api(user(PRIMARY)), [])


def test_unlink_declined_changes_nothing() -> None:
    """Answering no stops before any DELETE."""
    fake = linked_tenant()
    with pytest.raises(LinkAborted, match="Cancelled"):
        run_unlink(fake, [("github", "42")], confirm=False)
    assert fake.writes() == []


def test_unlink_failure_midway_says_what_was_unlinked() -> None:
    """If the second DELETE fails, the message lists what was and was not unlinked."""
    fake = linked_tenant()
    original = fake.handler
    count = {"n": 0}

    def second_delete_fails(request: Any) -> Any:
        if request.method == "DELETE":
            count["n"] += 1
            if count["n"] == 2:
                fake.fail[("DELETE", "identities")] = 403
        return original(request)

    fake.handler = second_delete_fails  # type: ignore[method-assign]
    with pytest.raises(LinkAborted) as info:
        run_unlink(fake, [("github", "42"), ("google-oauth2", "g1")])
    assert "Unlinked: github|42." in info.value.message
    assert f"Still linked: {GOOGLE}." in info.value.message


def test_unlink_lost_response_is_read_back() -> None:
    """A lost DELETE response is resolved by reading the user back, not by retrying."""
    fake = linked_tenant()
    fake.fail[("DELETE", "identities")] = "lost"
    result = run_unlink(fake, [("github", "42")])
    assert "github|42" not in [i.full_id for i in result.user.identities]
    assert len(fake.writes()) == 1


def test_unlink_lost_response_and_failed_read_back_is_unknown() -> None:
    """If the read-back after a lost DELETE fails too, the message says the state is unknown."""
    fake = linked_tenant()
    fake.fail[("DELETE", "identities")] = "lost"
    original = fake.handler

    def readback_fails(request: Any) -> Any:
        if request.method == "GET" and any(m == "DELETE" for m, _, _ in fake.requests):
            fake.fail[("GET", "user")] = 404
        return original(request)

    fake.handler = readback_fails  # type: ignore[method-assign]
    with pytest.raises(LinkAborted, match="whether it was unlinked is unknown") as info:
        run_unlink(fake, [("github", "42")])
    assert "Unknown: github|42. Still linked: none." in info.value.message


def test_unlink_dropped_request_still_listed_is_unknown() -> None:
    """A dropped DELETE still listed after the read-backs is reported as unknown, not "still linked"."""
    fake = linked_tenant()
    fake.fail[("DELETE", "identities")] = "drop"
    with pytest.raises(LinkAborted, match="whether it was unlinked is unknown") as info:
        run_unlink(fake, [("github", "42")])
    assert "Unknown: github|42." in info.value.message


def test_garbled_unlink_answer_is_read_back_as_unlinked() -> None:
    """A 200 with an unreadable body: the unlink happened; read back and report it done."""
    fake = linked_tenant()
    fake.fail[("DELETE", "identities")] = "garbled"
    result = run_unlink(fake, [("github", "42")])
    assert [i.full_id for i in result.unlinked] == ["github|42"]
    assert "github|42" not in [i.full_id for i in result.user.identities]


def test_unlink_applied_late_is_seen_on_read_back() -> None:
    """A DELETE the server applies after the client gave up is found by a later read-back."""
    fake = linked_tenant()
    fake.fail[("DELETE", "identities")] = "late:2"
    result = run_unlink(fake, [("github", "42")])
    assert [i.full_id for i in result.unlinked] == ["github|42"]


# -- the second-login adapters -------------------------------------------------------------------


def test_pkce_second_login_forces_fresh_login(monkeypatch: pytest.MonkeyPatch) -> None:
    """The browser second login passes prompt=login, max_age=0, connection, login_hint, require_fresh_auth."""
    from auth0link.auth import pkce as pkce_flow
    from auth0link.usecases import link as linking

    seen: dict[str, Any] = {}
    tokens = TokenResponse("AT", "Bearer", 60, id_token=make_jwt({"sub": GOOGLE}))

    def fake_run(_client: Any, **kw: Any) -> Any:
        seen.update(kw)
        return pkce_flow.PkceResult(tokens=tokens, claims={"sub": GOOGLE}, redirect_uri="r", started_at=NOW)

    monkeypatch.setattr(pkce_flow, "run_pkce_login", fake_run)
    login = linking.pkce_second_login(
        object(),  # type: ignore[arg-type]
        endpoints=object(),  # type: ignore[arg-type]
        jwks_provider=dict,
        client_id="c",
        scope="openid",
        audience="a",
        callback_ports=(8484,),
        open_browser=lambda _u: False,
        on_url=lambda _u: None,
    )
    result = login(LoginRequest(connection="email", login_hint="a@example.com"))
    assert (seen["prompt"], seen["max_age"], seen["require_fresh_auth"]) == ("login", 0, True)
    assert (seen["connection"], seen["login_hint"]) == ("email", "a@example.com")
    assert result.sub == GOOGLE
    assert result.access_token == "AT"
    assert result.started_at == NOW


def test_stdin_second_login_empty_is_usage_error() -> None:
    """An empty stdin for --id-token - is a usage error."""
    from auth0link.usecases.link import stdin_second_login

    login = stdin_second_login("  \n", jwks_provider=dict, issuer="i", client_id="c")
    with pytest.raises(UsageError, match="No ID token"):
        login(LoginRequest(connection=None, login_hint=None))


def test_link_plan_rendering_shows_added_kept_and_replaced_keys(tmp_path: Path) -> None:
    """The plan on stderr marks added (+), kept (=) and replaced (~) keys."""
    import io

    from auth0link.output import Output

    plans: list[LinkPlan] = []
    run_link(tenant(), tmp_path, plans=plans)
    err = io.StringIO()
    Output(stdout=io.StringIO(), stderr=err, stdout_isatty=False, stderr_isatty=False).link_plan(plans[0])
    text = err.getvalue()
    assert '+ locale: "fr"' in text
    assert '= theme: "light" (kept; the other account had "dark")' in text
    replaced = merge_metadata({"theme": "light"}, {"theme": "dark"}, absorbed_wins=True)
    err2 = io.StringIO()
    out = Output(stdout=io.StringIO(), stderr=err2, stdout_isatty=False, stderr_isatty=False)
    out.link_plan(dataclasses.replace(plans[0], merge=replaced))
    assert '~ theme: "dark" (replaces "light")' in err2.getvalue()


def test_machine_token_is_refused_for_link_and_unlink(tmp_path: Path) -> None:
    """A client-credentials token (sub ends in @clients) is exit 2 for link and unlink, before any call."""
    fake = tenant()
    machine = Primary(user_id="m2m@clients", access_token="tok:m2m@clients")
    with pytest.raises(UsageError, match="belongs to an application"):
        run_link(fake, tmp_path, primary=machine)
    with pytest.raises(UsageError, match="belongs to an application"):
        unlink_identities(
            fake.client("tok:m2m@clients"), "m2m@clients", [("github", "1")], confirm=lambda _u, _t: True
        )
    assert fake.requests == []
