"""The regular web application (confidential code grant, refresh) and the password-realm grant."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from auth0link.emulator.state import demo
from auth0link.emulator.state.applications import PASSWORD_REALM_GRANT
from tests.emulator.conftest import BASE, claims, query_of
from tests.support.demo_ids import ALICE

if TYPE_CHECKING:
    import httpx

    from tests.emulator.conftest import Ctx

WEB_CALLBACK = "http://localhost:3000/callback"


def realm_login(ctx: Ctx, client_id: str = demo.WEB_CLIENT_ID, **extra: str) -> httpx.Response:
    """The password-realm grant with alice's credentials."""
    data = {
        "grant_type": PASSWORD_REALM_GRANT,
        "client_id": client_id,
        "username": "alice@example.com",
        "password": demo.ALICE_PASSWORD,
        "realm": demo.DATABASE,
        "scope": "openid profile offline_access",
        **extra,
    }
    if client_id == demo.WEB_CLIENT_ID:
        data.setdefault("client_secret", demo.WEB_CLIENT_SECRET)
    return ctx.client.post("/oauth/token", data=data)


def test_password_realm_logs_in_with_the_regular_web_app(ctx: Ctx) -> None:
    """Username, password and realm give ID, access and refresh tokens for the user."""
    reply = realm_login(ctx)
    assert reply.status_code == 200
    body = reply.json()
    assert claims(body["id_token"])["sub"] == ALICE
    assert claims(body["id_token"])["aud"] == demo.WEB_CLIENT_ID
    assert body["refresh_token"].startswith("v1.")


def test_password_realm_with_a_wrong_password_is_invalid_grant(ctx: Ctx) -> None:
    """Auth0's "Wrong email or password." with 403 invalid_grant."""
    reply = realm_login(ctx, password="nope")
    assert (reply.status_code, reply.json()) == (
        403,
        {"error": "invalid_grant", "error_description": "Wrong email or password."},
    )


@pytest.mark.parametrize("client_id", [demo.SPA_CLIENT_ID, demo.NATIVE_CLIENT_ID])
def test_password_realm_is_refused_where_the_grant_is_not_enabled(ctx: Ctx, client_id: str) -> None:
    """The SPA and the native client do not have it: Auth0's 403 unauthorized_client."""
    reply = realm_login(ctx, client_id=client_id)
    assert (reply.status_code, reply.json()) == (
        403,
        {
            "error": "unauthorized_client",
            "error_description": f"Grant type '{PASSWORD_REALM_GRANT}' not allowed for the client.",
        },
    )


@pytest.mark.parametrize(
    ("extra", "status", "error"),
    [
        ({"client_secret": "wrong"}, 401, "access_denied"),
        ({"realm": "Nope-DB"}, 400, "invalid_request"),
        ({"realm": "google-oauth2"}, 400, "invalid_request"),
        ({"realm": ""}, 400, "invalid_request"),
        ({"audience": "https://other.example/"}, 403, "access_denied"),
    ],
)
def test_password_realm_errors(ctx: Ctx, extra: dict[str, str], status: int, error: str) -> None:
    """Bad secret, unknown or non-database realm, missing realm, foreign audience."""
    reply = realm_login(ctx, **extra)
    assert (reply.status_code, reply.json()["error"]) == (status, error)


def test_plain_password_grant_needs_a_default_directory(ctx: Ctx) -> None:
    """grant_type=password without realm: the tenant has no Default Directory, Auth0's 500 server_error."""
    reply = realm_login(ctx, grant_type="password", realm="")
    assert reply.status_code == 500
    assert reply.json()["error_description"] == "Authorization server not configured with default connection."


def test_regular_web_app_code_grant_with_secret_and_no_pkce(ctx: Ctx) -> None:
    """A confidential client logs in without PKCE, redeems with its secret, and refreshes."""
    browser = ctx.browser()
    url = ctx.authorize_url(
        "",
        client_id=demo.WEB_CLIENT_ID,
        redirect_uri=WEB_CALLBACK,
        code_challenge_method="",
        scope="openid offline_access",
    )
    callback = browser.complete_authorize(
        url, email="alice@example.com", password=demo.ALICE_PASSWORD, deliver=False
    )
    assert callback.startswith(WEB_CALLBACK + "?")  # no confirmation screen for a web app
    code = query_of(callback)["code"]
    exchange = {"grant_type": "authorization_code", "client_id": demo.WEB_CLIENT_ID, "code": code}
    exchange["redirect_uri"] = WEB_CALLBACK
    assert ctx.client.post("/oauth/token", data=exchange).status_code == 401  # no secret: code spent
    callback = browser.complete_authorize(url, deliver=False)  # SSO session: no login page
    exchange["code"] = query_of(callback)["code"]
    tokens = ctx.client.post("/oauth/token", data=exchange, auth=(demo.WEB_CLIENT_ID, demo.WEB_CLIENT_SECRET))
    assert tokens.status_code == 200
    refreshed = ctx.client.post(
        "/oauth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": tokens.json()["refresh_token"],
            **secret_post(),
        },
    )
    assert refreshed.status_code == 200
    assert refreshed.json()["refresh_token"] != tokens.json()["refresh_token"]


def secret_post() -> dict[str, str]:
    """client_secret_post credentials of the regular web app."""
    return {"client_id": demo.WEB_CLIENT_ID, "client_secret": demo.WEB_CLIENT_SECRET}


def test_public_clients_still_need_pkce(ctx: Ctx) -> None:
    """The SPA without code_challenge is refused (only confidential clients may skip PKCE)."""
    url = ctx.authorize_url("", client_id=demo.SPA_CLIENT_ID, redirect_uri="http://localhost:3000")
    reply = ctx.client.get(url)
    assert (
        query_of(reply.headers["location"])["error_description"] == "Parameter 'code_challenge' is required"
    )


def test_regular_web_app_user_token_gets_only_current_user_scopes(ctx: Ctx) -> None:
    """A user token of the web app for the Management API never carries admin scopes."""
    reply = realm_login(ctx, audience=BASE + "/api/v2/", scope="openid read:users read:current_user")
    assert reply.json()["scope"] == "openid read:current_user"
