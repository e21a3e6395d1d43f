"""The grants of POST /oauth/token (codes, refresh rotation, client credentials) and /oauth/revoke."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

import jwt
import pytest

from auth0link.emulator.state import demo
from tests.emulator.conftest import BASE, code_for, exchange
from tests.support.demo_ids import ALICE

if TYPE_CHECKING:
    from tests.emulator.conftest import Ctx


def refresh(ctx: Ctx, token: str) -> tuple[int, dict[str, Any]]:
    """POST the refresh_token grant."""
    reply = ctx.client.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "client_id": demo.NATIVE_CLIENT_ID, "refresh_token": token},
    )
    return reply.status_code, reply.json()


def test_code_is_single_use(ctx: Ctx) -> None:
    """A code works once; the second exchange is invalid_grant (403)."""
    verifier = secrets.token_urlsafe(40)
    code = code_for(ctx, verifier)
    assert exchange(ctx, code, verifier)[0] == 200
    assert exchange(ctx, code, verifier) == (
        403,
        {"error": "invalid_grant", "error_description": "Invalid authorization code"},
    )


def test_wrong_code_verifier_is_refused(ctx: Ctx) -> None:
    """A verifier that does not match the challenge fails with invalid_grant."""
    verifier = secrets.token_urlsafe(40)
    status, body = exchange(ctx, code_for(ctx, verifier), "w" * 43)
    assert status == 403
    assert body == {"error": "invalid_grant", "error_description": "Failed to verify code verifier"}


def test_missing_code_verifier_is_refused(ctx: Ctx) -> None:
    """Leaving out code_verifier fails with invalid_grant."""
    verifier = secrets.token_urlsafe(40)
    status, body = exchange(ctx, code_for(ctx, verifier), "")
    assert (status, body["error"]) == (403, "invalid_grant")


def test_redirect_uri_must_equal_the_authorize_one(ctx: Ctx) -> None:
    """A different redirect_uri at the token endpoint is invalid_grant."""
    verifier = secrets.token_urlsafe(40)
    status, body = exchange(
        ctx, code_for(ctx, verifier), verifier, redirect_uri="http://127.0.0.1:8485/callback"
    )
    assert (status, body["error"]) == (403, "invalid_grant")


def test_expired_code_is_refused(ctx: Ctx) -> None:
    """A code older than its lifetime is invalid_grant."""
    verifier = secrets.token_urlsafe(40)
    code = code_for(ctx, verifier)
    ctx.advance(61)
    assert exchange(ctx, code, verifier)[0] == 403


def test_refresh_rotates_and_reuse_revokes_the_family(ctx: Ctx) -> None:
    """Each refresh returns a new token; reusing an old one after the leeway revokes them all."""
    first = ctx.login()["refresh_token"]
    status, body = refresh(ctx, first)
    assert status == 200
    second = body["refresh_token"]
    assert second != first
    assert jwt.decode(body["id_token"], options={"verify_signature": False})["sub"] == ALICE
    ctx.advance(5)
    assert refresh(ctx, first) == (
        403,
        {"error": "invalid_grant", "error_description": "Unknown or invalid refresh token."},
    )
    assert refresh(ctx, second)[0] == 403  # the whole family is gone


def test_refresh_reuse_within_leeway_is_tolerated(ctx: Ctx) -> None:
    """A rotated token reused within the leeway (a concurrent refresh) still works."""
    first = ctx.login()["refresh_token"]
    assert refresh(ctx, first)[0] == 200
    ctx.advance(1)
    status, body = refresh(ctx, first)
    assert status == 200
    assert refresh(ctx, body["refresh_token"])[0] == 200


def test_refresh_token_only_with_offline_access(ctx: Ctx) -> None:
    """Without offline_access no refresh token is issued."""
    tokens = ctx.login(scope="openid profile email read:current_user")
    assert "refresh_token" not in tokens
    assert tokens["scope"] == "openid profile email read:current_user"


def test_unknown_refresh_token_is_invalid_grant(ctx: Ctx) -> None:
    """A made-up refresh token is invalid_grant with status 403."""
    assert refresh(ctx, "v1.nope")[0] == 403


def test_user_tokens_never_get_admin_scopes(ctx: Ctx) -> None:
    """read:users asked by the native client is silently dropped."""
    tokens = ctx.login(scope="openid read:users read:current_user")
    assert tokens["scope"] == "openid read:current_user"


@pytest.mark.parametrize(
    ("data", "status", "error"),
    [
        ({"client_secret": "wrong"}, 401, "access_denied"),
        ({"scope": "read:users read:client_keys"}, 403, "access_denied"),
        ({"audience": ""}, 403, "access_denied"),
        ({"audience": "https://other.example/"}, 403, "access_denied"),
        ({"client_id": "unknown"}, 401, "access_denied"),
        ({"grant_type": "urn:example:made-up"}, 403, "unsupported_grant_type"),
        ({"grant_type": "password"}, 403, "unauthorized_client"),
        ({"grant_type": ""}, 400, "invalid_request"),
    ],
)
def test_client_credentials_errors(ctx: Ctx, data: dict[str, str], status: int, error: str) -> None:
    """Wrong secret, missing/foreign audience, unknown client and bad grants fail as Auth0's."""
    body = {
        "grant_type": "client_credentials",
        "client_id": demo.M2M_CLIENT_ID,
        "client_secret": demo.M2M_CLIENT_SECRET,
        "audience": BASE + "/api/v2/",
        **data,
    }
    reply = ctx.client.post("/oauth/token", data={k: v for k, v in body.items() if v})
    assert (reply.status_code, reply.json()["error"]) == (status, error)


def test_grant_not_enabled_is_unauthorized_client(ctx: Ctx) -> None:
    """The native client may not use client_credentials (unauthorized_client, 403)."""
    reply = ctx.client.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": demo.NATIVE_CLIENT_ID,
            "audience": BASE + "/api/v2/",
        },
    )
    assert reply.status_code == 403
    assert reply.json() == {
        "error": "unauthorized_client",
        "error_description": "Grant type 'client_credentials' not allowed for the client.",
    }


def test_revoke_kills_the_refresh_family(ctx: Ctx) -> None:
    """/oauth/revoke answers 200 with an empty body and the refresh token stops working."""
    token = ctx.login()["refresh_token"]
    reply = ctx.client.post("/oauth/revoke", json={"client_id": demo.NATIVE_CLIENT_ID, "token": token})
    assert reply.status_code == 200
    assert reply.content == b""
    assert refresh(ctx, token)[0] == 403
    again = ctx.client.post("/oauth/revoke", json={"client_id": demo.NATIVE_CLIENT_ID, "token": token})
    assert again.status_code == 200
