"""Cross-origin authentication: /co/authenticate, /authorize with login_ticket, the /co/verify fallback."""

from __future__ import annotations

import dataclasses
import re
from html import unescape
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlsplit

from auth0link.emulator.state import demo
from tests.emulator.conftest import BASE, SPA_ORIGIN, claims
from tests.support.demo_ids import ALICE

if TYPE_CHECKING:
    import httpx

    from tests.emulator.conftest import Ctx

REALM = "http://auth0.com/oauth/grant-type/password-realm"
OTP = "http://auth0.com/oauth/grant-type/passwordless/otp"


def co_authenticate(client: httpx.Client, origin: str = SPA_ORIGIN, **body: Any) -> httpx.Response:
    """POST /co/authenticate as auth0-js login() sends it (JSON, from the app's origin)."""
    fields = {
        "client_id": demo.SPA_CLIENT_ID,
        "username": "alice@example.com",
        "password": demo.ALICE_PASSWORD,
        "realm": demo.DATABASE,
        "credential_type": REALM,
        **body,
    }
    return client.post("/co/authenticate", json=fields, headers={"origin": origin})


def authorize_with(ticket: str, **params: str) -> str:
    """/authorize as auth0-js continues after /co/authenticate (token id_token, fragment)."""
    query = {
        "client_id": demo.SPA_CLIENT_ID,
        "redirect_uri": SPA_ORIGIN,
        "response_type": "token id_token",
        "scope": "openid profile email",
        "nonce": "n-co",
        "state": "st-co",
        "login_ticket": ticket,
        **params,
    }
    return BASE + "/authorize?" + urlencode(query)


def fragment_of(reply: httpx.Response) -> dict[str, str]:
    """The fields of a redirect's fragment."""
    assert reply.status_code == 302, reply.text
    return {k: v[0] for k, v in parse_qs(urlsplit(reply.headers["location"]).fragment).items()}


def test_login_ticket_and_cookie_log_the_user_in(ctx: Ctx) -> None:
    """/co/authenticate → {login_ticket, co_verifier, co_id} + cookie; /authorize then answers tokens."""
    browser = ctx.browser().client
    reply = co_authenticate(browser)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert set(body) == {"login_ticket", "co_verifier", "co_id"}
    assert reply.headers["access-control-allow-origin"] == SPA_ORIGIN
    assert reply.headers["access-control-allow-credentials"] == "true"
    assert browser.cookies.get("co_verifier") == body["co_verifier"]
    answer = fragment_of(browser.get(authorize_with(body["login_ticket"])))
    assert claims(answer["id_token"])["sub"] == ALICE
    assert answer["state"] == "st-co"
    again = fragment_of(browser.get(authorize_with(body["login_ticket"])))
    assert again["error"] == "access_denied"  # single use


def test_wrong_password_and_disabled_clients_are_refused(ctx: Ctx) -> None:
    """Bad password: 403 access_denied; a client without cross-origin auth: unauthorized_client."""
    wrong = co_authenticate(ctx.client, password="nope")
    assert (wrong.status_code, wrong.json()) == (
        403,
        {"error": "access_denied", "error_description": "Wrong email or password."},
    )
    disabled = co_authenticate(ctx.client, client_id=demo.WEB_CLIENT_ID)
    assert (disabled.status_code, disabled.json()["error_description"]) == (
        403,
        "Cross origin login not allowed.",
    )
    foreign = co_authenticate(ctx.client, origin="https://evil.example")
    assert foreign.status_code == 403
    assert "access-control-allow-origin" not in foreign.headers


def test_preflight_is_answered_for_allowed_web_origins_only(ctx: Ctx) -> None:
    """OPTIONS /co/authenticate: 204 with credentials for the SPA's origin, 403 for another."""
    ask = {"access-control-request-method": "POST", "access-control-request-headers": "content-type"}
    ok = ctx.client.options("/co/authenticate", headers={"origin": SPA_ORIGIN, **ask})
    assert (ok.status_code, ok.headers["access-control-allow-credentials"]) == (204, "true")
    bad = ctx.client.options("/co/authenticate", headers={"origin": "https://evil.example", **ask})
    assert bad.status_code == 403


def test_passwordless_code_through_co_authenticate(ctx: Ctx) -> None:
    """passwordlessLogin: /passwordless/start, then /co/authenticate with the OTP grant and the code."""
    browser = ctx.browser().client
    start = {
        "client_id": demo.SPA_CLIENT_ID,
        "connection": "email",
        "email": "alice@example.com",
        "send": "code",
    }
    assert browser.post("/passwordless/start", json=start, headers={"origin": SPA_ORIGIN}).status_code == 200
    [message] = ctx.client.get("/__emulator/outbox", params={"to": "alice@example.com"}).json()["messages"]
    wrong = co_authenticate(
        browser, credential_type=OTP, realm="email", otp="000000" if message["code"] != "000000" else "1"
    )
    assert wrong.json()["error_description"] == "Wrong email or verification code."
    reply = co_authenticate(browser, credential_type=OTP, realm="email", otp=message["code"], password="")
    assert reply.status_code == 200, reply.text
    answer = fragment_of(browser.get(authorize_with(reply.json()["login_ticket"])))
    assert claims(answer["id_token"])["email"] == "alice@example.com"


def test_without_the_cookie_the_fallback_page_verifies_through_co_verify(ctx: Ctx) -> None:
    """Third-party cookies blocked: the page iframes cross_origin_loc, /co/verify sets the cookie."""
    spa = ctx.tenant.clients[demo.SPA_CLIENT_ID]
    ctx.tenant.clients[demo.SPA_CLIENT_ID] = dataclasses.replace(
        spa, cross_origin_loc=SPA_ORIGIN + "/co.html"
    )
    body = co_authenticate(ctx.client).json()  # the app's XHR: its cookie is not in the browser below
    browser = ctx.browser().client
    page = browser.get(authorize_with(body["login_ticket"]))
    assert page.status_code == 200
    assert f'src="{SPA_ORIGIN}/co.html#origin={BASE}"' in unescape(page.text)
    query = unescape(re.search(r'name="authorize_query" value="([^"]*)"', page.text).group(1))  # type: ignore[union-attr]
    verified = browser.post("/co/verify", data={"authorize_query": query, "verifier": body["co_verifier"]})
    assert verified.status_code == 302
    answer = fragment_of(browser.get(verified.headers["location"]))
    assert claims(answer["id_token"])["sub"] == ALICE


def test_without_cookie_or_fallback_the_login_fails_visibly(ctx: Ctx) -> None:
    """No cookie and no cross_origin_loc: a 400 error page naming the missing fallback."""
    body = co_authenticate(ctx.client).json()
    page = ctx.browser().client.get(authorize_with(body["login_ticket"]))
    assert page.status_code == 400
    assert "cross_origin_loc" in page.text
