"""``auth0link doctor``: check the profile against the tenant and this machine, each problem with its fix.

The checks, in the order they are shown: discovery, the signing keys, the callback port, the
authorization code grant (the callback URL is registered), the device code grant, the token
storage and the session, and the environment.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from auth0link.config import ENV_ACCESS_TOKEN
from auth0link.errors import Auth0LinkError, OAuthError, TokenStorageError
from auth0link.models import Check

if TYPE_CHECKING:
    from collections.abc import Sequence

    from auth0link.client import Auth0Client
    from auth0link.tokens import TokenStore


def _ok(name: str, detail: str) -> Check:
    return Check(name, ok=True, detail=detail)


def _bad(name: str, detail: str, fix: str | None) -> Check:
    return Check(name, ok=False, detail=detail, fix=fix)


def _note(name: str, detail: str, fix: str | None = None) -> Check:
    return Check(name, ok=None, detail=detail, fix=fix)


def run_doctor(  # noqa: C901, PLR0912, PLR0915 - one block per check, in the order they are shown
    client: Auth0Client,
    *,
    client_id: str,
    scope: str,
    audience: str | None,
    callback_ports: Sequence[int],
    store: TokenStore,
    key: str,
    env_token: str | None = None,
) -> list[Check]:
    """Check a profile against its tenant and this machine; each failure says what to fix."""
    from auth0link.auth.oidc import Endpoints, JwksCache, discover
    from auth0link.auth.pkce import (
        authorize_url,
        callback_urls,
        challenge_for,
        check_callback_accepted,
        make_verifier,
        port_is_free,
    )

    checks: list[Check] = []
    endpoints: Endpoints
    try:
        endpoints = discover(client, cache_dir=None, fallback=False)
        checks.append(_ok("discovery", f"{client.base_url}/.well-known/openid-configuration answers"))
    except Auth0LinkError as exc:
        endpoints = Endpoints.auth0_defaults(client.base_url)
        checks.append(
            _bad(
                "discovery",
                exc.message,
                "check the domain: auth0link config set domain YOUR-TENANT.auth0.com",
            )
        )
    try:
        keys = JwksCache(client, endpoints.jwks_uri).refresh()
        rsa = [k for k in keys["keys"] if isinstance(k, dict) and k.get("kty") == "RSA"]
        if rsa:
            checks.append(_ok("signing keys", f"{len(rsa)} RSA key(s) at {endpoints.jwks_uri}"))
        else:
            checks.append(
                _bad(
                    "signing keys",
                    "the JWKS has no RSA key",
                    "set the application's JSON Web Token signature algorithm to RS256",
                )
            )
    except Auth0LinkError as exc:
        checks.append(_bad("signing keys", exc.message, "check the domain (auth0link config get domain)"))

    free = [p for p in callback_ports if port_is_free(p)]
    if free:
        checks.append(_ok("callback port", f"127.0.0.1:{free[0]} is free"))
    else:
        checks.append(
            _bad(
                "callback port",
                f"ports {', '.join(map(str, callback_ports))} are all in use",
                "stop what uses them, or add another: auth0link login --callback-port PORT",
            )
        )
    port = free[0] if free else callback_ports[0]
    redirect = callback_urls([port])[0]
    url = authorize_url(
        endpoints.authorization_endpoint,
        client_id=client_id,
        redirect_uri=redirect,
        scope=scope,
        state="doctor",
        nonce="doctor",
        code_challenge=challenge_for(make_verifier()),
        audience=audience,
    )
    try:
        status, text = check_callback_accepted(client, url, callback_ports)
        if status >= 400:  # noqa: PLR2004 - HTTP
            checks.append(
                _bad(
                    "authorization code grant",
                    f"/authorize answered HTTP {status}: {_page_text(text)}",
                    "check the client ID and that the application is a Native app",
                )
            )
        else:
            checks.append(_ok("authorization code grant", f"{redirect} is accepted"))
    except Auth0LinkError as exc:
        checks.append(_bad("authorization code grant", exc.message, exc.hint))

    if endpoints.device_authorization_endpoint:
        data = {"client_id": client_id, "scope": scope}
        if audience:
            data["audience"] = audience
        try:
            client.device_authorization(data, endpoint=endpoints.device_authorization_endpoint)
            checks.append(_ok("device code grant", "the device code endpoint answers for this client"))
        except OAuthError as exc:
            fix = (
                "enable the Device Code grant (Applications > your app > Advanced Settings > Grant Types)"
                if exc.error in {"unauthorized_client", "unsupported_grant_type"}
                else "check the client ID and that the application is a Native app with token endpoint "
                "auth method None"
            )
            checks.append(_bad("device code grant", exc.message, fix))
        except Auth0LinkError as exc:
            checks.append(_bad("device code grant", exc.message, exc.hint))
    else:
        checks.append(_note("device code grant", "the provider has no device authorization endpoint"))

    try:
        tokens = store.load(key)
        checks.append(_ok("token storage", f"{store.description} is usable"))
        if tokens is None:
            checks.append(_note("session", "not logged in", "auth0link login"))
        else:
            refresh = "with a refresh token" if tokens.refresh_token else "without a refresh token"
            checks.append(_ok("session", f"logged in as {tokens.user_id} ({refresh})"))
    except TokenStorageError as exc:
        checks.append(
            _bad(
                "token storage",
                exc.message,
                "unlock or install a keyring, or log in with: auth0link login --insecure-storage",
            )
        )
    if env_token:
        checks.append(
            _note(
                "environment",
                f"{ENV_ACCESS_TOKEN} is set and wins over the stored session",
                f"unset {ENV_ACCESS_TOKEN} to use the stored login",
            )
        )
    return checks


def _page_text(text: str) -> str:
    import re

    plain = re.sub(r"<[^>]+>", " ", text)
    return " ".join(plain.split())[:200]
