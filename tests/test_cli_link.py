"""``auth0link link`` and ``unlink`` through the CLI, against the in-memory tenant."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from auth0link import cli as cli_module
from auth0link.tokens import MemoryTokenStore, TokenSet
from tests.support import idp
from tests.support.fake_tenant import BASE, GOOGLE, PRIMARY, FakeTenant, make_jwt, second_login_as, user

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from auth0link.usecases.link import LoginRequest, SecondLogin
    from tests.conftest import Runner

KEY = f"default:{BASE}:{idp.CLIENT_ID}"


class Wired:
    """The fake tenant, the memory store and the recorded second-login requests of one test."""

    def __init__(self) -> None:
        """Alice (primary, logged in) and her Google account; GitHub linked already."""
        alice = user(PRIMARY, theme="light")
        alice["identities"].append(
            {"provider": "github", "user_id": "42", "connection": "github", "isSocial": True}
        )
        self.tenant = FakeTenant(alice, user(GOOGLE, theme="dark", locale="fr"))
        self.store = MemoryTokenStore()
        self.store.save(
            KEY,
            TokenSet(
                access_token=FakeTenant.token_for(PRIMARY),
                expires_at=4_000_000_000,
                id_token=make_jwt({"sub": PRIMARY, "exp": 4_000_000_000}),
                user_id=PRIMARY,
            ),
        )
        self.login: Callable[[LoginRequest], SecondLogin] = second_login_as(auth_time=4_000_000_000)
        self.logins = 0
        self.real_second_login: Any = None

    def handler(self, request: httpx.Request) -> httpx.Response:
        """Management API → fake tenant; discovery and JWKS → the test IdP."""
        path = request.url.path
        if path == "/.well-known/openid-configuration":
            return httpx.Response(200, json=idp.discovery_document(BASE))
        if path == "/.well-known/jwks.json":
            return httpx.Response(200, json=idp.jwks())
        return self.tenant.handler(request)


@pytest.fixture
def wired(monkeypatch: pytest.MonkeyPatch) -> Wired:
    """Point the CLI at the fake tenant with a stored primary session and a scripted second login."""
    state = Wired()
    monkeypatch.setenv("AUTH0LINK_DOMAIN", BASE)
    monkeypatch.setenv("AUTH0LINK_CLIENT_ID", idp.CLIENT_ID)
    original_init = cli_module.App.__init__

    def init(self: cli_module.App, **kw: Any) -> None:
        original_init(self, **kw)
        self.transport = httpx.MockTransport(state.handler)

    monkeypatch.setattr(cli_module.App, "__init__", init)
    monkeypatch.setattr(cli_module.App, "store", property(lambda _self: state.store))
    real_second_login = cli_module._second_login

    def fake_second_login(app: cli_module.App, **kw: Any) -> Callable[[LoginRequest], SecondLogin]:
        if kw["id_token_from_stdin"]:
            return real_second_login(app, **kw)

        def login(request: LoginRequest) -> SecondLogin:
            state.logins += 1
            return state.login(request)

        return login

    monkeypatch.setattr(cli_module, "_second_login", fake_second_login)
    state.real_second_login = real_second_login
    return state


def backups(isolated_env: Path) -> list[Path]:
    """Backup files in the isolated data dir."""
    return sorted((isolated_env / "data" / "backups").glob("link-*.json"))


def test_link_yes_json_prints_identities_and_backup(cli: Runner, wired: Wired, isolated_env: Path) -> None:
    """link --yes --json links, prints the identities as JSON and the backup path on stderr."""
    result = cli("link", "--connection", "google-oauth2", "--yes", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert [f"{i['provider']}|{i['user_id']}" for i in data["identities"]] == [PRIMARY, "github|42", GOOGLE]
    [path] = backups(isolated_env)
    assert str(path) in result.stderr
    assert "+ locale" in result.stderr
    assert wired.tenant.users[PRIMARY]["user_metadata"] == {"theme": "light", "locale": "fr"}


def test_link_without_tty_or_yes_fails_fast(cli: Runner, wired: Wired) -> None:
    """No TTY and no --yes: exit 2 before any login, saying to pass --yes."""
    result = cli("link")
    assert result.exit_code == 2
    assert "--yes" in result.stderr
    assert wired.logins == 0


def test_link_prompt_on_tty_declined(cli: Runner, wired: Wired, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a TTY the merge is shown and confirmed; answering no changes nothing (exit 1)."""
    monkeypatch.setattr(cli_module, "_stdin_isatty", lambda: True)
    result = cli("link", input="n\n")
    assert result.exit_code == 1
    assert "Merge and link now?" in result.stderr
    assert "Cancelled" in result.stderr
    assert wired.tenant.writes() == []


def test_link_prompt_on_tty_accepted(cli: Runner, wired: Wired, monkeypatch: pytest.MonkeyPatch) -> None:
    """Answering yes on a TTY links."""
    monkeypatch.setattr(cli_module, "_stdin_isatty", lambda: True)
    result = cli("link", input="y\n")
    assert result.exit_code == 0, result.stderr
    assert GOOGLE not in wired.tenant.users


def test_link_self_is_exit_7(cli: Runner, wired: Wired) -> None:
    """A second login as the primary itself is a conflict (exit 7)."""
    wired.login = second_login_as(PRIMARY, auth_time=4_000_000_000)
    result = cli("link", "--yes")
    assert result.exit_code == 7
    assert "Nothing was changed" in result.stderr


def test_link_unverified_refused_then_allowed(cli: Runner, wired: Wired) -> None:
    """An unverified email is refused (exit 1, says why); --allow-unverified links it."""
    wired.login = second_login_as(email_verified=False, auth_time=4_000_000_000)
    refused = cli("link", "--yes")
    assert refused.exit_code == 1
    assert "take over" in refused.stderr
    allowed = cli("link", "--yes", "--allow-unverified")
    assert allowed.exit_code == 0, allowed.stderr


def test_link_primary_secondary_switches_session(cli: Runner, wired: Wired) -> None:
    """--primary secondary keeps the new account and stores its session."""
    result = cli("link", "--primary", "secondary", "--yes", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["user_id"] == GOOGLE
    saved = wired.store.load(KEY)
    assert saved is not None
    assert saved.user_id == GOOGLE
    assert "Switched the stored session" in result.stderr


def test_logout_during_link_primary_secondary_wins(cli: Runner, wired: Wired) -> None:
    """A logout while `link --primary secondary` waits for the login: the link does not store a session again."""
    inner = second_login_as(auth_time=4_000_000_000)
    logouts = []

    def login_while_another_terminal_logs_out(request: LoginRequest) -> SecondLogin:
        logouts.append(cli("logout"))  # the user logs out elsewhere while the browser is open
        return inner(request)

    wired.login = login_while_another_terminal_logs_out
    result = cli("link", "--primary", "secondary", "--yes")
    assert logouts[0].exit_code == 0, logouts[0].stderr
    assert "Logged out of" in logouts[0].stderr
    assert result.exit_code == 3, result.stderr
    assert "logged out" in result.stderr
    assert "Switched the stored session" not in result.stderr
    assert "still belongs to" not in result.stderr  # nothing is stored after the logout
    assert wired.store.load(KEY) is None
    assert PRIMARY not in wired.tenant.users  # the link itself was done (into the secondary)


def test_id_token_argument_other_than_dash_is_refused(cli: Runner, wired: Wired) -> None:
    """--id-token never takes the token itself (argv leaks): exit 2."""
    result = cli("link", "--id-token", "eyJhbGciOi.x.y", "--yes", "--no-merge-metadata")
    assert result.exit_code == 2
    assert "stdin" in result.stderr


def test_id_token_stdin_requires_no_merge(cli: Runner, wired: Wired) -> None:
    """--id-token - without --no-merge-metadata is exit 2, and says why."""
    result = cli("link", "--id-token", "-", "--yes", input="x\n")
    assert result.exit_code == 2
    assert "--no-merge-metadata" in result.stderr


def test_id_token_stdin_validated_and_linked(cli: Runner, wired: Wired) -> None:
    """A signed secondary ID token on stdin is validated (JWKS, iss, aud, exp) and linked."""
    token = idp.id_token(sub=GOOGLE, nonce=None, iss=BASE + "/")
    result = cli("link", "--id-token", "-", "--no-merge-metadata", "--yes", input=token + "\n")
    assert result.exit_code == 0, result.stderr
    assert GOOGLE not in wired.tenant.users
    assert wired.logins == 0


def test_id_token_stdin_bad_signature_is_exit_3(cli: Runner, wired: Wired) -> None:
    """An ID token signed by another key is refused (exit 3) and nothing is changed."""
    token = idp.id_token(sub=GOOGLE, key=idp.other_private_key())
    result = cli("link", "--id-token", "-", "--no-merge-metadata", "--yes", input=token)
    assert result.exit_code == 3
    assert "Nothing was changed" in result.stderr
    assert wired.tenant.writes() == []


def test_unlink_one_prints_remaining_tsv(cli: Runner, wired: Wired) -> None:
    """unlink PROVIDER USER_ID --yes deletes it and prints the remaining identities as TSV."""
    result = cli("unlink", "github", "42", "--yes")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("provider\tuser_id")
    assert [line.split("\t")[:2] for line in lines[1:]] == [["auth0", "p1"]]
    assert ("DELETE", f"/api/v2/users/{PRIMARY}/identities/github/42", None) in wired.tenant.writes()


def test_unlink_primary_is_exit_2(cli: Runner, wired: Wired) -> None:
    """Unlinking the primary identity is refused with exit 2 and an explanation."""
    result = cli("unlink", "auth0", "p1", "--yes")
    assert result.exit_code == 2
    assert "primary identity" in result.stderr


def test_unlink_not_linked_is_exit_7(cli: Runner, wired: Wired) -> None:
    """Unlinking an identity that is not linked is exit 7."""
    result = cli("unlink", "twitter", "9", "--yes")
    assert result.exit_code == 7
    assert "not linked" in result.stderr


def test_unlink_stdin_pipeline_form(cli: Runner, wired: Wired) -> None:
    """`identities --secondary-only | auth0link unlink - --yes` input (header + rows) unlinks them."""
    tsv = "provider\tuser_id\tconnection\tsocial\tprimary\tname\temail\ngithub\t42\tgithub\tyes\tno\t\t\n\n"
    result = cli("unlink", "-", "--yes", "--json", input=tsv)
    assert result.exit_code == 0, result.stderr
    assert [i["user_id"] for i in json.loads(result.stdout)["identities"]] == ["p1"]


def test_unlink_stdin_bad_line_is_exit_2_with_line_number(cli: Runner, wired: Wired) -> None:
    """A malformed stdin line is exit 2 naming its line number; nothing is unlinked."""
    result = cli("unlink", "-", "--yes", input="github\t42\nnot-a-pair\n")
    assert result.exit_code == 2
    assert "stdin line 2" in result.stderr
    assert wired.tenant.writes() == []


def test_unlink_stdin_without_yes_is_exit_2(cli: Runner, wired: Wired) -> None:
    """`unlink -` cannot prompt (stdin is the data): --yes is required."""
    result = cli("unlink", "-", input="github\t42\n")
    assert result.exit_code == 2
    assert "--yes" in result.stderr
    assert wired.tenant.writes() == []


def test_unlink_missing_user_id_is_exit_2(cli: Runner, wired: Wired) -> None:
    """PROVIDER without USER_ID is a usage error."""
    result = cli("unlink", "github", "--yes")
    assert result.exit_code == 2
    assert "USER_ID" in result.stderr


def test_no_browser_prints_url_and_ssh_forwarding(
    cli: Runner, wired: Wired, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--no-browser never opens a browser and prints the URL with the ssh -L line for its port."""
    from auth0link.auth import pkce as pkce_flow
    from auth0link.models import TokenResponse

    monkeypatch.setattr(cli_module, "_second_login", wired.real_second_login)
    monkeypatch.setenv("BROWSER", "/bin/false %s")
    opened: list[bool] = []

    def fake_run(_client: Any, **kw: Any) -> pkce_flow.PkceResult:
        assert (kw["prompt"], kw["max_age"], kw["require_fresh_auth"]) == ("login", 0, True)
        url = f"{BASE}/authorize?redirect_uri=http%3A%2F%2F127.0.0.1%3A8485%2Fcallback&prompt=login"
        kw["on_url"](url)
        opened.append(kw["open_browser"](url))
        claims = {
            "sub": GOOGLE,
            "email": "alice@example.com",
            "email_verified": True,
            "auth_time": 4_000_000_000,
        }
        id_token = make_jwt(claims)
        tokens = TokenResponse(FakeTenant.token_for(GOOGLE), "Bearer", 60, id_token=id_token)
        return pkce_flow.PkceResult(tokens=tokens, claims=claims, redirect_uri="r", started_at=4_000_000_000)

    monkeypatch.setattr(pkce_flow, "run_pkce_login", fake_run)
    result = cli("link", "--no-browser", "--yes")
    assert result.exit_code == 0, result.stderr
    assert opened == [False]
    assert "ssh -L 8485:127.0.0.1:8485" in result.stderr
    assert f"{BASE}/authorize?" in result.stderr


def test_id_token_stdin_that_is_not_utf8_is_exit_2(cli: Runner, wired: Wired) -> None:
    """--id-token - with binary stdin: one line saying stdin is not UTF-8, exit 2, nothing changed."""
    result = cli("link", "--id-token", "-", "--no-merge-metadata", "--yes", input=b"eyJ\xff\xfe\x00garbage")
    assert result.exit_code == 2, result.stderr
    assert result.stderr.splitlines()[0] == "error: stdin is not UTF-8 text (expected an ID token)."
    assert "--id-token -" in result.stderr.splitlines()[1]
    assert wired.tenant.writes() == []
