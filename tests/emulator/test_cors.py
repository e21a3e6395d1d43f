"""CORS for browser applications: preflights, allowed and refused origins, per client and per tenant."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from auth0link.emulator.state import demo
from auth0link.emulator.web.faults import parse_faults
from tests.emulator.conftest import ALICE_ENC, BASE, SPA_ORIGIN

if TYPE_CHECKING:
    from collections.abc import Callable

    import httpx

    from tests.emulator.conftest import Ctx

FOREIGN = "https://evil.example"


def preflight(ctx: Ctx, path: str, origin: str, method: str = "POST") -> httpx.Response:
    """An OPTIONS preflight as Chromium sends it for auth0-spa-js (custom Auth0-Client header)."""
    return ctx.client.options(
        path,
        headers={
            "origin": origin,
            "access-control-request-method": method,
            "access-control-request-headers": "auth0-client,content-type",
        },
    )


@pytest.mark.parametrize(
    "path", ["/oauth/token", "/oauth/revoke", "/dbconnections/signup", "/passwordless/start"]
)
def test_preflight_of_client_checked_endpoints_answers_any_origin(ctx: Ctx, path: str) -> None:
    """The body names the client, so these preflights pass; headers echo origin and request."""
    for origin in (SPA_ORIGIN, FOREIGN):
        reply = preflight(ctx, path, origin)
        assert reply.status_code == 204
        assert reply.headers["access-control-allow-origin"] == origin
        assert reply.headers["access-control-allow-credentials"] == "true"
        assert reply.headers["access-control-allow-methods"] == "POST"
        assert reply.headers["access-control-allow-headers"] == "auth0-client,content-type"
        assert "Origin" in reply.headers["vary"]


def test_token_call_from_an_allowed_origin_gets_tokens_and_cors_headers(ctx: Ctx) -> None:
    """A refresh from the SPA's origin works and its answer is readable (ACAO echoes the origin)."""
    tokens = ctx.login(client_id=demo.SPA_CLIENT_ID, redirect_uri=SPA_ORIGIN)
    reply = ctx.client.post(
        "/oauth/token",
        json={
            "grant_type": "refresh_token",
            "client_id": demo.SPA_CLIENT_ID,
            "refresh_token": tokens["refresh_token"],
        },
        headers={"origin": SPA_ORIGIN, "auth0-client": "eyJuYW1lIjoiYXV0aDAtc3BhLWpzIn0="},
    )
    assert reply.status_code == 200
    assert reply.headers["access-control-allow-origin"] == SPA_ORIGIN


def test_token_call_from_a_foreign_origin_is_401_unauthorized(ctx: Ctx) -> None:
    """An origin the client does not allow is refused as Auth0 does: 401 access_denied, readable."""
    tokens = ctx.login(client_id=demo.SPA_CLIENT_ID, redirect_uri=SPA_ORIGIN)
    reply = ctx.client.post(
        "/oauth/token",
        data={
            "grant_type": "refresh_token",
            "client_id": demo.SPA_CLIENT_ID,
            "refresh_token": tokens["refresh_token"],
        },
        headers={"origin": FOREIGN},
    )
    assert reply.status_code == 401
    assert reply.json() == {"error": "access_denied", "error_description": "Unauthorized"}
    assert reply.headers["access-control-allow-origin"] == FOREIGN


def test_callback_origins_count_for_cors(ctx: Ctx) -> None:
    """The native client's loopback callback origin may call /oauth/token (Auth0: callbacks count)."""
    tokens = ctx.login()
    reply = ctx.client.post(
        "/oauth/token",
        data={
            "grant_type": "refresh_token",
            "client_id": demo.NATIVE_CLIENT_ID,
            "refresh_token": tokens["refresh_token"],
        },
        headers={"origin": "http://127.0.0.1:8484"},
    )
    assert reply.status_code == 200


@pytest.mark.parametrize(
    ("path", "method"),
    [("/userinfo", "GET"), ("/.well-known/jwks.json", "GET"), (f"/api/v2/users/{ALICE_ENC}", "PATCH")],
)
def test_tenant_wide_endpoints_allow_known_origins_and_refuse_others(
    ctx: Ctx, path: str, method: str
) -> None:
    """/userinfo, /.well-known and /api/v2 preflights: 204 for a client's origin, 403 bare otherwise."""
    allowed = preflight(ctx, path, SPA_ORIGIN, method)
    assert allowed.status_code == 204
    assert allowed.headers["access-control-allow-origin"] == SPA_ORIGIN
    assert method in allowed.headers["access-control-allow-methods"]
    refused = preflight(ctx, path, FOREIGN, method)
    assert refused.status_code == 403
    assert "access-control-allow-origin" not in refused.headers


def test_management_api_answers_carry_cors_and_expose_rate_limit_headers(ctx: Ctx) -> None:
    """A Management API call from the SPA origin is readable, rate-limit headers included."""
    token = ctx.login(client_id=demo.SPA_CLIENT_ID, redirect_uri=SPA_ORIGIN)["access_token"]
    reply = ctx.api("GET", f"/users/{ALICE_ENC}", token, headers={"origin": SPA_ORIGIN})
    assert reply.status_code == 200
    assert reply.headers["access-control-allow-origin"] == SPA_ORIGIN
    assert "x-ratelimit-remaining" in reply.headers["access-control-expose-headers"]
    foreign = ctx.api("GET", f"/users/{ALICE_ENC}", token, headers={"origin": FOREIGN})
    assert "access-control-allow-origin" not in foreign.headers


def test_preflights_spend_no_rate_limit_token_and_are_never_faulted(make_ctx: Callable[..., Ctx]) -> None:
    """Preflights bypass the Management API bucket and fault injection (OPTIONS used to be 404)."""
    ctx = make_ctx(rate_limit=(0.001, 1), faults=parse_faults("*=503x*"))
    for _ in range(5):
        assert preflight(ctx, f"/api/v2/users/{ALICE_ENC}", SPA_ORIGIN, "GET").status_code == 204
    ctx.emulator.faults.rules.clear()
    assert ctx.api("GET", f"/users/{ALICE_ENC}", ctx.m2m_token()).status_code == 200


def test_requests_without_origin_or_from_the_tenant_itself_have_no_cors_headers(ctx: Ctx) -> None:
    """Server-side callers (no Origin) and the tenant's own pages get no CORS headers."""
    assert "access-control-allow-origin" not in ctx.client.get("/.well-known/jwks.json").headers
    own = ctx.client.get("/.well-known/jwks.json", headers={"origin": BASE})
    assert "access-control-allow-origin" not in own.headers
