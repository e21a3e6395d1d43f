"""The login use-case: flow choice, store-only-after-success, index, status, logout, doctor."""

from __future__ import annotations

import contextlib
import dataclasses
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx

from auth0link.auth.discovery import Endpoints
from auth0link.client import Auth0Client
from auth0link.errors import IdTokenError, TokenStorageError, UsageError
from auth0link.infra.session_index import IndexEntry, SessionIndex
from auth0link.tokens import KeyringTokenStore, MemoryTokenStore, TokenSet
from auth0link.usecases.login import LoginRequest, login
from auth0link.usecases.logout import logout
from auth0link.usecases.status import session_status
from tests.support import idp

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from auth0link.models import DeviceAuthorization, LoginOutcome
    from auth0link.tokens import TokenStore
    from auth0link.usecases.login import LoginUI

ENDPOINTS = Endpoints.auth0_defaults(idp.BASE)
KEY = f"default:{idp.BASE}:{idp.CLIENT_ID}"
ENTRY = IndexEntry(KEY, "default", idp.BASE, idp.CLIENT_ID, "keyring")


class RecordingUI:
    """A LoginUI that records what it was asked to show."""

    def __init__(self) -> None:
        """Nothing shown yet."""
        self.urls: list[str] = []
        self.browsers: list[bool] = []
        self.codes: list[str] = []
        self.ticks: list[float] = []

    def login_url(self, url: str, *, browser: bool, first_port: int | None = None) -> None:  # noqa: ARG002 - the protocol's signature
        """Record the URL (and whether a browser was being opened with it)."""
        self.urls.append(url)
        self.browsers.append(browser)

    def device_code(self, auth: DeviceAuthorization) -> None:
        """Record the user code."""
        self.codes.append(auth.user_code)

    @contextlib.contextmanager
    def waiting(self, _message: str) -> Iterator[Callable[[float], None]]:
        """Record the remaining times."""
        yield self.ticks.append


def _client(router: respx.Router) -> Auth0Client:
    return Auth0Client(idp.BASE, transport=httpx.MockTransport(router.handler), sleep=lambda _s: None)


def _login(
    router: respx.Router,
    *,
    request: LoginRequest | None = None,
    store: TokenStore | None = None,
    ui: LoginUI | None = None,
    **extra: Any,
) -> LoginOutcome:
    """The login use case against ``router`` (a memory store and a recording UI unless given)."""
    return login(
        _client(router),
        request or _request(),
        endpoints=ENDPOINTS,
        jwks_provider=idp.jwks,
        store=MemoryTokenStore() if store is None else store,
        key=KEY,
        ui=RecordingUI() if ui is None else ui,
        **extra,
    )


def _request(flow: str = "pkce") -> LoginRequest:
    return LoginRequest(
        client_id=idp.CLIENT_ID,
        scope="openid email offline_access",
        audience=idp.BASE + "/api/v2/",
        flow=flow,
        callback_ports=(0,),
        timeout=10.0,
    )


def _pkce_router(
    *, id_token_overrides: dict[str, Any] | None = None
) -> tuple[respx.Router, Callable[[str], bool]]:
    """Routes for a PKCE login plus a 'browser' that completes it."""
    router = respx.Router(assert_all_called=False)
    nonce: list[str] = []
    router.get(idp.BASE + "/authorize").mock(return_value=httpx.Response(302))

    def token(_request: httpx.Request) -> httpx.Response:
        claims = {"nonce": nonce[0], **(id_token_overrides or {})}
        return httpx.Response(200, json=idp.token_body(id_token=idp.id_token(**claims)))

    router.post(idp.BASE + "/oauth/token").mock(side_effect=token)

    def browser(url: str) -> bool:
        query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        nonce.append(query["nonce"])
        httpx.get(query["redirect_uri"], params={"code": "C", "state": query["state"]})
        return True

    return router, browser


def test_pkce_login_stores_the_validated_session() -> None:
    """A successful login stores access, refresh and ID token with user_id = sub."""
    router, browser = _pkce_router()
    store = MemoryTokenStore()
    ui = RecordingUI()
    outcome = _login(router, store=store, ui=ui, browser=browser)
    saved = store.load(KEY)
    assert saved is not None
    assert saved.user_id == "auth0|alice" == outcome.user_id
    assert saved.refresh_token == "RT-1"
    assert saved.expires_at > time.time() + 3600
    assert outcome.email == "alice@example.com"
    assert ui.urls
    assert ui.urls[0].startswith(idp.BASE + "/authorize?")


def test_no_browser_login_says_no_browser_is_opened() -> None:
    """--no-browser (open_browser=False): the URL is shown as one to open elsewhere, and no browser starts."""
    router, complete = _pkce_router()
    started: list[str] = []

    class ElsewhereUI(RecordingUI):
        def login_url(self, url: str, *, browser: bool, first_port: int | None = None) -> None:  # noqa: ARG002 - the protocol's signature
            super().login_url(url, browser=browser)
            complete(url)  # the person opens it on another machine

    def never(url: str) -> bool:
        started.append(url)
        return True

    ui = ElsewhereUI()
    _login(router, request=dataclasses.replace(_request(), open_browser=False), ui=ui, browser=never)
    assert ui.browsers == [False]
    assert started == []


def test_invalid_id_token_stores_nothing() -> None:
    """A login whose ID token fails validation leaves the store untouched."""
    router, browser = _pkce_router(id_token_overrides={"iss": "https://evil.example.com/"})
    store = MemoryTokenStore()
    with pytest.raises(IdTokenError):
        _login(router, store=store, browser=browser)
    assert store.keys() == []


def test_device_login_reports_the_code_and_stores() -> None:
    """The device flow shows the user code through the UI and stores the session."""
    router = respx.Router()
    router.post(idp.BASE + "/oauth/device/code").mock(
        return_value=httpx.Response(
            200,
            json=idp.device_code_body(
                device_code="D",
                user_code="WXYZ-1234",
                verification_uri_complete=None,
                expires_in=60,
                interval=0,
            ),
        )
    )
    body = idp.token_body()
    body["id_token"] = idp.id_token(nonce=None)
    router.post(idp.BASE + "/oauth/token").mock(return_value=httpx.Response(200, json=body))
    store = MemoryTokenStore()
    ui = RecordingUI()
    _login(router, request=_request("device"), store=store, ui=ui, browser=lambda _u: False)
    assert ui.codes == ["WXYZ-1234"]
    assert ui.ticks
    stored = store.load(KEY)
    assert stored is not None
    assert stored.user_id == "auth0|alice"


def test_env_access_token_refuses_login_without_any_request() -> None:
    """With AUTH0LINK_ACCESS_TOKEN set, login says so and how to clear it; nothing is sent."""
    router = respx.Router()
    with pytest.raises(UsageError, match="AUTH0LINK_ACCESS_TOKEN") as info:
        _login(router, env_token="x")
    assert "unset AUTH0LINK_ACCESS_TOKEN" in (info.value.hint or "")
    assert not router.calls


def test_missing_keyring_fails_before_the_browser_opens() -> None:
    """With no keyring (real fail backend) the login stops before any request, naming --insecure-storage."""
    router = respx.Router()
    ui = RecordingUI()
    with pytest.raises(TokenStorageError) as info:
        _login(router, store=KeyringTokenStore(timeout=5), ui=ui)
    assert "--insecure-storage" in (info.value.hint or "")
    assert not ui.urls
    assert not router.calls


# -- index, status, logout -----------------------------------------------------------------


def test_session_index_add_replace_remove(tmp_path: Path) -> None:
    """The index keeps one entry per key and survives a damaged file."""
    index = SessionIndex(tmp_path)
    index.add(ENTRY)
    index.add(ENTRY)
    other = IndexEntry("work:x:y", "work", "https://x", "y", "file")
    index.add(other)
    assert index.entries() == [ENTRY, other]
    index.remove(ENTRY.key)
    assert index.entries() == [other]
    (tmp_path / "sessions.json").write_text("{not json")
    assert index.entries() == []


def _session(**kw: Any) -> TokenSet:
    args: dict[str, Any] = {
        "access_token": "AT",
        "expires_at": 2_000.0,
        "scope": "openid read:current_user",
        "refresh_token": "RT",
        "id_token": idp.id_token(),
        "user_id": "auth0|alice",
    }
    args.update(kw)
    return TokenSet(**args)


def test_status_logged_in() -> None:
    """A stored session reports user, email (from the ID token), scopes and expiry."""
    store = MemoryTokenStore()
    store.save(KEY, _session())
    status = session_status(ENTRY, store=store, active=True, now=1_000.0)
    assert status.logged_in
    assert status.email == "alice@example.com"
    assert status.scopes == ("openid", "read:current_user")
    assert not status.problems
    assert status.to_json()["expires_at"] == 2000


def test_status_problems_name_the_fixing_command() -> None:
    """Logged out, expired without refresh token, and a broken keyring each name a command."""
    store = MemoryTokenStore()
    work = IndexEntry("k2", "work", idp.BASE, idp.CLIENT_ID, "keyring")
    logged_out = session_status(work, store=store, active=False, now=0)
    assert tuple(map(str, logged_out.problems)) == ("Not logged in. Fix: auth0link --profile work login",)
    store.save(KEY, _session(refresh_token=None))
    expired = session_status(ENTRY, store=store, active=True, now=5_000.0)
    assert expired.expired
    assert "Fix: auth0link login" in str(expired.problems[0])
    broken = session_status(ENTRY, store=KeyringTokenStore(timeout=5), active=True, now=0)
    assert not broken.logged_in
    assert "--insecure-storage" in str(broken.problems[0])


def test_logout_revokes_and_deletes(tmp_path: Path) -> None:
    """logout revokes the refresh token at the revocation endpoint and deletes the session."""
    router = respx.Router()
    revoke = router.post(idp.BASE + "/oauth/revoke").mock(return_value=httpx.Response(200))
    store = MemoryTokenStore()
    store.save(KEY, _session())
    index = SessionIndex(tmp_path)
    index.add(ENTRY)
    result = logout(
        ENTRY,
        store=store,
        client_factory=lambda _base: _client(router),
        endpoints_for=lambda _c: ENDPOINTS,
        index=index,
    )
    assert result.revoked
    assert result.had_session
    assert store.load(KEY) is None
    assert index.entries() == []
    sent = httpx.QueryParams(revoke.calls[0].request.content.decode())
    assert sent["token"] == "RT"
    assert sent["client_id"] == idp.CLIENT_ID


def test_logout_deletes_even_when_revoke_fails(tmp_path: Path) -> None:
    """A failed revocation is a warning; the local session is still deleted."""
    router = respx.Router()
    router.post(idp.BASE + "/oauth/revoke").mock(return_value=httpx.Response(503, json={"error": "x"}))
    store = MemoryTokenStore()
    store.save(KEY, _session())
    result = logout(
        ENTRY,
        store=store,
        client_factory=lambda _base: _client(router),
        endpoints_for=lambda _c: ENDPOINTS,
        index=SessionIndex(tmp_path),
    )
    assert not result.revoked
    assert result.warning is not None
    assert "deleted locally" in result.warning
    assert store.load(KEY) is None


def test_new_login_revokes_the_replaced_refresh_token() -> None:
    """Logging in again stores the new session and revokes the old refresh token (best effort)."""
    router, browser = _pkce_router()
    revoke = router.post(idp.BASE + "/oauth/revoke").mock(return_value=httpx.Response(200))
    store = MemoryTokenStore()
    store.save(KEY, _session(refresh_token="RT-old"))
    _login(router, store=store, browser=browser)
    saved = store.load(KEY)
    assert saved is not None
    assert saved.refresh_token == "RT-1"
    assert httpx.QueryParams(revoke.calls[0].request.content.decode())["token"] == "RT-old"


def test_spinner_starts_only_after_the_url_is_shown() -> None:
    """The spinner is entered after the authorize URL was printed (no garbled terminal)."""
    router, browser = _pkce_router()
    events: list[str] = []

    class OrderUI(RecordingUI):
        def login_url(self, url: str, *, browser: bool, first_port: int | None = None) -> None:  # noqa: ARG002 - the protocol's signature
            events.append("url")
            super().login_url(url, browser=browser)

        @contextlib.contextmanager
        def waiting(self, message: str) -> Iterator[Callable[[float], None]]:
            events.append("spinner")
            with super().waiting(message) as tick:
                yield tick

    _login(router, ui=OrderUI(), browser=browser)
    assert events[:2] == ["url", "spinner"]
