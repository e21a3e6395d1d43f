"""Discovery and the JWKS: the documents, and tokens that verify with them."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

import jwt
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.emulator.conftest import BASE

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
