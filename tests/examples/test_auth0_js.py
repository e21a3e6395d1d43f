"""auth0-js (npm, pinned, unmodified) in real Chromium against a default `auth0link emulator`.

A page at http://localhost:3000 (the demo SPA client's web origin, served by Playwright's
routing) loads ``auth0-js/dist/auth0.min.js`` from the npm cache and runs the SDK as its README
shows: embedded ``login()`` (``/co/authenticate``, then ``/authorize`` with the login ticket),
``passwordlessStart``/``passwordlessLogin``, ``parseHash`` and ``checkSession`` (``token
id_token`` over ``web_message`` in a hidden iframe).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx
import pytest

from auth0link.emulator.state import demo
from tests.examples.conftest import chromium_trusting
from tests.support.emulator import start_emulator
from tests.support.npm import npm_package

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.support.emulator import RunningEmulator

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

AUTH0_JS = "10.2.1"
APP = "http://localhost:3000"
ALICE = "auth0|65f0a11ce0000000000000a1"
EMAIL_ALICE = "email|65f0a11ce0000000000000e1"
WAIT_MS = 8_000
PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><script src="/auth0.min.js"></script></head>
<body><pre id="out"></pre><script>
window.webAuth = new auth0.WebAuth(CONFIG);
window.done = null;
function report(err, result) {
  window.done = err ? {error: err.error || err.code, description: err.error_description || err.description}
                    : {sub: result.idTokenPayload.sub, accessToken: !!result.accessToken, state: result.state};
}
if (location.hash) { webAuth.parseHash(report); }
</script></body></html>
"""


@pytest.fixture(scope="module")
def emulator() -> Iterator[RunningEmulator]:
    """A default `auth0link emulator` (HTTPS, its own CA)."""
    with start_emulator() as running:
        yield running


@pytest.fixture(scope="module")
def sdk() -> Path:
    """auth0-js's built bundle from the npm cache."""
    return npm_package("auth0-js", AUTH0_JS) / "auth0-js" / "dist" / "auth0.min.js"


def _site(sdk: Path, emulator: RunningEmulator) -> Any:
    config = {
        "domain": emulator.domain,
        "clientID": demo.SPA_CLIENT_ID,
        "redirectUri": APP + "/",
        "responseType": "token id_token",
        "scope": "openid profile email",
    }
    page = PAGE.replace("CONFIG", json.dumps(config)).encode()

    def handler(route: Any) -> None:
        path = urlsplit(route.request.url).path
        if path == "/auth0.min.js":
            route.fulfill(status=200, body=sdk.read_bytes(), content_type="text/javascript")
        else:
            route.fulfill(status=200, body=page, content_type="text/html")

    return handler


def _follow(emulator: RunningEmulator) -> Any:
    """A route handler passing ``/authorize`` on, its 302 to the app replayed as a script navigation.

    Playwright does not route the target of a redirect, and the app exists only as a route. The
    request goes to the emulator as the browser sent it (with its cookies, trusting the CA); the
    emulator's answer (status, cookies, ``Location``) is kept, only the hop is replayed.
    """

    def handler(route: Any) -> None:
        sent = route.request.all_headers()
        keep = {k: v for k, v in sent.items() if k.lower() in ("cookie", "user-agent", "referer")}
        with httpx.Client(verify=emulator.verify) as http:
            answer = http.get(route.request.url, headers=keep, follow_redirects=False)
        location = answer.headers.get("location", "")
        cookies = "\n".join(answer.headers.get_list("set-cookie"))
        headers = {"set-cookie": cookies} if cookies else {}
        if answer.status_code == 302 and location.startswith(APP):
            body = f"<script>location.replace({json.dumps(location)})</script>"
            route.fulfill(status=200, headers=headers, content_type="text/html", body=body)
        elif answer.status_code == 302:
            route.fulfill(status=302, headers={**headers, "location": location})
        else:
            kind = answer.headers.get("content-type", "text/html")
            route.fulfill(status=answer.status_code, headers=headers, content_type=kind, body=answer.content)

    return handler


def _route(context: Any, sdk: Path, emulator: RunningEmulator) -> None:
    """Serve the app at APP, and replay /authorize's redirects back to it."""
    context.route(APP + "/**", _site(sdk, emulator))
    context.route(emulator.base_url + "/authorize*", _follow(emulator))


def _result(page: Any) -> dict[str, Any]:
    page.wait_for_function("window.done !== null && window.done !== undefined", timeout=WAIT_MS)
    result: dict[str, Any] = page.evaluate("window.done")
    return result


def test_embedded_login_then_check_session(sdk: Path, emulator: RunningEmulator, tmp_path: Path) -> None:
    """login() through /co/authenticate logs alice in; checkSession renews over web_message."""
    with chromium_trusting(emulator.ca_bundle, tmp_path / "profile") as context:
        _route(context, sdk, emulator)
        page = context.new_page()
        page.goto(APP + "/")
        realm, password = json.dumps(demo.DATABASE), json.dumps(demo.ALICE_PASSWORD)
        page.evaluate(
            f"webAuth.login({{realm: {realm}, username: 'alice@example.com', password: {password}}}, report)"
        )
        page.wait_for_url(APP + "/#*", timeout=WAIT_MS)
        first = _result(page)
        assert (first["sub"], first["accessToken"]) == (ALICE, True)
        page.evaluate("window.done = null; webAuth.checkSession({}, report)")
        renewed = _result(page)
        assert (renewed["sub"], renewed["accessToken"]) == (ALICE, True)


def test_passwordless_login_with_a_code(sdk: Path, emulator: RunningEmulator, tmp_path: Path) -> None:
    """passwordlessStart sends a code (outbox); passwordlessLogin (/co/authenticate, OTP) logs in."""
    with chromium_trusting(emulator.ca_bundle, tmp_path / "profile") as context:
        _route(context, sdk, emulator)
        page = context.new_page()
        page.goto(APP + "/")
        before = len(emulator.outbox("alice@example.com"))
        page.evaluate(
            "webAuth.passwordlessStart({connection: 'email', send: 'code', email: 'alice@example.com'},"
            " function (err) { window.started = err ? 'error: ' + JSON.stringify(err) : 'ok'; })"
        )
        page.wait_for_function("window.started !== undefined", timeout=WAIT_MS)
        assert page.evaluate("window.started") == "ok"
        code = emulator.outbox("alice@example.com")[before]["code"]
        options = json.dumps({"connection": "email", "email": "alice@example.com", "verificationCode": code})
        page.evaluate(f"webAuth.passwordlessLogin({options}, report)")
        page.wait_for_url(APP + "/#*", timeout=WAIT_MS)
        assert _result(page)["sub"] == EMAIL_ALICE  # the demo's email (passwordless) account
