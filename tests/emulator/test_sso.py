"""The SSO session cookie and logout (/v2/logout, /oidc/logout)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from auth0link.emulator import demo
from tests.emulator.conftest import (
    pkce,
)

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
