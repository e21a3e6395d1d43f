"""``POST /oauth/token`` and friends: grants, token minting, revocation, ``/userinfo`` claims.

Pure functions over a :class:`~auth0link.emulator.state.Tenant` returning ``(status, body)``, so
the HTTP layer stays thin. Error bodies are Auth0's ``{"error", "error_description"}`` with
Auth0's status codes (``invalid_grant`` 403, ``authorization_pending`` 403, ``slow_down`` 429, …).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Any

from auth0link.emulator.state import AuthCode, Client, DeviceCode, Tenant, User

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
OIDC_SCOPES = ("openid", "profile", "email", "offline_access")

Result = tuple[int, dict[str, Any]]


def oauth_error(status: int, error: str, description: str) -> Result:
    """An Authentication API error body."""
    return status, {"error": error, "error_description": description}


UNAUTHORIZED_CLIENT = oauth_error(401, "access_denied", "Unauthorized")
BAD_REFRESH = oauth_error(403, "invalid_grant", "Unknown or invalid refresh token.")


def pkce_challenge(verifier: str) -> str:
    """The S256 ``code_challenge`` of ``verifier``."""
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def grant_scope(tenant: Tenant, client: Client, requested: str, audience: str | None) -> str:
    """Scopes granted: the OIDC ones asked for plus the API scopes the client may have.

    Auth0 silently drops scopes an application may not get (a user token never carries
    ``read:users``); the granted set is echoed in the token response's ``scope``.
    """
    asked = requested.split()
    granted = [s for s in asked if s in OIDC_SCOPES]
    if audience == tenant.api_audience:
        granted += [s for s in asked if s in client.scopes and s not in granted]
    return " ".join(granted)


def _user_claims(user: User, scope: str) -> dict[str, Any]:
    # Auth0 puts profile claims in the ID token / userinfo only for the `profile` and
    # `email` scopes.
    scopes = scope.split()
    claims: dict[str, Any] = {}
    if "profile" in scopes:
        claims.update(
            name=user.name, nickname=user.nickname, picture=user.picture, updated_at=user.updated_at
        )
    if "email" in scopes and user.email is not None:
        claims.update(email=user.email, email_verified=user.email_verified)
    return claims


def id_token(
    tenant: Tenant,
    user: User,
    *,
    client_id: str,
    scope: str,
    nonce: str | None,
    sid: str | None,
    auth_time: int | None,
) -> str:
    """Mint an RS256 ID token (``exp`` 10 h after ``iat``, as Auth0's default)."""
    now = int(tenant.now())
    claims: dict[str, Any] = _user_claims(user, scope)
    claims.update(iss=tenant.issuer, aud=client_id, sub=user.user_id, iat=now)
    claims["exp"] = now + tenant.id_token_ttl
    if sid is not None:
        claims["sid"] = sid
    if auth_time is not None:
        claims["auth_time"] = auth_time
    if nonce:
        claims["nonce"] = nonce
    return tenant.key.sign(claims)


def access_token(
    tenant: Tenant, *, sub: str, client_id: str, scope: str, audience: str | None, m2m: bool
) -> str:
    """Mint an RS256 access token.

    User tokens for the Management API carry ``aud`` = [API, ``BASE/userinfo``]. Without an
    audience Auth0 issues an opaque token good only for ``/userinfo``; the emulator issues a JWT
    whose only audience is ``BASE/userinfo`` (it cannot call the Management API either).
    """
    now = int(tenant.now())
    aud: str | list[str]
    if m2m:
        aud = audience or tenant.api_audience
    elif audience:
        aud = [audience, tenant.base_url + "/userinfo"]
    else:
        aud = tenant.base_url + "/userinfo"
    claims: dict[str, Any] = {
        "iss": tenant.issuer,
        "sub": sub,
        "aud": aud,
        "iat": now,
        "exp": now + tenant.token_ttl,
        "scope": scope,
        "azp": client_id,
    }
    if m2m:
        claims["gty"] = "client-credentials"
    return tenant.key.sign(claims)


def _user_tokens(
    tenant: Tenant,
    client: Client,
    user: User,
    *,
    scope: str,
    audience: str | None,
    nonce: str | None,
    sid: str | None,
    auth_time: int | None,
    refresh_family: str | None = None,
    new_refresh: bool | None = None,
) -> dict[str, Any]:
    if new_refresh is None:
        new_refresh = "offline_access" in scope.split()
    body: dict[str, Any] = {
        "access_token": access_token(
            tenant,
            sub=user.user_id,
            client_id=client.client_id,
            scope=scope,
            audience=audience,
            m2m=False,
        ),
    }
    if "openid" in scope.split():
        body["id_token"] = id_token(
            tenant,
            user,
            client_id=client.client_id,
            scope=scope,
            nonce=nonce,
            sid=sid,
            auth_time=auth_time,
        )
    if new_refresh and "refresh_token" in client.grant_types:
        body["refresh_token"] = tenant.issue_refresh_token(
            client_id=client.client_id,
            user_id=user.user_id,
            scope=scope,
            audience=audience,
            sid=sid,
            family=refresh_family,
        )
    body.update(scope=scope, expires_in=tenant.token_ttl, token_type="Bearer")  # noqa: S106 - not a password
    return body


def authenticate_client(
    tenant: Tenant, params: dict[str, str], basic: tuple[str, str] | None
) -> Client | Result:
    """Find the client; check the secret of a confidential one (``client_secret_post``/basic)."""
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
    return client


def token_endpoint(tenant: Tenant, params: dict[str, str], basic: tuple[str, str] | None) -> Result:
    """Dispatch ``POST /oauth/token`` on ``grant_type``."""
    grant = params.get("grant_type")
    if not grant:
        return oauth_error(400, "invalid_request", "Missing required parameter: grant_type")
    handlers = {
        "authorization_code": _authorization_code,
        "refresh_token": _refresh_token,
        "client_credentials": _client_credentials,
        DEVICE_GRANT: _device_code,
    }
    handler = handlers.get(grant)
    if handler is None:
        return oauth_error(403, "unsupported_grant_type", f"Unsupported grant type: {grant}")
    client = authenticate_client(tenant, params, basic)
    if not isinstance(client, Client):
        return client
    if grant not in client.grant_types:
        return oauth_error(403, "unauthorized_client", f"Grant type '{grant}' not allowed for the client.")
    return handler(tenant, client, params)


def _authorization_code(tenant: Tenant, client: Client, params: dict[str, str]) -> Result:
    code = params.get("code")
    if not code:
        return oauth_error(400, "invalid_request", "Missing required parameter: code")
    record: AuthCode | None = tenant.codes.pop(code, None)  # single use, even on failure
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
    return 200, _user_tokens(
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
        tenant.revoke_family(record.family)
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
    return 200, _user_tokens(
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


def _device_code(tenant: Tenant, client: Client, params: dict[str, str]) -> Result:  # noqa: PLR0911 - one return per RFC 8628 state
    code = params.get("device_code")
    if not code:
        return oauth_error(400, "invalid_request", "Missing required parameter: device_code")
    record: DeviceCode | None = tenant.device_codes.get(code)
    if record is None or record.client_id != client.client_id or record.status == "used":
        return oauth_error(403, "invalid_grant", "Invalid or expired device code.")
    now = tenant.now()
    if now >= record.expires and record.status != "approved":
        if record.expired_reported:
            return oauth_error(403, "invalid_grant", "Invalid or expired device code.")
        record.expired_reported = True
        return oauth_error(403, "expired_token", "The device_code has expired.")
    if record.status == "denied":
        record.status = "used"
        return oauth_error(403, "access_denied", "User cancelled the confirmation prompt or consent page.")
    if record.status == "pending":
        last, record.last_poll = record.last_poll, now
        # Undocumented tolerance: polls sooner than 80 % of the interval are "too fast".
        if last is not None and now - last < tenant.device_interval * 0.8:
            return oauth_error(
                429,
                "slow_down",
                f"You are polling faster than the specified interval of {tenant.device_interval} seconds.",
            )
        return oauth_error(403, "authorization_pending", "User has yet to authorize device code.")
    record.status = "used"
    user = tenant.users.get(record.user_id or "")
    if user is None:
        return oauth_error(403, "invalid_grant", "Invalid or expired device code.")
    return 200, _user_tokens(
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
    if DEVICE_GRANT not in client.grant_types:
        return oauth_error(
            403, "unauthorized_client", f"Grant type '{DEVICE_GRANT}' not allowed for the client."
        )
    audience = params.get("audience") or None
    if audience is not None and audience != tenant.api_audience:
        return oauth_error(403, "access_denied", f"Service not enabled within domain: {audience}")
    scope = grant_scope(tenant, client, params.get("scope", ""), audience)
    device_code = secrets.token_urlsafe(18)
    user_code = tenant.new_user_code()
    tenant.device_codes[device_code] = DeviceCode(
        device_code=device_code,
        user_code=user_code,
        client_id=client_id,
        scope=scope,
        audience=audience,
        expires=tenant.now() + tenant.device_ttl,
    )
    verification_uri = tenant.base_url + "/activate"
    return 200, {
        "device_code": device_code,
        "user_code": user_code,
        "verification_uri": verification_uri,
        "expires_in": tenant.device_ttl,
        "interval": tenant.device_interval,
        "verification_uri_complete": f"{verification_uri}?user_code={user_code}",
    }


def revoke(tenant: Tenant, params: dict[str, str], basic: tuple[str, str] | None) -> Result:
    """``POST /oauth/revoke``: revoke the refresh token's whole grant; 200 with an empty body."""
    client = authenticate_client(tenant, params, basic)
    if not isinstance(client, Client):
        return client
    token = params.get("token")
    if not token:
        return oauth_error(400, "invalid_request", "Missing required parameter: token")
    record = tenant.refresh_tokens.get(token)
    if record is not None and record.client_id == client.client_id:
        tenant.revoke_family(record.family)
    return 200, {}


def userinfo_claims(tenant: Tenant, claims: dict[str, Any]) -> dict[str, Any] | None:
    """The ``/userinfo`` body for a verified access token's claims, or ``None`` if unusable."""
    aud = claims.get("aud")
    auds = aud if isinstance(aud, list) else [aud]
    if tenant.base_url + "/userinfo" not in auds:
        return None
    user = tenant.users.get(str(claims.get("sub")))
    if user is None:
        return None
    return {"sub": user.user_id, **_user_claims(user, str(claims.get("scope", "")))}
