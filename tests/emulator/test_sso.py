"""The SSO session cookie and logout (/v2/logout, /oidc/logout)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

from auth0link.emulator.authn.sso import SESSION_COOKIE, session_cookie_attributes
from auth0link.emulator.state import demo
from auth0link.emulator.state.persistence import build_tenant
from auth0link.emulator.testing.agent import LoginAgent
from auth0link.emulator.testing.transport import SyncASGITransport
from auth0link.emulator.web.app import create_app
from tests.emulator.conftest import SPA_ORIGIN, pkce
from tests.emulator.test_agent import authorize_url

if TYPE_CHECKING:
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


def _session_cookies(agent: LoginAgent, url: str) -> list[str]:
    """The ``auth0=`` Set-Cookie headers a full login at ``url`` receives."""
    seen: list[str] = []
    agent.client.event_hooks["response"].append(lambda r: seen.extend(r.headers.get_list("set-cookie")))
    agent.complete_authorize(url, email="alice@example.com", password=demo.ALICE_PASSWORD, deliver=False)
    return [header for header in seen if header.startswith(f"{SESSION_COOKIE}=")]


def test_over_https_the_session_cookie_is_secure_and_samesite_none(ctx: Ctx) -> None:
    """Over HTTPS (the default) the SSO cookie is HttpOnly; Secure; SameSite=None, as Auth0 sets it."""
    (header,) = _session_cookies(ctx.browser(), ctx.authorize_url(pkce("x" * 43)))
    attributes = {part.strip().lower() for part in header.split(";")[1:]}
    assert {"httponly", "secure", "samesite=none", "path=/"} <= attributes


def test_over_http_the_session_cookie_is_lax_and_not_secure() -> None:
    """With --http the SSO cookie is HttpOnly; SameSite=Lax and not Secure (it must reach plain HTTP)."""
    base = "http://emulator.test"
    emulator = create_app(build_tenant(base))
    with httpx.Client(transport=SyncASGITransport(emulator), base_url=base) as client:
        url = authorize_url(base, "http://127.0.0.1:8484/callback", "x" * 43)
        (header,) = _session_cookies(LoginAgent(client=client), url)
    attributes = {part.strip().lower() for part in header.split(";")[1:]}
    assert {"httponly", "samesite=lax", "path=/"} <= attributes
    assert "secure" not in attributes


def test_cookie_attributes_come_from_one_place() -> None:
    """session_cookie_attributes is the one source: Secure with SameSite=None, else Lax."""
    assert session_cookie_attributes(secure=True) == {
        "httponly": True,
        "secure": True,
        "samesite": "none",
        "path": "/",
    }
    assert session_cookie_attributes(secure=False)["samesite"] == "lax"


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


def test_logout_without_a_client_uses_the_tenants_allowed_logout_urls(ctx: Ctx) -> None:
    """No client_id: returnTo must be in the tenant-level list (none on a fresh tenant), as on Auth0."""
    browser = ctx.browser()
    fresh = browser.client.get("/v2/logout", params={"returnTo": "http://127.0.0.1:8484/"})
    assert fresh.status_code == 400
    assert "Allowed Logout URLs" in fresh.text
    ctx.tenant.config.settings["allowed_logout_urls"] = ["https://app.example.com/bye"]
    listed = browser.client.get("/v2/logout", params={"returnTo": "https://app.example.com/bye"})
    assert (listed.status_code, listed.headers["location"]) == (302, "https://app.example.com/bye")
    other = browser.client.get("/oidc/logout", params={"post_logout_redirect_uri": "http://127.0.0.1:8484/"})
    assert other.status_code == 400


def test_logout_naming_a_client_without_return_to_goes_to_its_first_logout_url(ctx: Ctx) -> None:
    """/v2/logout?client_id=SPA with no returnTo redirects to the SPA's first Allowed Logout URL."""
    out = ctx.browser().client.get("/v2/logout", params={"client_id": demo.SPA_CLIENT_ID})
    assert out.status_code == 302
    assert out.headers["location"] == ctx.tenant.clients[demo.SPA_CLIENT_ID].allowed_logout_urls[0]
