"""The second login of ``link`` (``auth0link.usecases.second_login``) and what ``link`` does with it.

The browser login runs for real: PKCE with its loopback listener, the emulator's login pages
driven by its scripted user, the code exchanged and the ID token validated against the tenant's
keys. ``--id-token -`` validates a real ID token of the tenant; ``--primary secondary`` switches
the stored session to the second login's tokens.
"""

from __future__ import annotations

import contextlib
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from auth0link.auth.discovery import Endpoints
from auth0link.auth.pkce import DEFAULT_CALLBACK_PORTS, PkceRequest
from auth0link.cli import exit_code_for
from auth0link.emulator.testing.agent import LoginAgent
from auth0link.emulator.testing.transport import SyncASGITransport
from auth0link.errors import (
    ExitCode,
    IdTokenError,
    LinkAborted,
    LoginRequired,
    Refused,
    TokenStorageError,
    UsageError,
)
from auth0link.usecases.backups import BackupFiles
from auth0link.usecases.link import LinkOptions, SignedInUser, link_account
from auth0link.usecases.second_login import (
    BrowserSecondLogin,
    SecondLogin,
    SecondLoginRequest,
    stdin_second_login,
)
from tests.support.demo_ids import ALICE, GITHUB, GOOGLE
from tests.support.tenant import BASE, NATIVE, USER_SCOPES, LocalTenant

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from auth0link.errors import Auth0LinkError
    from auth0link.models import LinkResult
    from auth0link.tokens import TokenSet


def jwks(local: LocalTenant) -> Callable[[], dict[str, Any]]:
    """The tenant's published signing keys."""

    def fetch() -> dict[str, Any]:
        with local.client() as client:
            keys: dict[str, Any] = client.get_json(f"{BASE}/.well-known/jwks.json")
        return keys

    return fetch


def from_stdin(local: LocalTenant, id_token: str, client_id: str = NATIVE) -> Any:
    """``--id-token -`` reading ``id_token``, validated against the tenant."""
    return stdin_second_login(id_token, jwks_provider=jwks(local), issuer=f"{BASE}/", client_id=client_id)


def id_token_of(local: LocalTenant, connection: str) -> str:
    """A real ID token of Alice's account at ``connection``."""
    token = local.tokens(password=None, connection=connection).id_token
    assert token is not None
    return token


def run_link(
    local: LocalTenant,
    tmp_path: Path,
    options: LinkOptions,
    *,
    login: Callable[[SecondLoginRequest], SecondLogin] | None = None,
    primary: SignedInUser | None = None,
    **kw: Any,
) -> LinkResult:
    """Alice links the account ``login`` signs in to (Google through the login pages by default)."""
    if primary is None:
        tokens = local.tokens()
        primary = SignedInUser(user_id=ALICE, access_token=tokens.access_token, id_token=tokens.id_token)
    return link_account(
        signed_in=primary,
        options=options,
        second_login=login or local.second_login(),
        client_for=local.client,
        backup=BackupFiles(tmp_path / "backups", clock=time.time),
        confirm=lambda _plan: True,
        sleep=lambda _seconds: None,
        **kw,
    )


def never(_request: SecondLoginRequest) -> SecondLogin:
    """A second login that must not happen."""
    raise AssertionError("the second login was started")


# -- the browser ---------------------------------------------------------------------------------


def _pkce_request(local: LocalTenant) -> PkceRequest:
    """The native client's PKCE login against the in-process tenant (30 s to come back)."""
    return PkceRequest(
        endpoints=Endpoints.auth0_defaults(BASE),
        jwks_provider=jwks(local),
        client_id=NATIVE,
        scope=USER_SCOPES,
        audience=f"{BASE}/api/v2/",
        callback_ports=DEFAULT_CALLBACK_PORTS,
        timeout=30,
    )


def _alice_browser(local: LocalTenant, *, pause: float = 0.0) -> Callable[[str], bool]:
    """A browser where Alice signs in (after ``pause`` s) and is sent back to the loopback listener."""

    def browser(url: str) -> bool:
        time.sleep(pause)
        with httpx.Client(transport=SyncASGITransport(local.emulator), base_url=BASE) as pages:
            callback = LoginAgent(client=pages).complete_authorize(
                url, email="alice@example.com", deliver=False
            )
        httpx.get(callback)
        return True

    return browser


@pytest.mark.callback_ports
def test_browser_second_login_forces_a_fresh_sign_in(tenant: LocalTenant) -> None:
    """PKCE with prompt=login, max_age=0, the connection and hint; the result is that fresh login."""
    urls: list[str] = []

    login = BrowserSecondLogin(
        tenant.client(),
        _pkce_request(tenant),
        open_browser=_alice_browser(tenant),
        on_url=urls.append,
    )
    started = time.time()
    result = login(SecondLoginRequest(connection="google-oauth2", login_hint="alice@example.com"))
    query = {k: v[0] for k, v in parse_qs(urlsplit(urls[0]).query).items()}
    assert (query["prompt"], query["max_age"]) == ("login", "0")
    assert (query["connection"], query["login_hint"]) == ("google-oauth2", "alice@example.com")
    assert result.sub == GOOGLE
    assert result.access_token is not None
    assert result.started_at is not None
    assert started - 1 <= result.started_at <= result.claims["auth_time"] + 1


@pytest.mark.callback_ports
def test_the_browser_second_login_shows_a_spinner_with_the_time_left_after_the_url(
    tenant: LocalTenant,
) -> None:
    """link waits as login does: the URL first, then a spinner ticking down from the timeout, closed at the end."""
    events: list[str] = []
    remaining: list[float] = []

    @contextlib.contextmanager
    def waiting(message: str) -> Iterator[Callable[[float], None]]:
        events.append(f"spinner: {message}")
        yield remaining.append
        events.append("spinner closed")

    login = BrowserSecondLogin(
        tenant.client(),
        _pkce_request(tenant),
        open_browser=_alice_browser(tenant, pause=0.3),  # a person takes a moment: the spinner ticks
        on_url=lambda _url: events.append("url"),
        waiting=waiting,
    )
    login(SecondLoginRequest(connection="google-oauth2", login_hint="alice@example.com"))
    assert events == ["url", "spinner: Waiting for the sign-in in the browser", "spinner closed"]
    assert remaining
    assert all(25 < left <= 30 for left in remaining)


# -- an ID token from stdin ----------------------------------------------------------------------


def test_stdin_second_login_validates_a_tenant_id_token(tenant: LocalTenant) -> None:
    """A real ID token on stdin is validated and used; there is no access token and no start time."""
    login = from_stdin(tenant, id_token_of(tenant, "google-oauth2") + "\n")(SecondLoginRequest(None, None))
    assert (login.sub, login.access_token, login.tokens, login.started_at) == (GOOGLE, None, None, None)


def test_stdin_second_login_refuses_a_token_for_another_application(tenant: LocalTenant) -> None:
    """An ID token issued to another client ID fails validation (aud)."""
    login = from_stdin(tenant, id_token_of(tenant, "google-oauth2"), client_id="someone-else")
    with pytest.raises(IdTokenError):
        login(SecondLoginRequest(None, None))


def test_stdin_second_login_empty_is_usage_error(tenant: LocalTenant) -> None:
    """An empty stdin for --id-token - is a usage error (exit 2)."""
    with pytest.raises(UsageError, match="No ID token") as info:
        from_stdin(tenant, "  \n")(SecondLoginRequest(None, None))
    assert exit_code_for(info.value) == ExitCode.USAGE


def test_id_token_from_stdin_requires_no_merge(tenant: LocalTenant, tmp_path: Path) -> None:
    """--id-token - cannot read the secondary's metadata: refused (exit 2) unless --no-merge-metadata."""
    with pytest.raises(UsageError, match="--id-token -") as info:
        run_link(tenant, tmp_path, LinkOptions(id_token_from_stdin=True), login=never)
    assert "--no-merge-metadata" in (info.value.hint or "")


def test_id_token_from_stdin_links_and_backs_up_its_claims(tenant: LocalTenant, tmp_path: Path) -> None:
    """With --no-merge-metadata the stdin ID token is linked unread; the backup keeps its claims."""
    import json

    options = LinkOptions(id_token_from_stdin=True, merge_metadata=False)
    result = run_link(
        tenant, tmp_path, options, login=from_stdin(tenant, id_token_of(tenant, "google-oauth2"))
    )
    assert GOOGLE in [i.full_id for i in result.user.identities]
    assert ("GET", f"/api/v2/users/{GOOGLE}") not in tenant.faults.requests
    [path] = sorted((tmp_path / "backups").glob("link-*.json"))
    doc = json.loads(path.read_text())
    assert (doc["absorbed"]["source"], doc["absorbed"]["claims"]["sub"]) == ("id_token_claims", GOOGLE)


def test_id_token_from_stdin_of_an_unverified_account_is_refused(tenant: LocalTenant, tmp_path: Path) -> None:
    """Without a readable secondary user the ID token's claims decide: GitHub's unverified email is refused."""
    options = LinkOptions(id_token_from_stdin=True, merge_metadata=False)
    with pytest.raises(Refused, match="not verified"):
        run_link(tenant, tmp_path, options, login=from_stdin(tenant, id_token_of(tenant, "github")))
    assert tenant.user(GITHUB) is not None


def test_id_token_from_stdin_with_primary_secondary_is_refused(tenant: LocalTenant, tmp_path: Path) -> None:
    """--primary secondary needs the secondary's access token, which stdin does not give (exit 2)."""
    options = LinkOptions(id_token_from_stdin=True, merge_metadata=False, direction="secondary")
    with pytest.raises(UsageError, match="--primary secondary"):
        run_link(tenant, tmp_path, options, login=never)


# -- --primary secondary --------------------------------------------------------------------------


def test_primary_secondary_links_current_into_new_and_switches_session(
    tenant: LocalTenant, tmp_path: Path
) -> None:
    """The new account is kept: Alice is linked into Google, then the session switches to Google."""
    google = tenant.second_login()
    logins: list[SecondLogin] = []
    saved: list[TokenSet] = []

    def second(request: SecondLoginRequest) -> SecondLogin:
        logins.append(google(request))
        return logins[-1]

    result = run_link(
        tenant, tmp_path, LinkOptions(direction="secondary"), login=second, save_session=saved.append
    )
    google_path = f"/api/v2/users/{GOOGLE}"
    assert tenant.faults.writes() == [("PATCH", google_path), ("POST", f"{google_path}/identities")]
    assert tenant.user(ALICE) is None
    assert (result.user.user_id, result.secondary_id, result.session_switched) == (GOOGLE, ALICE, True)
    [session] = saved
    tokens = logins[0].tokens
    assert tokens is not None
    assert (session.user_id, session.access_token, session.refresh_token) == (
        GOOGLE,
        tokens.access_token,
        tokens.refresh_token,
    )
    primary = tenant.user(GOOGLE)
    assert primary is not None
    # the kept (Google) account's values win; the old primary's missing keys are merged in
    assert primary["user_metadata"] == {"theme": "dark", "locale": "fr", "newsletter": True}


def test_primary_secondary_needs_the_current_id_token(tenant: LocalTenant, tmp_path: Path) -> None:
    """Without the current account's ID token --primary secondary fails (exit 2) before any login."""
    tokens = tenant.tokens()
    primary = SignedInUser(user_id=ALICE, access_token=tokens.access_token)
    with pytest.raises(UsageError, match="ID token"):
        run_link(tenant, tmp_path, LinkOptions(direction="secondary"), login=never, primary=primary)


def test_primary_secondary_refuses_an_expired_current_id_token(tenant: LocalTenant, tmp_path: Path) -> None:
    """An expired stored ID token cannot be link_with: log in again (exit 3), before any login."""
    options = LinkOptions(direction="secondary")
    with pytest.raises(LoginRequired, match="expired") as info:
        run_link(tenant, tmp_path, options, login=never, clock=lambda: time.time() + 2 * 86400)
    assert exit_code_for(info.value) == ExitCode.LOGIN_REQUIRED


@pytest.mark.parametrize(
    ("failure", "says"),
    [
        (TokenStorageError("keyring locked"), f"The stored session still belongs to {ALICE}"),
        (LoginRequired("You logged out meanwhile."), "the new session was not saved"),
    ],
    ids=["storage failed", "logged out meanwhile"],
)
def test_primary_secondary_session_not_saved_says_linked(
    tenant: LocalTenant, tmp_path: Path, failure: Auth0LinkError, says: str
) -> None:
    """If the new session cannot be saved, the message says the link happened and to log in."""

    def broken(_tokens: TokenSet) -> None:
        raise failure

    with pytest.raises(LinkAborted, match=f"Linked {ALICE} into {GOOGLE}".replace("|", r"\|")) as info:
        run_link(tenant, tmp_path, LinkOptions(direction="secondary"), save_session=broken)
    assert says in info.value.message
    assert info.value.hint == "run: auth0link login (sign in as any of the linked accounts)"
    assert tenant.user(ALICE) is None


# -- the callback URL check, cached -----------------------------------------------------------------


def _browser(tenant: LocalTenant) -> Callable[[str], bool]:
    """A browser that signs Alice in to her Google account and returns to the loopback listener."""

    def browser(url: str) -> bool:
        with httpx.Client(transport=SyncASGITransport(tenant.emulator), base_url=BASE) as pages:
            callback = LoginAgent(client=pages).complete_authorize(
                url, email="alice@example.com", deliver=False
            )
        httpx.get(callback)
        return True

    return browser


def _published_keys(tenant: LocalTenant) -> dict[str, Any]:
    """The tenant's JWKS, read aside (as the CLI's disk cache does: not one of link's requests)."""
    with httpx.Client(transport=SyncASGITransport(tenant.emulator), base_url=BASE) as pages:
        keys: dict[str, Any] = pages.get("/.well-known/jwks.json").json()
    return keys


def _cached_login(tenant: LocalTenant, cache: Path) -> Callable[[SecondLoginRequest], SecondLogin]:
    """The browser second login with the callback check cached in ``cache``."""
    from auth0link.auth.accepted_callbacks import AcceptedCallbacks

    return BrowserSecondLogin(
        tenant.client(),
        PkceRequest(
            endpoints=Endpoints.auth0_defaults(BASE),
            jwks_provider=lambda: _published_keys(tenant),
            client_id=NATIVE,
            scope=USER_SCOPES,
            audience=f"{BASE}/api/v2/",
            callback_ports=DEFAULT_CALLBACK_PORTS,
            timeout=30,
        ),
        open_browser=_browser(tenant),
        on_url=lambda _url: None,
        accepted=AcceptedCallbacks(cache),
    )


@pytest.mark.callback_ports
def test_link_asks_about_the_callback_url_once_then_makes_five_requests(
    tenant: LocalTenant, tmp_path: Path
) -> None:
    """The authorize pre-check is cached per client and port: a later link makes 5 requests of its own."""
    request = SecondLoginRequest(connection="google-oauth2", login_hint="alice@example.com")
    _cached_login(tenant, tmp_path / "cache")(request)  # an earlier link (or restore) asked
    assert tenant.faults.requests.count(("GET", "/authorize")) == 1
    tenant.faults.requests.clear()
    options = LinkOptions(connection="google-oauth2", login_hint="alice@example.com")
    result = run_link(tenant, tmp_path, options, login=_cached_login(tenant, tmp_path / "cache"))
    assert GOOGLE in [i.full_id for i in result.user.identities]
    assert tenant.faults.requests == [
        ("POST", "/oauth/token"),
        ("GET", f"/api/v2/users/{ALICE}"),
        ("GET", f"/api/v2/users/{GOOGLE}"),
        ("PATCH", f"/api/v2/users/{ALICE}"),
        ("POST", f"/api/v2/users/{ALICE}/identities"),
    ]


@pytest.mark.callback_ports
def test_a_login_that_does_not_come_back_forgets_the_cached_callback_check(
    tenant: LocalTenant, tmp_path: Path
) -> None:
    """After a second login times out, the next one asks the authorize endpoint again."""
    from auth0link.auth.accepted_callbacks import AcceptedCallbacks
    from auth0link.auth.pkce import run_pkce_login

    accepted = AcceptedCallbacks(tmp_path / "cache")
    with pytest.raises(LoginRequired):
        run_pkce_login(
            tenant.client(),
            PkceRequest(
                endpoints=Endpoints.auth0_defaults(BASE),
                jwks_provider=dict,
                client_id=NATIVE,
                scope=USER_SCOPES,
                audience=None,
                timeout=0.3,
            ),
            open_browser=lambda _url: True,  # nobody signs in
            on_url=lambda _url: None,
            accepted=accepted,
        )
    assert tenant.faults.requests.count(("GET", "/authorize")) == 1
    assert list((tmp_path / "cache").glob("callback-*.json")) == []
