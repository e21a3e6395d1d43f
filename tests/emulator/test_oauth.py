"""The token endpoints over HTTP: form or JSON bodies, client authentication, /userinfo."""

from __future__ import annotations

import base64
import secrets
from typing import TYPE_CHECKING

import jwt

from auth0link.emulator.state import demo
from tests.emulator.conftest import BASE, code_for, exchange
from tests.support.demo_ids import ALICE

if TYPE_CHECKING:
    from tests.emulator.conftest import Ctx


def test_json_body_is_accepted(ctx: Ctx) -> None:
    """/oauth/token accepts an application/json body as well as a form."""
    verifier = secrets.token_urlsafe(40)
    status, body = exchange(ctx, code_for(ctx, verifier), verifier, as_json=True)
    assert status == 200
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 86400


def test_client_credentials_with_post_and_basic_auth(ctx: Ctx) -> None:
    """M2M tokens come with client_secret_post and client_secret_basic; sub is client@clients."""
    token = ctx.m2m_token()
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["sub"] == demo.M2M_CLIENT_ID + "@clients"
    assert claims["gty"] == "client-credentials"
    assert claims["aud"] == BASE + "/api/v2/"
    assert claims["scope"] == " ".join(demo.M2M_SCOPES)
    assert claims["scope"].startswith("read:users update:users delete:users create:users read:clients")
    basic = base64.b64encode(f"{demo.M2M_CLIENT_ID}:{demo.M2M_CLIENT_SECRET}".encode()).decode()
    reply = ctx.client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "audience": BASE + "/api/v2/", "scope": "read:users"},
        headers={"authorization": f"Basic {basic}"},
    )
    assert reply.status_code == 200
    assert reply.json()["scope"] == "read:users"


def test_invalid_json_body_is_invalid_request(ctx: Ctx) -> None:
    """A malformed JSON body is a 400 invalid_request."""
    reply = ctx.client.post("/oauth/token", content=b"{", headers={"content-type": "application/json"})
    assert (reply.status_code, reply.json()["error"]) == (400, "invalid_request")


def test_userinfo_returns_profile_claims(ctx: Ctx) -> None:
    """/userinfo with the access token returns sub and the profile/email claims."""
    token = ctx.login()["access_token"]
    reply = ctx.client.get("/userinfo", headers={"authorization": f"Bearer {token}"})
    assert reply.status_code == 200
    body = reply.json()
    assert body["sub"] == ALICE
    assert body["email"] == "alice@example.com"
    assert body["email_verified"] is True


def test_userinfo_refuses_bad_expired_and_m2m_tokens(ctx: Ctx) -> None:
    """/userinfo is 401 for garbage, expired tokens and M2M tokens (no userinfo audience)."""
    token = ctx.login()["access_token"]
    assert ctx.client.get("/userinfo", headers={"authorization": "Bearer x.y.z"}).status_code == 401
    m2m = ctx.m2m_token()
    assert ctx.client.get("/userinfo", headers={"authorization": f"Bearer {m2m}"}).status_code == 401
    ctx.advance(86401)
    reply = ctx.client.get("/userinfo", headers={"authorization": f"Bearer {token}"})
    assert reply.status_code == 401
    assert reply.text == "Unauthorized"
