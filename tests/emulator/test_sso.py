"""The SSO session cookie and logout (/v2/logout, /oidc/logout)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from auth0link.emulator import demo
from auth0link.emulator.persistence import build_tenant
from auth0link.emulator.sso import session_cookie_attributes
from tests.emulator.conftest import SPA_ORIGIN, pkce

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.emulator.conftest import Ctx


def test_logout_ends_the_sso_session(ctx: Ctx) -> None:
    """/v2/logout ends the session: the next /authorize shows the login page again."""
    browser = ctx.browser()
    ctx.login(browser)
    out = browser.client.get(
        "/v2/logout", params={"client_id": demo.NATIVE_CLIENT_ID, "returnTo": "http://127.0.0.1:8484/"}
    )
    assert out.status_code == 302
    assert out.headers["location"] == "http://127.0.0.1:8484/"
    reply = browser.client.get(ctx.authorize_url(pkce("x" * 43)))
    assert reply.headers["location"].startswith("/u/login?")


def test_oidc_logout_ends_the_session_and_echoes_state(ctx: Ctx) -> None:
    """/oidc/logout ends the session and redirects with the state."""
    browser = ctx.browser()
    tokens = ctx.login(browser)
    out = browser.client.get(
        "/oidc/logout",
        params={
            "id_token_hint": tokens["id_token"],
            "post_logout_redirect_uri": "http://localhost:8485/bye",
            "state": "abc",
        },
    )
    assert out.headers["location"] == "http://localhost:8485/bye?state=abc"
    assert ctx.tenant.counters()["sessions"] == 0
    plain = browser.client.get("/v2/logout")
    assert 'id="logged-out"' in plain.text


def test_session_cookie_is_lax_and_not_secure_over_http(ctx: Ctx) -> None:
    """Over plain HTTP the SSO cookie is HttpOnly; SameSite=Lax, without Secure (jars drop it)."""
    cookie = login_cookie(ctx)
    assert "httponly" in cookie.lower()
    assert "samesite=lax" in cookie.lower()
    assert "secure" not in cookie.lower()


def test_session_cookie_is_none_and_secure_over_https(make_ctx: Callable[..., Ctx]) -> None:
    """Over HTTPS the SSO cookie is SameSite=None; Secure, so the silent-auth iframe sends it."""
    attributes = session_cookie_attributes(make_ctx().tenant)
    assert (attributes["samesite"], attributes["secure"]) == ("lax", False)
    https = build_tenant("https://emulator.test", clock=lambda: 1_800_000_000.0)
    assert session_cookie_attributes(https) == {
        "httponly": True,
        "secure": True,
        "samesite": "none",
        "path": "/",
    }


def login_cookie(ctx: Ctx) -> str:
    """The Set-Cookie header of a password login (the answer to the login form)."""
    browser = ctx.browser()
    first = browser.client.get(
        ctx.authorize_url(pkce("x" * 43), client_id=demo.SPA_CLIENT_ID, redirect_uri=SPA_ORIGIN)
    )
    page = browser.client.get(first.headers["location"])
    state = page.text.split('name="state" value="')[1].split('"')[0]
    answer = browser.client.post(
        "/u/login", data={"state": state, "username": "alice@example.com", "password": demo.ALICE_PASSWORD}
    )
    return str(answer.headers["set-cookie"])


def test_logout_honours_the_clients_allowed_logout_urls(ctx: Ctx) -> None:
    """The SPA may return to its Allowed Logout URLs only; anything else is Auth0's error page."""
    browser = ctx.browser()
    ok = browser.client.get("/v2/logout", params={"client_id": demo.SPA_CLIENT_ID, "returnTo": SPA_ORIGIN})
    assert (ok.status_code, ok.headers["location"]) == (302, SPA_ORIGIN)
    other = browser.client.get(
        "/v2/logout", params={"client_id": demo.SPA_CLIENT_ID, "returnTo": "http://localhost:3000/elsewhere"}
    )
    assert other.status_code == 400
    assert "Allowed Logout URLs" in other.text


def test_oidc_logout_finds_the_client_from_the_id_token_hint(ctx: Ctx) -> None:
    """/oidc/logout checks post_logout_redirect_uri against the hinted client's list, then adds state."""
    tokens = ctx.login(client_id=demo.SPA_CLIENT_ID, redirect_uri=SPA_ORIGIN)
    params = {"id_token_hint": tokens["id_token"], "post_logout_redirect_uri": SPA_ORIGIN, "state": "s"}
    out = ctx.client.get("/oidc/logout", params=params)
    assert out.headers["location"] == SPA_ORIGIN + "?state=s"
    refused = ctx.client.get(
        "/oidc/logout", params={**params, "post_logout_redirect_uri": "http://localhost:9999/"}
    )
    assert refused.status_code == 400
