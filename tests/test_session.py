"""Session refresh: rotation, revoked refresh tokens, the discovered endpoint, concurrent refreshes."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import threading
import time
from typing import TYPE_CHECKING, Any

import httpx
import pytest
import respx

from auth0link.cli import exit_code_for
from auth0link.client import Auth0Client
from auth0link.errors import LoginRequired
from auth0link.session import SessionManager
from auth0link.token_file import FileTokenStore
from auth0link.tokens import MemoryTokenStore, TokenSet, TokenStore
from tests.support import idp

if TYPE_CHECKING:
    from pathlib import Path

KEY = "default:https://tenant.example.com:nativeClient123"


class RotatingTokenEndpoint:
    """/oauth/token with refresh token rotation and reuse detection (as Auth0 does)."""

    def __init__(self, first: str = "RT-1", delay: float = 0.0) -> None:
        """``first`` is the only valid refresh token at the start."""
        self.valid = {first}
        self.used: set[str] = set()
        self.count = 0
        self.delay = delay
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        """Exchange a valid refresh token for a new pair; a reused one is invalid_grant."""
        form = httpx.QueryParams(request.content.decode())
        time.sleep(self.delay)
        with self.lock:
            token = form["refresh_token"]
            if token not in self.valid:
                return httpx.Response(403, json={"error": "invalid_grant", "error_description": "reused"})
            self.valid.discard(token)
            self.used.add(token)
            self.count += 1
            new = f"RT-{self.count + 1}"
            self.valid.add(new)
        return httpx.Response(
            200,
            json={"access_token": f"AT-{self.count + 1}", "expires_in": 3600, "refresh_token": new},
        )


def _manager(store: TokenStore, router: respx.Router, tmp_path: Path, **kw: Any) -> SessionManager:
    def factory() -> Auth0Client:
        return Auth0Client(idp.BASE, transport=httpx.MockTransport(router.handler), sleep=lambda _s: None)

    return SessionManager(
        store=store,
        key=KEY,
        client_id=idp.CLIENT_ID,
        lock_dir=tmp_path,
        env_token=None,
        client_factory=factory,
        **kw,
    )


def _expired(refresh_token: str | None = "RT-1") -> TokenSet:  # noqa: S107 - a fake token
    return TokenSet(
        access_token="AT-1",
        expires_at=time.time() - 10,
        scope="openid read:current_user",
        refresh_token=refresh_token,
        user_id="auth0|alice",
    )


def test_expired_session_refreshes_and_saves_the_rotated_pair(tmp_path: Path) -> None:
    """An expired access token is refreshed; the new access and refresh tokens are saved."""
    router = respx.Router()
    endpoint = RotatingTokenEndpoint()
    router.post(idp.BASE + "/oauth/token").mock(side_effect=endpoint)
    store = MemoryTokenStore()
    store.save(KEY, _expired())
    access = _manager(store, router, tmp_path).access()
    assert access.token == "AT-2"
    saved = store.load(KEY)
    assert saved is not None
    assert saved.refresh_token == "RT-2"
    assert saved.access_token == "AT-2"
    assert saved.scope == "openid read:current_user"
    assert saved.expires_at > time.time() + 3000


def test_fresh_session_makes_no_request(tmp_path: Path) -> None:
    """A token valid for more than 60 s is used as is."""
    router = respx.Router()
    store = MemoryTokenStore()
    store.save(KEY, TokenSet(access_token="AT", expires_at=time.time() + 600, user_id="auth0|alice"))
    assert _manager(store, router, tmp_path).access().token == "AT"
    assert not router.calls


def _valid_here() -> TokenSet:
    """A session whose access token looks valid for an hour on this machine's clock."""
    return dataclasses.replace(_expired(), expires_at=time.time() + 3600)


def test_renew_refreshes_a_token_the_tenant_rejected_though_it_looks_valid(tmp_path: Path) -> None:
    """renew(rejected): the tenant's 401 wins over the local clock; one refresh, saved, new token returned."""
    router = respx.Router()
    endpoint = RotatingTokenEndpoint()
    router.post(idp.BASE + "/oauth/token").mock(side_effect=endpoint)
    store = MemoryTokenStore()
    store.save(KEY, _valid_here())
    assert _manager(store, router, tmp_path).renew("AT-1") == "AT-2"
    assert endpoint.count == 1
    saved = store.load(KEY)
    assert saved is not None
    assert (saved.access_token, saved.refresh_token) == ("AT-2", "RT-2")


def test_renew_uses_a_token_another_process_already_refreshed(tmp_path: Path) -> None:
    """The stored token is no longer the rejected one (refreshed meanwhile): used as is, no request."""
    router = respx.Router()
    store = MemoryTokenStore()
    store.save(KEY, dataclasses.replace(_valid_here(), access_token="AT-9"))
    assert _manager(store, router, tmp_path).renew("AT-1") == "AT-9"
    assert not router.calls


def test_renew_of_the_env_token_says_to_replace_it(tmp_path: Path) -> None:
    """AUTH0LINK_ACCESS_TOKEN cannot be refreshed: LoginRequired naming the variable."""
    manager = _manager(MemoryTokenStore(), respx.Router(), tmp_path)
    manager.env_token = "x.y.z"
    with pytest.raises(LoginRequired, match="AUTH0LINK_ACCESS_TOKEN") as info:
        manager.renew("x.y.z")
    assert "unset it" in (info.value.hint or "")


def test_checked_access_uses_the_refresh_token_even_when_the_access_token_is_valid(tmp_path: Path) -> None:
    """status's check: a refresh now, so a revoked refresh token shows before the access token expires."""
    router = respx.Router()
    router.post(idp.BASE + "/oauth/token").mock(side_effect=RotatingTokenEndpoint(first="revoked"))
    store = MemoryTokenStore()
    store.save(KEY, _valid_here())
    assert _manager(store, respx.Router(), tmp_path).access().token == "AT-1"  # the usual path: no request
    with pytest.raises(LoginRequired, match="can no longer be refreshed"):
        _manager(store, router, tmp_path).checked_access()


def test_revoked_refresh_token_says_login(tmp_path: Path) -> None:
    """invalid_grant on refresh becomes LoginRequired (exit 3) naming auth0link login."""
    router = respx.Router()
    router.post(idp.BASE + "/oauth/token").mock(side_effect=RotatingTokenEndpoint(first="other"))
    store = MemoryTokenStore()
    store.save(KEY, _expired())
    with pytest.raises(LoginRequired) as info:
        _manager(store, router, tmp_path).access()
    assert exit_code_for(info.value) == 3
    assert "auth0link login" in str(info.value)


def test_refresh_uses_the_discovered_token_endpoint(tmp_path: Path) -> None:
    """The refresh goes to the token endpoint discovery named, not a hard-coded path."""
    router = respx.Router()
    route = router.post("https://login.example.org/oauth2/token").mock(side_effect=RotatingTokenEndpoint())
    store = MemoryTokenStore()
    store.save(KEY, _expired())
    manager = _manager(
        store, router, tmp_path, token_endpoint=lambda: "https://login.example.org/oauth2/token"
    )
    assert manager.access().token == "AT-2"
    assert route.call_count == 1


def test_concurrent_refreshes_use_the_refresh_token_once(tmp_path: Path) -> None:
    """Two refreshes at once (separate managers, one file store): one request, both get the new token."""
    router = respx.Router()
    endpoint = RotatingTokenEndpoint(delay=0.2)
    router.post(idp.BASE + "/oauth/token").mock(side_effect=endpoint)
    path = tmp_path / "tokens.json"
    FileTokenStore(path).save(KEY, _expired())
    results: list[str] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            results.append(_manager(FileTokenStore(path), router, tmp_path).access().token)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert not errors
    assert results == ["AT-2", "AT-2"]
    assert endpoint.count == 1
    saved = FileTokenStore(path).load(KEY)
    assert saved is not None
    assert saved.refresh_token == "RT-2"


def test_refresh_whose_answer_was_lost_is_retried_once(tmp_path: Path) -> None:
    """A dropped refresh answer is retried at once (Auth0 accepts the same token within its reuse interval)."""
    router = respx.Router()
    route = router.post(idp.BASE + "/oauth/token").mock(
        side_effect=[
            httpx.RemoteProtocolError("connection dropped"),
            httpx.Response(200, json={"access_token": "AT-2", "expires_in": 3600, "refresh_token": "RT-2"}),
        ]
    )
    store = MemoryTokenStore()
    store.save(KEY, _expired())
    access = _manager(store, router, tmp_path).access()
    assert access.token == "AT-2"
    assert route.call_count == 2
    saved = store.load(KEY)
    assert saved is not None
    assert saved.refresh_token == "RT-2"


def test_refresh_on_failing_server_keeps_the_session(tmp_path: Path) -> None:
    """A 503 from the token endpoint is a server error (exit 5), and the stored session is untouched."""
    from auth0link.errors import ServerError

    router = respx.Router()
    router.post(idp.BASE + "/oauth/token").mock(
        return_value=httpx.Response(503, json={"error": "server_error"})
    )
    store = MemoryTokenStore()
    store.save(KEY, _expired())
    with pytest.raises(ServerError, match="HTTP 503"):
        _manager(store, router, tmp_path).access()
    kept = store.load(KEY)
    assert kept is not None
    assert (kept.access_token, kept.refresh_token) == ("AT-1", "RT-1")


def test_refresh_with_garbled_answer_is_retried_once(tmp_path: Path) -> None:
    """A refresh answered with invalid JSON (rotated server-side, reply garbled) is retried at once."""
    router = respx.Router()
    route = router.post(idp.BASE + "/oauth/token").mock(
        side_effect=[
            httpx.Response(200, text='{"access_token": "AT-2", "refre'),
            httpx.Response(200, json={"access_token": "AT-2", "expires_in": 3600, "refresh_token": "RT-2"}),
        ]
    )
    store = MemoryTokenStore()
    store.save(KEY, _expired())
    assert _manager(store, router, tmp_path).access().token == "AT-2"
    assert route.call_count == 2


# -- logout wins (issue #11, item 10) -------------------------------------------------------------

LOGOUT_DOMAIN = "http://127.0.0.1:9"  # nothing listens: the logout's revoke fails fast (a warning)


def test_logout_during_a_refresh_is_not_undone_by_its_save(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`auth0link logout` in another process while a refresh is on the wire: the session stays gone."""
    config = isolated_env / "config"
    key = f"default:{LOGOUT_DOMAIN}:{idp.CLIENT_ID}"
    store = FileTokenStore(config / "tokens.json")
    store.save(key, _expired())
    for name, value in {
        "AUTH0LINK_DOMAIN": LOGOUT_DOMAIN,
        "AUTH0LINK_CLIENT_ID": idp.CLIENT_ID,
        "AUTH0LINK_STORAGE": "file",
    }.items():
        monkeypatch.setenv(name, value)
    rotating = RotatingTokenEndpoint()
    logout: list[subprocess.Popen[str]] = []

    def token_endpoint(request: httpx.Request) -> httpx.Response:
        logout.append(
            subprocess.Popen([sys.executable, "-m", "auth0link", "logout"], stderr=subprocess.PIPE, text=True)
        )
        deadline = time.monotonic() + 3  # today's logout deletes at once; a waiting one never will
        while store.load(key) is not None and time.monotonic() < deadline:
            time.sleep(0.05)
        return rotating(request)

    router = respx.Router()
    router.post(idp.BASE + "/oauth/token").mock(side_effect=token_endpoint)
    manager = SessionManager(
        store=store,
        key=key,
        client_id=idp.CLIENT_ID,
        lock_dir=config,
        env_token=None,
        client_factory=lambda: Auth0Client(idp.BASE, transport=httpx.MockTransport(router.handler)),
    )
    assert manager.access().token == "AT-2"  # the refresh itself completed
    _, err = logout[0].communicate(timeout=60)
    assert logout[0].returncode == 0, err
    assert "Logged out of" in err
    assert store.load(key) is None


def test_a_save_after_logout_or_a_new_login_is_refused(tmp_path: Path) -> None:
    """A session read before a logout (or a newer login) cannot be saved over what came after."""
    from auth0link.infra.session_index import IndexEntry, SessionIndex
    from auth0link.session import SessionLock
    from auth0link.usecases.login import save_new_session
    from auth0link.usecases.logout import logout

    store = MemoryTokenStore()
    store.save(KEY, TokenSet(access_token="AT", expires_at=time.time() + 600, user_id="auth0|alice"))
    manager = _manager(store, respx.Router(), tmp_path)
    manager.access()
    entry = IndexEntry(KEY, "default", idp.BASE, idp.CLIENT_ID, "file")
    logout(
        entry,
        store=store,
        client_factory=lambda _base: pytest.fail("no refresh token: nothing to revoke"),
        endpoints_for=lambda _client: pytest.fail("no request expected"),
        index=SessionIndex(tmp_path),
        lock=SessionLock(tmp_path, KEY),
    )
    switched = TokenSet(access_token="AT-switched", expires_at=time.time() + 600, user_id="auth0|bob")
    with pytest.raises(LoginRequired, match="logged out"):
        manager.save(switched)
    assert store.load(KEY) is None
    fresh = TokenSet(access_token="AT-new-login", expires_at=time.time() + 600, user_id="auth0|carol")
    save_new_session(store, KEY, fresh, SessionLock(tmp_path, KEY))
    later = _manager(store, respx.Router(), tmp_path)
    later.access()
    save_new_session(store, KEY, fresh, SessionLock(tmp_path, KEY))  # another login after that read
    with pytest.raises(LoginRequired):
        later.save(switched)
    assert store.load(KEY) == fresh
