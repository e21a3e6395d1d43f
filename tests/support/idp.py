"""A minimal in-test OpenID provider: an RSA key, its JWKS, ID tokens, and respx routes.

Used by the unit tests of ``oidc``, ``pkce_flow``, ``device_flow`` and the login use-case, which
talk to it through ``httpx.MockTransport(router.handler)``.
"""

from __future__ import annotations

import base64
import functools
import time
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    import respx

BASE = "https://tenant.example.com"
ISSUER = BASE + "/"
CLIENT_ID = "nativeClient123"
KID = "test-key-1"


@functools.cache
def private_key() -> Any:
    """One RSA key per test run (generation costs ~50 ms)."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@functools.cache
def other_private_key() -> Any:
    """A second key, for signatures the provider did not make."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _b64(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def jwk(key: Any = None, kid: str = KID) -> dict[str, Any]:
    """The public JWK of ``key`` (default: :func:`private_key`)."""
    numbers = (key or private_key()).public_key().public_numbers()
    return {
        "kty": "RSA",
        "use": "sig",
        "alg": "RS256",
        "kid": kid,
        "n": _b64(numbers.n),
        "e": _b64(numbers.e),
    }


def jwks(*keys: dict[str, Any]) -> dict[str, Any]:
    """A JWKS with the given JWKs (default: the provider's key)."""
    return {"keys": list(keys) or [jwk()]}


def public_pem() -> Any:
    """The provider's public key in PEM (for the HS256 key-confusion attack)."""
    from cryptography.hazmat.primitives import serialization

    return (
        private_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def claims(**overrides: Any) -> dict[str, Any]:
    """Typical ID token claims for alice, with overrides (a value of None drops the claim)."""
    now = int(time.time())
    base: dict[str, Any] = {
        "iss": ISSUER,
        "aud": CLIENT_ID,
        "sub": "auth0|alice",
        "iat": now,
        "exp": now + 36000,
        "nonce": "n-123",
        "email": "alice@example.com",
        "email_verified": True,
        "name": "Alice",
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def id_token(*, key: Any = None, kid: str | None = KID, alg: str = "RS256", **overrides: Any) -> str:
    """Sign :func:`claims` with ``key`` (default: the provider's key)."""
    import jwt

    headers = {"kid": kid} if kid is not None else {}
    return jwt.encode(claims(**overrides), key or private_key(), algorithm=alg, headers=headers)


def discovery_document(base: str = BASE) -> dict[str, Any]:
    """A standard discovery document for ``base``."""
    return {
        "issuer": base + "/",
        "authorization_endpoint": base + "/authorize",
        "token_endpoint": base + "/oauth/token",
        "device_authorization_endpoint": base + "/oauth/device/code",
        "userinfo_endpoint": base + "/userinfo",
        "jwks_uri": base + "/.well-known/jwks.json",
        "revocation_endpoint": base + "/oauth/revoke",
        "end_session_endpoint": base + "/oidc/logout",
    }


def mount(router: respx.Router, base: str = BASE) -> None:
    """Serve discovery and the JWKS on ``router``."""
    router.get(base + "/.well-known/openid-configuration").mock(
        return_value=httpx.Response(200, json=discovery_document(base))
    )
    router.get(base + "/.well-known/jwks.json").mock(return_value=httpx.Response(200, json=jwks()))


def token_body(**overrides: Any) -> dict[str, Any]:
    """A successful /oauth/token body with a fresh ID token (nonce ``n-123`` unless overridden)."""
    nonce = overrides.pop("nonce", "n-123")
    body: dict[str, Any] = {
        "access_token": "AT-1",
        "token_type": "Bearer",
        "expires_in": 86400,
        "scope": "openid profile email offline_access read:current_user",
        "refresh_token": "RT-1",
        "id_token": id_token(nonce=nonce),
    }
    body.update(overrides)
    return body


def device_code_body(**overrides: Any) -> dict[str, Any]:
    """A successful /oauth/device/code body (RFC 8628); an override of None leaves that key out."""
    body: dict[str, Any] = {
        "device_code": "DEV-1",
        "user_code": "ABCD-EFGH",
        "verification_uri": BASE + "/activate",
        "verification_uri_complete": BASE + "/activate?user_code=ABCD-EFGH",
        "expires_in": 900,
        "interval": 5,
    }
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not None}


def unsigned_jwt(claims: dict[str, Any]) -> str:
    """A JWT-shaped token carrying ``claims`` with a fake signature (for code that reads, never verifies)."""
    import base64
    import json

    def segment(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{segment({'alg': 'RS256', 'typ': 'JWT'})}.{segment(claims)}.c2ln"
