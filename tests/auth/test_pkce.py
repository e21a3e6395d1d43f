"""PKCE loopback login: the listener, state/error handling, exchange and validation (respx for HTTP)."""

from __future__ import annotations

import base64
import hashlib
import socket
import threading
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx

from auth0link.auth.discovery import Endpoints
from auth0link.auth.pkce import (
    PkceRequest,
    PkceResult,
    authorize_url,
    bind_listener,
    callback_urls,
    challenge_for,
    make_verifier,
    port_is_free,
    run_pkce_login,
)
from auth0link.client import Auth0Client
from auth0link.errors import Auth0LinkError, IdTokenError, Interrupted, LoginRequired, OAuthError
from tests.support import idp

if TYPE_CHECKING:
    from collections.abc import Callable

ENDPOINTS = Endpoints.auth0_defaults(idp.BASE)


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


class FakeProvider:
    """respx routes for /authorize (probe) and /oauth/token that echo the login's nonce."""

    def __init__(
        self, router: respx.Router, *, authorize_status: int = 302, authorize_text: str = ""
    ) -> None:
        """Mount the routes; the token answer signs an ID token with the nonce the browser saw."""
        self.nonce = ""
        self.token_requests: list[dict[str, str]] = []
        self.id_token_claims: dict[str, Any] = {}
        router.get(idp.BASE + "/authorize").mock(
            return_value=httpx.Response(authorize_status, text=authorize_text)
        )
        router.post(idp.BASE + "/oauth/token").mock(side_effect=self._token)

    def _token(self, request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        self.token_requests.append(form)
        claims = {"nonce": self.nonce, **self.id_token_claims}
        return httpx.Response(200, json=idp.token_body(id_token=idp.id_token(**claims)))


class Answers:
    """What the fake browser was answered, in order; the test waits for them with a bound.

    The browser runs on the login's own background thread and may read its answer after
    ``run_pkce_login`` has returned: nothing orders the two, so a test must wait for it.
    """

    def __init__(self) -> None:
        """No answer yet."""
        self._items: list[httpx.Response] = []
        self._changed = threading.Condition()

    def append(self, response: httpx.Response) -> None:
        """Record one answer (called on the browser's thread)."""
        with self._changed:
            self._items.append(response)
            self._changed.notify_all()

    def wait(self, count: int = 1, timeout: float = 5.0) -> list[httpx.Response]:
        """The first ``count`` answers, once the browser has them (AssertionError after ``timeout``)."""
        with self._changed:
            arrived = self._changed.wait_for(lambda: len(self._items) >= count, timeout)
            assert arrived, f"the browser got {len(self._items)} of {count} answer(s) in {timeout} s"
            return list(self._items[:count])


def _browser(
    provider: FakeProvider,
    *,
    params: Callable[[dict[str, str]], dict[str, str]] | None = None,
    seen: Answers | None = None,
) -> Callable[[str], bool]:
    """A 'browser' that follows the authorize URL straight back to the loopback callback."""

    def open_browser(url: str) -> bool:
        query = _query(url)
        provider.nonce = query["nonce"]
        back = {"code": "CODE-1", "state": query["state"]}
        if params is not None:
            back = params(query)
        response = httpx.get(query["redirect_uri"], params=back)
        if seen is not None:
            seen.append(response)
        return True

    return open_browser


@pytest.fixture
def router() -> respx.Router:
    """A respx router whose unmatched requests fail the test."""
    return respx.Router(assert_all_called=False)


def _login(router: respx.Router, open_browser: Callable[[str], bool], **kw: Any) -> PkceResult:
    client = Auth0Client(idp.BASE, transport=httpx.MockTransport(router.handler), sleep=lambda _s: None)
    hooks: dict[str, Any] = {"open_browser": open_browser, "on_url": lambda _u: None}
    hooks.update({name: kw.pop(name) for name in ("on_url", "clock", "accepted") if name in kw})
    args: dict[str, Any] = {
        "endpoints": ENDPOINTS,
        "jwks_provider": idp.jwks,
        "client_id": idp.CLIENT_ID,
        "scope": "openid profile email offline_access",
        "audience": idp.BASE + "/api/v2/",
        "callback_ports": [0],
        "timeout": 10.0,
    }
    args.update(kw)
    return run_pkce_login(client, PkceRequest(**args), **hooks)


def test_verifier_and_s256_challenge() -> None:
    """The verifier is 43+ url-safe chars; the challenge is base64url(sha256) without padding."""
    verifier = make_verifier()
    assert len(verifier) >= 43
    expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert challenge_for(verifier) == expected
    assert (
        challenge_for("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
        == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )


def test_authorize_url_carries_pkce_state_nonce_and_options() -> None:
    """The authorize URL has every required parameter and only the optional ones given."""
    url = authorize_url(
        ENDPOINTS.authorization_endpoint,
        client_id="cid",
        redirect_uri="http://127.0.0.1:8484/callback",
        scope="openid",
        state="s",
        nonce="n",
        code_challenge="c",
        audience="aud",
        prompt="login",
        max_age=0,
    )
    query = _query(url)
    assert query["code_challenge_method"] == "S256"
    assert query["response_type"] == "code"
    assert query["max_age"] == "0"
    assert query["prompt"] == "login"
    assert "connection" not in query
    assert "login_hint" not in query


def test_successful_login_exchanges_the_code_and_validates(router: respx.Router) -> None:
    """The code is exchanged with the verifier and the same redirect_uri; claims are returned."""
    provider = FakeProvider(router)
    urls: list[str] = []
    seen = Answers()
    result = _login(router, _browser(provider, seen=seen), on_url=urls.append)
    assert result.claims["sub"] == "auth0|alice"
    assert result.tokens.refresh_token == "RT-1"
    (form,) = provider.token_requests
    assert form["grant_type"] == "authorization_code"
    assert form["code"] == "CODE-1"
    assert form["redirect_uri"] == result.redirect_uri
    assert challenge_for(form["code_verifier"]) == _query(urls[0])["code_challenge"]
    (page,) = seen.wait()
    assert page.status_code == 200
    assert "safe to close" in page.text


def test_wrong_state_is_rejected_and_the_real_callback_still_works(router: respx.Router) -> None:
    """A callback with a foreign state gets 400 and is ignored; the genuine one completes the login."""
    provider = FakeProvider(router)
    responses = Answers()

    def open_browser(url: str) -> bool:
        query = _query(url)
        provider.nonce = query["nonce"]
        responses.append(httpx.get(query["redirect_uri"], params={"code": "EVIL", "state": "forged"}))
        responses.append(httpx.get(query["redirect_uri"].replace("/callback", "/favicon.ico")))
        responses.append(httpx.get(query["redirect_uri"], params={"code": "CODE-1", "state": query["state"]}))
        return True

    result = _login(router, open_browser)
    assert [r.status_code for r in responses.wait(3)] == [400, 404, 200]
    assert provider.token_requests[0]["code"] == "CODE-1"
    assert result.claims["sub"] == "auth0|alice"


def test_error_callback_becomes_oauth_error_with_provider_text(router: respx.Router) -> None:
    """error=/error_description= from the provider is reported verbatim; no token request is made."""
    provider = FakeProvider(router)
    browser = _browser(
        provider,
        params=lambda q: {
            "error": "access_denied",
            "error_description": "User cancelled",
            "state": q["state"],
        },
    )
    with pytest.raises(OAuthError, match="User cancelled") as info:
        _login(router, browser)
    assert info.value.error == "access_denied"
    assert not provider.token_requests


def test_refusals_tell_the_caller_how_to_retry(router: respx.Router) -> None:
    """A refused login and a refused ID token name the caller's retry (link's, not login's)."""
    provider = FakeProvider(router)
    denied = _browser(
        provider, params=lambda q: {"error": "access_denied", "error_description": "No.", "state": q["state"]}
    )
    retry = "run the same auth0link link command again"
    with pytest.raises(OAuthError) as info:
        _login(router, denied, retry_hint=retry)
    assert info.value.message == "The login failed: No (access_denied)."
    assert info.value.hint == f"the login was refused in the browser; to try again, {retry}"
    provider.id_token_claims = {"nonce": "from-another-login"}
    with pytest.raises(IdTokenError) as refused:
        _login(router, _browser(provider), retry_hint=retry)
    assert refused.value.hint == f"nothing was stored; {retry}"


def test_callback_url_mismatch_names_the_urls_to_register(router: respx.Router) -> None:
    """Auth0's 'Callback URL mismatch' page becomes an error naming every callback URL."""
    FakeProvider(
        router,
        authorize_status=400,
        authorize_text="<p>Callback URL mismatch. http://127.0.0.1:8484/callback is not in the list</p>",
    )
    opened: list[str] = []

    def browser(url: str) -> bool:
        opened.append(url)
        return True

    with pytest.raises(OAuthError, match="Callback URL mismatch") as info:
        _login(router, browser, callback_ports=[0, 8485])
    assert "http://127.0.0.1:8485/callback" in (info.value.hint or "")
    assert not opened


def test_mismatch_reported_through_the_callback_also_names_urls(router: respx.Router) -> None:
    """A mismatch error delivered to the callback gets the same registration hint."""
    provider = FakeProvider(router)
    browser = _browser(
        provider,
        params=lambda q: {
            "error": "unauthorized_client",
            "error_description": "Callback URL mismatch.",
            "state": q["state"],
        },
    )
    with pytest.raises(OAuthError) as info:
        _login(router, browser, callback_ports=[0])
    assert "Allowed Callback URLs" in (info.value.hint or "")


def test_busy_ports_fall_back_and_all_busy_names_the_urls() -> None:
    """The first free port is used; when none is free the error names the callback URLs."""
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        busy = blocker.getsockname()[1]
        assert not port_is_free(busy)
        listener = bind_listener([busy, 0], "state")
        try:
            assert listener.server_address[1] != busy
        finally:
            listener.server_close()
        with pytest.raises(Auth0LinkError, match="in use") as info:
            bind_listener([busy], "state")
        with pytest.raises(Auth0LinkError, match="are in use") as both:
            bind_listener([busy, busy], "state")
    assert f"http://127.0.0.1:{busy}/callback" in (info.value.hint or "")
    assert (info.value.hint or "").startswith("stop the program using it,")  # one port: "it", not "them"
    assert (both.value.hint or "").startswith("stop the program using them,")
    assert callback_urls([8484]) == ["http://127.0.0.1:8484/callback"]


def test_timeout_is_a_clear_error(router: respx.Router) -> None:
    """No callback before the timeout: LoginRequired saying so, with how to wait longer."""
    FakeProvider(router)
    with pytest.raises(LoginRequired, match=r"within 0\.3 s") as info:
        _login(router, lambda _u: False, timeout=0.3)
    assert "--timeout" in (info.value.hint or "")


def test_browser_that_blocks_or_fails_does_not_stop_the_login(router: respx.Router) -> None:
    """open_browser runs in the background: an exception there is ignored and the URL still works."""
    provider = FakeProvider(router)
    urls: list[str] = []

    def broken(_url: str) -> bool:
        raise RuntimeError("no browser")

    def user() -> None:
        while not urls:
            time.sleep(0.01)
        _browser(provider)(urls[0])

    threading.Thread(target=user, daemon=True).start()
    result = _login(router, broken, on_url=urls.append)
    assert result.claims["sub"] == "auth0|alice"


def test_replayed_token_with_wrong_nonce_is_refused(router: respx.Router) -> None:
    """An ID token whose nonce is not this login's is refused (IdTokenError)."""
    provider = FakeProvider(router)
    provider.id_token_claims = {"nonce": "from-another-login"}
    with pytest.raises(IdTokenError, match="nonce"):
        _login(router, _browser(provider))


def test_require_fresh_auth_refuses_sso_reuse(router: respx.Router) -> None:
    """With require_fresh_auth an ID token whose auth_time predates the login is refused."""
    provider = FakeProvider(router)
    provider.id_token_claims = {"auth_time": int(time.time()) - 3600}
    with pytest.raises(IdTokenError, match="earlier login"):
        _login(router, _browser(provider), require_fresh_auth=True, prompt="login", max_age=0)


def test_require_fresh_auth_accepts_a_fresh_login(router: respx.Router) -> None:
    """A fresh auth_time passes, and prompt/max_age reach the authorize URL."""
    provider = FakeProvider(router)
    provider.id_token_claims = {"auth_time": int(time.time())}
    urls: list[str] = []
    result = _login(
        router, _browser(provider), require_fresh_auth=True, prompt="login", max_age=0, on_url=urls.append
    )
    assert result.claims["auth_time"] >= int(result.started_at)
    assert _query(urls[0])["prompt"] == "login"


def test_missing_id_token_is_refused(router: respx.Router) -> None:
    """A token answer without an ID token (no openid scope) is an IdTokenError."""
    router.get(idp.BASE + "/authorize").mock(return_value=httpx.Response(302))
    router.post(idp.BASE + "/oauth/token").mock(
        return_value=httpx.Response(200, json={"access_token": "AT", "expires_in": 60})
    )

    def browser(url: str) -> bool:
        query = _query(url)
        httpx.get(query["redirect_uri"], params={"code": "C", "state": query["state"]})
        return True

    with pytest.raises(IdTokenError, match="openid"):
        _login(router, browser)


def test_ctrl_c_while_waiting_is_interrupted(router: respx.Router) -> None:
    """KeyboardInterrupt while waiting becomes Interrupted, and the port is released."""
    FakeProvider(router)
    ports: list[int] = []

    def clock() -> float:
        raise KeyboardInterrupt

    def on_url(url: str) -> None:
        ports.append(int(urlsplit(_query(url)["redirect_uri"]).port or 0))

    with pytest.raises(Interrupted):
        _login(router, lambda _u: True, on_url=on_url, clock=clock)
    assert port_is_free(ports[0])


def test_an_idle_preconnected_socket_does_not_block_the_callback(router: respx.Router) -> None:
    """A browser's speculative, silent connection cannot hold up the real callback."""
    provider = FakeProvider(router)
    idle: list[socket.socket] = []

    def browser(url: str) -> bool:
        port = urlsplit(_query(url)["redirect_uri"]).port
        assert port is not None
        idle.append(socket.create_connection(("127.0.0.1", port)))
        return _browser(provider)(url)

    try:
        result = _login(router, browser, timeout=5.0)
    finally:
        for sock in idle:
            sock.close()
    assert result.claims["sub"] == "auth0|alice"


def test_works_with_a_non_auth0_provider_layout() -> None:
    """Endpoints and issuer come from discovery: a Keycloak-style layout logs in the same way."""
    realm = idp.BASE + "/realms/demo"
    endpoints = Endpoints(
        issuer=realm,
        authorization_endpoint=realm + "/protocol/openid-connect/auth",
        token_endpoint=realm + "/protocol/openid-connect/token",
        device_authorization_endpoint=None,
        userinfo_endpoint=None,
        jwks_uri=realm + "/protocol/openid-connect/certs",
        revocation_endpoint=None,
        end_session_endpoint=None,
    )
    router = respx.Router(assert_all_called=False)
    nonce: list[str] = []
    router.get(endpoints.authorization_endpoint).mock(return_value=httpx.Response(200, text="<form>"))
    router.post(endpoints.token_endpoint).mock(
        side_effect=lambda _r: httpx.Response(
            200, json=idp.token_body(id_token=idp.id_token(iss=realm, nonce=nonce[0]))
        )
    )

    def browser(url: str) -> bool:
        assert url.startswith(endpoints.authorization_endpoint + "?")
        query = _query(url)
        nonce.append(query["nonce"])
        httpx.get(query["redirect_uri"], params={"code": "C", "state": query["state"]})
        return True

    result = _login(router, browser, endpoints=endpoints, audience=None)
    assert result.claims["iss"] == realm
    assert "audience" not in _query(str(router.calls[0].request.url))


def test_keycloak_style_mismatch_is_recognised(router: respx.Router) -> None:
    """Keycloak's 'Invalid parameter: redirect_uri' page also names the URLs to register."""
    FakeProvider(router, authorize_status=400, authorize_text="<p>Invalid parameter: redirect_uri</p>")
    with pytest.raises(OAuthError) as info:
        _login(router, lambda _u: True)
    assert "Allowed Callback URLs" in (info.value.hint or "")


_EXIT_AT_ONCE = """
import os, sys, time
from auth0link.auth._loopback import bind_listener
from auth0link.auth.pkce import _await_code

listener = bind_listener([0], "STATE")
code = _await_code(
    listener, "http://idp.invalid/authorize", probe=None,
    on_url=lambda _u: print(listener.server_address[1], flush=True),
    open_browser=lambda _u: True, timeout=10.0, clock=time.monotonic, ports=[0], hints=("t", "r"),
)
os._exit(0 if code == "CODE-1" else 3)  # no clean-up at all: the tightest exit a CLI can make
"""


def test_the_browser_gets_the_whole_page_even_if_the_cli_exits_at_once() -> None:
    """The 'safe to close' page is sent before the login returns: a CLI exiting at once still delivers it."""
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-c", _EXIT_AT_ONCE], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline())
        with socket.create_connection(("127.0.0.1", port), timeout=10) as browser:
            browser.sendall(b"GET /callback?code=CODE-1&state=STATE HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            # The browser reads nothing until the CLI's process is gone.
            assert proc.wait(timeout=10) == 0, proc.stderr.read() if proc.stderr else ""
            received = b""
            while chunk := browser.recv(65536):
                received += chunk
    finally:
        proc.kill()
        proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith((b"HTTP/1.0 200", b"HTTP/1.1 200")), head
    length = next(
        int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
    )
    assert len(body) == length
    assert b"safe to close" in body
