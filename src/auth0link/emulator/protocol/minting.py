"""Token minting: scopes granted, ID tokens, access tokens and whole token responses.

Pure functions over a :class:`~auth0link.emulator.state.tenant.Tenant`; the grants in :mod:`.grants`
decide *whether* to issue, this module decides *what* is issued (claims as Auth0 sets them).
"""

from __future__ import annotations

import base64
import hashlib
from typing import TYPE_CHECKING, Any

from ..state import demo

if TYPE_CHECKING:
    from ..state.applications import Client
    from ..state.model import User
    from ..state.tenant import Tenant

OIDC_SCOPES = ("openid", "profile", "email", "offline_access")


def pkce_challenge(verifier: str) -> str:
    """The S256 ``code_challenge`` of ``verifier``."""
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def grant_scope(tenant: Tenant, _client: Client, requested: str, audience: str | None) -> str:
    """Scopes granted to a user token: the OIDC ones asked for plus the current-user API scopes.

    Auth0 silently drops scopes a user token may not carry (never ``read:users``, whatever the
    application's client grants); the granted set is echoed in the token response's ``scope``.
    """
    asked = requested.split()
    granted = [s for s in asked if s in OIDC_SCOPES]
    if audience == tenant.api_audience:
        granted += [s for s in asked if s in demo.CURRENT_USER_SCOPES and s not in granted]
    return " ".join(granted)


def user_claims(user: User, scope: str) -> dict[str, Any]:
    """Profile claims for the ID token and ``/userinfo``: only for the ``profile``/``email`` scopes."""
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
    extra: dict[str, Any] | None = None,
) -> str:
    """Mint an RS256 ID token (``exp`` 10 h after ``iat``, as Auth0's default) with ``extra`` claims."""
    now = int(tenant.now())
    claims: dict[str, Any] = user_claims(user, scope)
    claims.update(iss=tenant.issuer, aud=client_id, sub=user.user_id, iat=now)
    claims["exp"] = now + tenant.id_token_ttl
    if sid is not None:
        claims["sid"] = sid
    if auth_time is not None:
        claims["auth_time"] = auth_time
    if nonce:
        claims["nonce"] = nonce
    claims.update(extra or {})
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


def user_tokens(
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
    """A token response: access token, ID token (``openid``), refresh token (``offline_access``)."""
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
    if new_refresh and client.allows_grant("refresh_token"):
        body["refresh_token"] = tenant.refresh_tokens.issue(
            client_id=client.client_id,
            user_id=user.user_id,
            scope=scope,
            audience=audience,
            sid=sid,
            family=refresh_family,
        )
    body.update(scope=scope, expires_in=tenant.token_ttl, token_type="Bearer")  # noqa: S106 - not a password
    return body
