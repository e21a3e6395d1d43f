"""Discovery and the JWKS: the documents, and tokens that verify with them."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

import jwt
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from auth0link.emulator.state import demo
from auth0link.emulator.state.applications import PASSWORD_REALM_GRANT
from tests.emulator.conftest import BASE, pkce

if TYPE_CHECKING:
    from tests.emulator.conftest import Ctx


def test_discovery_document_points_at_tenant_endpoints(ctx: Ctx) -> None:
    """The OIDC discovery document has Auth0's issuer (trailing slash) and endpoint paths."""
    doc = ctx.client.get("/.well-known/openid-configuration").json()
    assert doc["issuer"] == BASE + "/"
    assert doc["authorization_endpoint"] == BASE + "/authorize"
    assert doc["token_endpoint"] == BASE + "/oauth/token"
    assert doc["device_authorization_endpoint"] == BASE + "/oauth/device/code"
    assert doc["userinfo_endpoint"] == BASE + "/userinfo"
    assert doc["jwks_uri"] == BASE + "/.well-known/jwks.json"
    assert doc["revocation_endpoint"] == BASE + "/oauth/revoke"
    assert doc["end_session_endpoint"] == BASE + "/oidc/logout"
    assert doc["code_challenge_methods_supported"] == ["S256"]


def test_jwks_has_rs256_key_with_kid_and_matching_x5c(ctx: Ctx) -> None:
    """The JWKS key carries kid/use/alg and an x5c certificate for the same public key."""
    (key,) = ctx.client.get("/.well-known/jwks.json").json()["keys"]
    assert {key["kty"], key["use"], key["alg"]} == {"RSA", "sig", "RS256"}
    assert key["kid"]
    cert = x509.load_der_x509_certificate(base64.b64decode(key["x5c"][0]))
    public = jwt.PyJWK(key).key
    cert_key = cert.public_key()
    assert isinstance(cert_key, rsa.RSAPublicKey)
    assert isinstance(public, rsa.RSAPublicKey)
    assert cert_key.public_numbers() == public.public_numbers()


def test_tokens_verify_with_the_published_jwks(ctx: Ctx) -> None:
    """A minted access token verifies with the JWKS key named by its kid header."""
    token = ctx.m2m_token()
    jwks = jwt.PyJWKSet.from_dict(ctx.client.get("/.well-known/jwks.json").json())
    kid = jwt.get_unverified_header(token)["kid"]
    key = next(k for k in jwks.keys if k.key_id == kid)
    claims = jwt.decode(
        token,
        key.key,
        algorithms=["RS256"],
        audience=BASE + "/api/v2/",
        issuer=BASE + "/",
        options={"verify_exp": False, "verify_iat": False},
    )
    assert claims["gty"] == "client-credentials"


def test_every_advertised_capability_is_implemented(ctx: Ctx) -> None:
    """Discovery lists only what works: each response mode, auth method, alg and endpoint."""
    doc = ctx.client.get("/.well-known/openid-configuration").json()
    assert "token id_token" in doc["response_types_supported"]
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]
    assert jwt.get_unverified_header(ctx.login()["id_token"])["alg"] == "RS256"
    for mode in doc["response_modes_supported"]:
        url = ctx.authorize_url(
            pkce("v" * 43),
            client_id=demo.SPA_CLIENT_ID,
            redirect_uri="http://localhost:3000",
            response_mode=mode,
            prompt="none",
        )
        answer = ctx.client.get(url)
        assert answer.status_code in (200, 302), (mode, answer.text)
        assert "login_required" in (answer.text + answer.headers.get("location", "")), mode
    for response_type in doc["response_types_supported"]:
        url = ctx.authorize_url(
            pkce("v" * 43),
            client_id=demo.SPA_CLIENT_ID,
            redirect_uri="http://localhost:3000",
            response_type=response_type,
            nonce="n-0S6_WzA2Mj",
            prompt="none",
        )
        answer = ctx.client.get(url)
        assert "login_required" in answer.headers.get("location", ""), (response_type, answer.text)
    for method in doc["token_endpoint_auth_methods_supported"]:
        data = {
            "grant_type": PASSWORD_REALM_GRANT,
            "username": "alice@example.com",
            "password": demo.ALICE_PASSWORD,
        }
        data["realm"] = demo.DATABASE
        secret = (demo.WEB_CLIENT_ID, demo.WEB_CLIENT_SECRET)
        if method == "client_secret_post":
            reply = ctx.client.post(
                "/oauth/token", data={**data, "client_id": secret[0], "client_secret": secret[1]}
            )
        else:
            reply = ctx.client.post("/oauth/token", data=data, auth=secret)
        assert reply.status_code == 200, (method, reply.text)
    for key, url in doc.items():
        if key.endswith("_endpoint") or key == "jwks_uri":
            path = url.removeprefix(BASE)
            assert (
                ctx.client.request("GET" if key != "token_endpoint" else "POST", path).status_code != 404
            ), key
