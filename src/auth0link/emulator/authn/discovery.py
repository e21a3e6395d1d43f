"""Discovery: ``/.well-known/openid-configuration`` and ``/.well-known/jwks.json``.

The document has a real Auth0 tenant's shape, minus what the emulator does not implement, so a
client never picks something it would then be refused: Auth0 also lists ``/oidc/register``
and ``/mfa/challenge``, ``plain`` PKCE, HS256/PS256 ID tokens and ``private_key_jwt``; the
emulator serves the code flow with S256, the implicit and hybrid response types
(:mod:`.implicit`), RS256 tokens and client secrets (post or basic). The response modes are
Auth0's list (``web_message``, which Auth0 does not advertise, works too).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.responses import JSONResponse
from starlette.routing import Route

from ..web.shared import tenant_of

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response


_SCOPES_SUPPORTED = (
    "openid",
    "profile",
    "offline_access",
    "name",
    "given_name",
    "family_name",
    "nickname",
    "email",
    "email_verified",
    "picture",
    "created_at",
    "identities",
    "phone",
    "address",
)
_RESPONSE_TYPES_SUPPORTED = (
    "code",
    "token",
    "id_token",
    "code token",
    "code id_token",
    "token id_token",
    "code token id_token",
)
_CLAIMS_SUPPORTED = (
    "aud",
    "auth_time",
    "created_at",
    "email",
    "email_verified",
    "exp",
    "family_name",
    "given_name",
    "iat",
    "identities",
    "iss",
    "name",
    "nickname",
    "phone_number",
    "picture",
    "sub",
)


async def openid_configuration(request: Request) -> Response:
    """``GET /.well-known/openid-configuration``."""
    base = tenant_of(request).base_url
    return JSONResponse(
        {
            "issuer": base + "/",
            "authorization_endpoint": base + "/authorize",
            "token_endpoint": base + "/oauth/token",
            "device_authorization_endpoint": base + "/oauth/device/code",
            "userinfo_endpoint": base + "/userinfo",
            "jwks_uri": base + "/.well-known/jwks.json",
            "revocation_endpoint": base + "/oauth/revoke",
            "end_session_endpoint": base + "/oidc/logout",
            "scopes_supported": list(_SCOPES_SUPPORTED),
            "response_types_supported": list(_RESPONSE_TYPES_SUPPORTED),
            "code_challenge_methods_supported": ["S256"],
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "claims_supported": list(_CLAIMS_SUPPORTED),
            "request_uri_parameter_supported": False,
            "request_parameter_supported": False,
            "end_session_endpoint_methods_supported": ["GET"],
        }
    )


async def jwks(request: Request) -> Response:
    """``GET /.well-known/jwks.json``."""
    return JSONResponse(tenant_of(request).key.jwks())


ROUTES = [
    Route("/.well-known/openid-configuration", openid_configuration, methods=["GET"]),
    Route("/.well-known/jwks.json", jwks, methods=["GET"]),
]
