"""Discovery: ``/.well-known/openid-configuration`` and ``/.well-known/jwks.json``.

The document lists what a real Auth0 tenant lists (including endpoints the emulator does not
serve, such as ``/oidc/register``), so that clients configure themselves as they would there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.responses import JSONResponse
from starlette.routing import Route

from auth0link.emulator.web import tenant_of

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
            "mfa_challenge_endpoint": base + "/mfa/challenge",
            "jwks_uri": base + "/.well-known/jwks.json",
            "registration_endpoint": base + "/oidc/register",
            "revocation_endpoint": base + "/oauth/revoke",
            "end_session_endpoint": base + "/oidc/logout",
            "scopes_supported": list(_SCOPES_SUPPORTED),
            "response_types_supported": list(_RESPONSE_TYPES_SUPPORTED),
            "code_challenge_methods_supported": ["S256", "plain"],
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["HS256", "RS256", "PS256"],
            "token_endpoint_auth_methods_supported": [
                "client_secret_basic",
                "client_secret_post",
                "private_key_jwt",
            ],
            "claims_supported": list(_CLAIMS_SUPPORTED),
            "request_uri_parameter_supported": False,
            "request_parameter_supported": False,
            "token_endpoint_auth_signing_alg_values_supported": ["RS256", "RS384", "PS256"],
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
