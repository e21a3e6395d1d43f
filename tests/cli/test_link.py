"""``auth0link link`` through the CLI against the emulator's tenant, in process."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from auth0link.errors import ExitCode
from tests.cli.conftest import KEY
from tests.support import idp
from tests.support.demo_ids import ALICE, BOB, GITHUB, GOOGLE, SMS_USER
from tests.support.tenant import BASE, NATIVE

if TYPE_CHECKING:
    from pathlib import Path

    from auth0link.usecases.second_login import SecondLogin, SecondLoginRequest
    from tests.cli.conftest import Wired

DATABASE = "Username-Password-Authentication"


def ids(stdout: str) -> list[str]:
    """``provider|user_id`` of each identity in ``--json`` output."""
    return [f"{i['provider']}|{i['user_id']}" for i in json.loads(stdout)["identities"]]


def backups(isolated_env: Path) -> list[Path]:
    """Backup files in the isolated data dir."""
    return sorted((isolated_env / "data" / "backups").glob("link-*.json"))


def test_link_yes_json_prints_identities_and_backup(wired: Wired, isolated_env: Path) -> None:
    """link --yes --json links, prints the identities as JSON, the merge and the backup path."""
    result = wired("link", "--connection", "google-oauth2", "--yes", "--json")
    assert result.exit_code == 0, result.stderr
    assert ids(result.stdout) == [ALICE, GOOGLE]
    [path] = backups(isolated_env)
    assert str(path) in result.stderr
    assert "+ locale" in result.stderr
    assert wired.tenant.user(ALICE)["user_metadata"] == {"theme": "light", "newsletter": True, "locale": "fr"}  # type: ignore[index]
    assert wired.tenant.user(GOOGLE) is None


def test_link_without_tty_or_yes_fails_fast(wired: Wired) -> None:
    """No TTY and no --yes: exit 2 before any login, saying to pass --yes."""
    result = wired("link")
    assert result.exit_code == ExitCode.USAGE
    assert "--yes" in result.stderr
    assert wired.logins == 0


def test_link_prompt_on_tty_declined_is_cancelled(wired: Wired) -> None:
    """On a TTY the merge is shown and confirmed; answering no changes nothing (exit 9, cancelled)."""
    wired.stdin_isatty = True
    result = wired("link", input="n\n")
    assert result.exit_code == ExitCode.CANCELLED, result.stderr
    assert "Merge and link now?" in result.stderr
    assert "Cancelled" in result.stderr
    assert wired.writes() == []


def test_link_prompt_on_tty_accepted(wired: Wired) -> None:
    """Answering yes on a TTY links."""
    wired.stdin_isatty = True
    result = wired("link", input="y\n")
    assert result.exit_code == 0, result.stderr
    assert wired.tenant.user(GOOGLE) is None


def test_link_self_is_exit_7(wired: Wired) -> None:
    """A second login as the primary itself is a conflict (exit 7)."""
    wired.second_login = wired.tenant.second_login(connection=DATABASE, password="correct-horse-alice")
    result = wired("link", "--yes")
    assert result.exit_code == ExitCode.CONFLICT, result.stderr
    assert "Nothing was changed" in result.stderr


def test_link_unverified_refused_then_allowed(wired: Wired) -> None:
    """GitHub's unverified email is refused (exit 8, says why); --allow-unverified links it."""
    wired.second_login = wired.tenant.second_login(connection="github")
    refused = wired("link", "--yes")
    assert refused.exit_code == ExitCode.REFUSED, refused.stderr
    assert "take over" in refused.stderr
    assert wired.writes() == []
    allowed = wired("link", "--yes", "--allow-unverified", "--json")
    assert allowed.exit_code == 0, allowed.stderr
    assert ids(allowed.stdout) == [ALICE, GITHUB]


def test_another_persons_account_needs_a_yes_on_a_terminal(wired: Wired) -> None:
    """Bob's account under --yes: refused (exit 8); --allow-different-email links it."""
    wired.second_login = wired.tenant.second_login(
        email="bob@example.com", connection=DATABASE, password="correct-horse-bob"
    )
    refused = wired("link", "--yes")
    assert refused.exit_code == ExitCode.REFUSED
    assert "bob@example.com" in refused.stderr
    assert "alice@example.com" in refused.stderr
    assert wired.writes() == []
    allowed = wired("link", "--yes", "--allow-different-email", "--json")
    assert allowed.exit_code == 0, allowed.stderr
    assert ids(allowed.stdout) == [ALICE, BOB]


def test_login_hint_naming_another_account_is_refused(wired: Wired) -> None:
    """--login-hint bob while Google-alice signs in: refused (exit 8), nothing changed."""
    result = wired("link", "--yes", "--login-hint", "bob@example.com")
    assert result.exit_code == ExitCode.REFUSED
    assert "--login-hint" in result.stderr
    assert wired.writes() == []


def test_link_primary_secondary_switches_session(wired: Wired) -> None:
    """--primary secondary keeps the new account and stores its session."""
    result = wired("link", "--primary", "secondary", "--yes", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["user_id"] == GOOGLE
    saved = wired.store.load(KEY)
    assert saved is not None
    assert saved.user_id == GOOGLE
    assert "Switched the stored session" in result.stderr
    assert wired.tenant.user(ALICE) is None


def test_logout_during_link_primary_secondary_wins(wired: Wired) -> None:
    """A logout while `link --primary secondary` waits for the login: no session is stored again."""
    inner = wired.tenant.second_login()
    logouts = []

    def login_while_another_terminal_logs_out(request: SecondLoginRequest) -> SecondLogin:
        logouts.append(wired("logout"))  # the user logs out elsewhere while the browser is open
        return inner(request)

    wired.second_login = login_while_another_terminal_logs_out
    result = wired("link", "--primary", "secondary", "--yes")
    assert logouts[0].exit_code == 0, logouts[0].stderr
    assert "Logged out of" in logouts[0].stderr
    assert result.exit_code == ExitCode.LOGIN_REQUIRED, result.stderr
    assert "logged out" in result.stderr
    assert "Switched the stored session" not in result.stderr
    assert "still belongs to" not in result.stderr
    assert wired.store.load(KEY) is None
    assert wired.tenant.user(ALICE) is None  # the link itself was done (into the secondary)


def test_id_token_argument_other_than_dash_is_refused(wired: Wired) -> None:
    """--id-token never takes the token itself (argv leaks): exit 2."""
    result = wired("link", "--id-token", "eyJhbGciOi.x.y", "--yes", "--no-merge-metadata")
    assert result.exit_code == ExitCode.USAGE
    assert "stdin" in result.stderr


def test_id_token_stdin_requires_no_merge(wired: Wired) -> None:
    """--id-token - without --no-merge-metadata is exit 2, and says why."""
    result = wired("link", "--id-token", "-", "--yes", input="x\n")
    assert result.exit_code == ExitCode.USAGE
    assert "--no-merge-metadata" in result.stderr


def test_id_token_stdin_validated_and_linked(wired: Wired) -> None:
    """The Google account's real ID token on stdin is validated (JWKS, iss, aud, exp) and linked."""
    token = wired.tenant.tokens(connection="google-oauth2", password=None).id_token
    assert token is not None
    result = wired("link", "--id-token", "-", "--no-merge-metadata", "--yes", input=token + "\n")
    assert result.exit_code == 0, result.stderr
    assert wired.tenant.user(GOOGLE) is None
    assert wired.logins == 0


def test_id_token_stdin_bad_signature_is_exit_3(wired: Wired) -> None:
    """An ID token signed by another key is refused (exit 3) and nothing is changed."""
    token = idp.id_token(sub=GOOGLE, key=idp.other_private_key(), iss=BASE + "/", aud=NATIVE, nonce=None)
    result = wired("link", "--id-token", "-", "--no-merge-metadata", "--yes", input=token)
    assert result.exit_code == ExitCode.LOGIN_REQUIRED, result.stderr
    assert "Nothing was changed" in result.stderr
    assert wired.writes() == []


def test_a_malformed_id_token_says_what_is_wrong_and_how_to_get_one(wired: Wired) -> None:
    """A bad --id-token names the problem and how to get a valid token, not "run: auth0link login"."""
    result = wired("link", "--id-token", "-", "--no-merge-metadata", "--yes", input="not-a-jwt\n")
    assert result.exit_code == ExitCode.LOGIN_REQUIRED, result.stderr
    error, hint = result.stderr.splitlines()
    assert error == (
        "error: The ID token read from stdin (--id-token -) was refused: it is not a well-formed JWT. "
        "Nothing was changed."
    )
    assert hint.startswith("hint: pipe a current ID token of the account to link, issued by")
    assert NATIVE in hint
    assert "auth0link link --no-browser" in hint
    assert "run: auth0link login" not in hint


def test_a_second_login_that_times_out_suggests_what_link_can_do(wired: Wired) -> None:
    """link's timeout hint: --timeout, --no-browser with ssh -L, or --id-token -; never --device."""
    wired.second_login = None  # the real browser login, which nobody completes here
    result = wired("link", "--no-browser", "--yes", "--timeout", "1")
    assert result.exit_code == ExitCode.LOGIN_REQUIRED, result.stderr
    hint = result.stderr.splitlines()[-1]
    assert "--device" not in hint
    for advice in ("--timeout SECONDS", "--no-browser", "ssh -L", "--id-token -"):
        assert advice in hint


def test_id_token_stdin_that_is_not_utf8_is_exit_2(wired: Wired) -> None:
    """--id-token - with binary stdin: one line saying stdin is not UTF-8, exit 2, nothing changed."""
    result = wired("link", "--id-token", "-", "--no-merge-metadata", "--yes", input=b"eyJ\xff\xfe\x00garbage")
    assert result.exit_code == ExitCode.USAGE, result.stderr
    assert result.stderr.splitlines()[0] == "error: stdin is not UTF-8 text (expected an ID token)."
    assert "--id-token -" in result.stderr.splitlines()[1]
    assert wired.writes() == []


def test_no_browser_prints_url_and_ssh_forwarding(wired: Wired) -> None:
    """--no-browser never opens a browser; it prints the URL and the ssh -L line for its port."""
    wired.second_login = None  # the real browser login, which nobody completes here
    result = wired("link", "--no-browser", "--yes", "--timeout", "1")
    assert result.exit_code == ExitCode.LOGIN_REQUIRED, result.stderr
    assert wired.opened == []
    port = re.search(r"redirect_uri=http%3A%2F%2F127\.0\.0\.1%3A(\d+)%2F", result.stderr)
    assert port is not None, result.stderr
    assert f"ssh -L {port[1]}:127.0.0.1:{port[1]}" in result.stderr
    assert f"{BASE}/authorize?" in result.stderr
    assert "prompt=login" in result.stderr
    assert wired.writes() == []


SMS_PHONE = "+15555550123"


def test_an_sms_account_with_a_verified_phone_links_without_a_risk_override(wired: Wired) -> None:
    """link --connection sms: the verified phone counts (no --allow-unverified) and the preview names it."""
    wired.second_login = wired.tenant.second_login(email=SMS_PHONE, connection="sms")
    result = wired("link", "--connection", "sms", "--login-hint", SMS_PHONE, "--yes", "--json")
    assert result.exit_code == 0, result.stderr
    assert ids(result.stdout) == [ALICE, SMS_USER]
    assert f"Link {SMS_USER} ({SMS_PHONE}) into {ALICE}." in result.stderr
    assert "()" not in result.stderr
    assert "--allow-unverified" not in result.stderr


def test_an_sms_account_is_named_by_its_number_when_the_contacts_differ(wired: Wired) -> None:
    """Without --login-hint, on a terminal, both accounts are shown (the phone as the SMS one's contact)."""
    wired.second_login = wired.tenant.second_login(email=SMS_PHONE, connection="sms")
    wired.stdin_isatty = True
    result = wired("link", "--connection", "sms", input="y\n")
    assert result.exit_code == 0, result.stderr
    assert f"just signed in:   {SMS_USER} ({SMS_PHONE})" in result.stderr


def test_nothing_to_merge_asks_link_now_not_merge_and_link(wired: Wired) -> None:
    """--no-merge-metadata on a terminal: the question is "Link now?" (there is nothing to merge)."""
    wired.stdin_isatty = True
    result = wired("link", "--connection", "google-oauth2", "--no-merge-metadata", input="n\n")
    assert "Link now? [y/N]" in result.stderr
    assert "Merge and link now?" not in result.stderr


def test_primary_secondary_names_the_app_metadata_that_will_be_lost(wired: Wired) -> None:
    """--primary secondary: Alice is absorbed; her app_metadata key plan: "pro" is named as lost."""
    result = wired("link", "--connection", "google-oauth2", "--primary", "secondary", "--yes")
    assert result.exit_code == 0, result.stderr
    assert 'app_metadata of auth0|65f0a11ce0000000000000a1 that will be lost (never merged): plan: "pro"' in (
        result.stderr
    )
