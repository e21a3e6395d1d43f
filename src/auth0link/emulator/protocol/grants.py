"""The grants of ``POST /oauth/token``, device authorization, revocation, ``/userinfo`` claims.

Pure functions over a :class:`~auth0link.emulator.state.tenant.Tenant` returning ``(status, body)``, so
the HTTP layer (:mod:`.oauth`) stays thin; what a token holds is :mod:`.minting`'s business.
Error bodies are Auth0's ``{"error", "error_description"}`` with Auth0's status codes
(``invalid_grant`` 403, ``authorization_pending`` 403, ``slow_down`` 429, …).
"""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING, Any

from ..state.applications import DEVICE_GRANT, PASSWORD_REALM_GRANT, PASSWORDLESS_OTP_GRANT, Client
from . import extension_grants
from .minting import access_token, grant_scope, pkce_challenge, user_claims, user_tokens

if TYPE_CHECKING:
    from ..state.tenant import Tenant

Result = tuple[int, dict[str, Any]]


def oauth_error(status: int, error: str, description: str) -> Result:
    """An Authentication API error body."""
    return status, {"error": error, "error_description": description}


UNAUTHORIZED_CLIENT = oauth_error(401, "access_denied", "Unauthorized")
BAD_REFRESH = oauth_error(403, "invalid_grant", "Unknown or invalid refresh token.")


def authenticate_client(
    tenant: Tenant,
    params: dict[str, str],
    basic: tuple[str, str] | None,
    origin: str | None = None,
) -> Client | Result:
    """Find the client; check a confidential one's secret and a browser's ``Origin``.

    ``origin`` is the ``Origin`` of a cross-origin browser request: it must be one of the
    client's CORS origins, else Auth0 answers 401 ``access_denied`` "Unauthorized" (its log
    says "Failed by CORS").
    """
    client_id = params.get("client_id") or (basic[0] if basic else None)
    if not client_id:
        return oauth_error(400, "invalid_request", "Missing required parameter: client_id")
    client = tenant.clients.get(client_id)
    if client is None:
        return UNAUTHORIZED_CLIENT
    if client.client_secret is not None:
        secret = params.get("client_secret") or (basic[1] if basic else None)
        if secret is None or not hmac.compare_digest(secret, client.client_secret):
            return UNAUTHORIZED_CLIENT
    if origin is not None and origin not in client.cors_origins():
        return UNAUTHORIZED_CLIENT
    return client


def token_endpoint(
    tenant: Tenant, params: dict[str, str], basic: tuple[str, str] | None, origin: str | None = None
) -> Result:
    """Dispatch ``POST /oauth/token`` on ``grant_type``."""
    grant = params.get("grant_type")
    if not grant:
        return oauth_error(400, "invalid_request", "Missing required parameter: grant_type")
    handler = _HANDLERS.get(grant)
    if handler is None:
        return oauth_error(403, "unsupported_grant_type", f"Unsupported grant type: {grant}")
    client = authenticate_client(tenant, params, basic, origin)
    if not isinstance(client, Client):
        return client
    if not client.allows_grant(grant):
        return oauth_error(403, "unauthorized_client", f"Grant type '{grant}' not allowed for the client.")
    return handler(tenant, client, params)


def _authorization_code(tenant: Tenant, client: Client, params: dict[str, str]) -> Result:
    code = params.get("code")
    if not code:
        return oauth_error(400, "invalid_request", "Missing required parameter: code")
    record = tenant.codes.take(code)  # single use, even on failure
    if record is None or record.client_id != client.client_id or record.expires <= tenant.now():
        return oauth_error(403, "invalid_grant", "Invalid authorization code")
    if params.get("redirect_uri") != record.redirect_uri:
        # Undocumented text; RFC 6749 §4.1.3 requires invalid_grant.
        return oauth_error(
            403,
            "invalid_grant",
            "The redirect_uri MUST match the registered callback URL for this application.",
        )
    if record.code_challenge is not None:
        verifier = params.get("code_verifier")
        if not verifier or not hmac.compare_digest(pkce_challenge(verifier), record.code_challenge):
            return oauth_error(403, "invalid_grant", "Failed to verify code verifier")
    user = tenant.users.get(record.user_id)
    if user is None:
        return oauth_error(403, "invalid_grant", "Invalid authorization code")
    return 200, user_tokens(
        tenant,
        client,
        user,
        scope=record.scope,
        audience=record.audience,
        nonce=record.nonce,
        sid=record.sid,
        auth_time=record.auth_time if record.include_auth_time else None,
    )


def _refresh_token(tenant: Tenant, client: Client, params: dict[str, str]) -> Result:
    token = params.get("refresh_token")
    if not token:
        return oauth_error(400, "invalid_request", "Missing required parameter: refresh_token")
    record = tenant.refresh_tokens.get(token)
    if record is None or record.client_id != client.client_id:
        return BAD_REFRESH
    now = tenant.now()
    if record.used_at is not None and now - record.used_at > tenant.refresh_leeway:
        # Reuse detection: a rotated token came back after the leeway, so someone else may
        # hold the family. Auth0 revokes the whole family.
        tenant.refresh_tokens.revoke_family(record.family)
        return BAD_REFRESH
    user = tenant.users.get(record.user_id)
    if user is None:
        return BAD_REFRESH
    scope = record.scope
    if params.get("scope"):
        kept = [s for s in params["scope"].split() if s in record.scope.split()]
        scope = " ".join(kept)
    if record.used_at is None:
        record.used_at = now
    return 200, user_tokens(
        tenant,
        client,
        user,
        scope=scope,
        audience=record.audience,
        nonce=None,
        sid=record.sid,
        auth_time=None,
        refresh_family=record.family,
        new_refresh=True,  # rotation: every use returns a new refresh token
    )


def _client_credentials(tenant: Tenant, client: Client, params: dict[str, str]) -> Result:
    audience = params.get("audience")
    if not audience:
        return oauth_error(
            403,
            "access_denied",
            "No audience parameter was provided, and no default audience has been configured",
        )
    if audience != tenant.api_audience:
        return oauth_error(403, "access_denied", f"Service not enabled within domain: {audience}")
    scopes = list(client.scopes)
    if params.get("scope"):
        scopes = params["scope"].split()
        missing = [s for s in scopes if s not in client.scopes]
        if missing:
            return oauth_error(
                403, "access_denied", f"Client has not been granted scopes: {' '.join(missing)}"
            )
    scope = " ".join(scopes)
    token = access_token(
        tenant,
        sub=f"{client.client_id}@clients",
        client_id=client.client_id,
        scope=scope,
        audience=audience,
        m2m=True,
    )
    return 200, {
        "access_token": token,
        "scope": scope,
        "expires_in": tenant.token_ttl,
        "token_type": "Bearer",
    }


_DEVICE_ERRORS: dict[str, Result] = {
    "invalid": oauth_error(403, "invalid_grant", "Invalid or expired device code."),
    "expired": oauth_error(403, "expired_token", "The device_code has expired."),
    "denied": oauth_error(403, "access_denied", "User cancelled the confirmation prompt or consent page."),
    "pending": oauth_error(403, "authorization_pending", "User has yet to authorize device code."),
}


def _device_code(tenant: Tenant, client: Client, params: dict[str, str]) -> Result:
    code = params.get("device_code")
    if not code:
        return oauth_error(400, "invalid_request", "Missing required parameter: device_code")
    record = tenant.devices.get(code)
    if record is None or record.client_id != client.client_id:
        return _DEVICE_ERRORS["invalid"]
    outcome = record.poll(tenant.now(), tenant.device_interval)
    if outcome == "slow_down":
        return oauth_error(
            429,
            "slow_down",
            f"You are polling faster than the specified interval of {tenant.device_interval} seconds.",
        )
    user = tenant.users.get(record.user_id or "") if outcome == "approved" else None
    if user is None:
        return _DEVICE_ERRORS.get(outcome, _DEVICE_ERRORS["invalid"])
    return 200, user_tokens(
        tenant,
        client,
        user,
        scope=record.scope,
        audience=record.audience,
        nonce=None,
        sid=record.sid,
        auth_time=None,
    )


def device_authorization(tenant: Tenant, params: dict[str, str]) -> Result:
    """``POST /oauth/device/code``."""
    client_id = params.get("client_id")
    if not client_id:
        return oauth_error(400, "invalid_request", "Missing required parameter: client_id")
    client = tenant.clients.get(client_id)
    if client is None:
        return UNAUTHORIZED_CLIENT
    if not client.allows_grant(DEVICE_GRANT):
        return oauth_error(
            403, "unauthorized_client", f"Grant type '{DEVICE_GRANT}' not allowed for the client."
        )
    audience = params.get("audience") or None
    if audience is not None and audience != tenant.api_audience:
        return oauth_error(403, "access_denied", f"Service not enabled within domain: {audience}")
    scope = grant_scope(tenant, client, params.get("scope", ""), audience)
    record = tenant.devices.start(client_id, scope, audience)
    verification_uri = tenant.base_url + "/activate"
    user_code = record.user_code
    return 200, {
        "device_code": record.device_code,
        "user_code": user_code,
        "verification_uri": verification_uri,
        "expires_in": tenant.device_ttl,
        "interval": tenant.device_interval,
        "verification_uri_complete": f"{verification_uri}?user_code={user_code}",
    }


def revoke(
    tenant: Tenant, params: dict[str, str], basic: tuple[str, str] | None, origin: str | None = None
) -> Result:
    """``POST /oauth/revoke``: revoke the refresh token's whole grant; 200 with an empty body."""
    client = authenticate_client(tenant, params, basic, origin)
    if not isinstance(client, Client):
        return client
    token = params.get("token")
    if not token:
        return oauth_error(400, "invalid_request", "Missing required parameter: token")
    record = tenant.refresh_tokens.get(token)
    if record is not None and record.client_id == client.client_id:
        tenant.refresh_tokens.revoke_family(record.family)
    return 200, {}


_HANDLERS = {
    "authorization_code": _authorization_code,
    "refresh_token": _refresh_token,
    "client_credentials": _client_credentials,
    DEVICE_GRANT: _device_code,
    PASSWORD_REALM_GRANT: extension_grants.password_realm,
    PASSWORDLESS_OTP_GRANT: extension_grants.passwordless_otp,
    "password": extension_grants.password,
}


def userinfo_claims(tenant: Tenant, claims: dict[str, Any]) -> dict[str, Any] | None:
    """The ``/userinfo`` body for a verified access token's claims, or ``None`` if unusable."""
    aud = claims.get("aud")
    auds = aud if isinstance(aud, list) else [aud]
    if tenant.base_url + "/userinfo" not in auds:
        return None
    user = tenant.users.get(str(claims.get("sub")))
    if user is None:
        return None
    return {"sub": user.user_id, **user_claims(user, str(claims.get("scope", "")))}
