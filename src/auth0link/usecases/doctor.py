"""``auth0link doctor``: check the profile against the tenant and this machine, each problem with its fix.

The checks, in the order they are shown: TLS (the certificate verifies; its issuer and expiry),
discovery, the signing keys, the callback port, the authorization code grant (the callback URL is
registered), the device code grant, the token storage and the session, and the environment. Each
is one small function returning :class:`~auth0link.models.Check` values; none stops the others.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING, Final

from auth0link._constants import ENV_ACCESS_TOKEN
from auth0link.errors import Auth0LinkError, OAuthError, TlsError, TokenStorageError
from auth0link.models import Check

if TYPE_CHECKING:
    from collections.abc import Sequence

    from auth0link.auth.discovery import Endpoints
    from auth0link.client import Auth0Client
    from auth0link.tokens import TokenStore

_HTTP_ERROR: Final = 400
_NOT_SHOWN: Final = re.compile(r"<(style|script|head)\b.*?</\1>", re.IGNORECASE | re.DOTALL)


def _ok(name: str, detail: str) -> Check:
    return Check(name, ok=True, detail=detail)


def _bad(name: str, detail: str, fix: str | None) -> Check:
    return Check(name, ok=False, detail=detail, fix=fix)


def _note(name: str, detail: str, fix: str | None = None) -> Check:
    return Check(name, ok=None, detail=detail, fix=fix)


def run_doctor(
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
    tls = tls_check(client)
    port, port_check = _callback_port(callback_ports)
    if tls.ok is False:  # every other tenant check would fail the same way: say so once
        skipped = ("discovery", "signing keys", "authorization code grant", "device code grant")
        tenant = [_note(name, "not checked: the TLS check above failed") for name in skipped]
        checks = [tls, *tenant[:2], port_check, *tenant[2:], *_storage(store, key)]
    else:
        endpoints, discovered = _discovery(client)
        checks = [
            tls,
            discovered,
            _signing_keys(client, endpoints),
            port_check,
            _code_grant(
                client,
                endpoints,
                client_id=client_id,
                scope=scope,
                audience=audience,
                port=port,
                ports=callback_ports,
            ),
            _device_grant(client, endpoints, client_id=client_id, scope=scope, audience=audience),
            *_storage(store, key),
        ]
    if env_token:
        checks.append(
            _note(
                "environment",
                f"{ENV_ACCESS_TOKEN} is set and wins over the stored session",
                f"unset {ENV_ACCESS_TOKEN} to use the stored login",
            )
        )
    return checks


def tls_check(client: Auth0Client) -> Check:
    """Does the tenant's certificate verify here? Its issuer and expiry, or the fix."""
    if not client.base_url.startswith("https://"):
        return _note("tls", f"{client.base_url} is plain http (allowed for loopback hosts only)")
    try:
        cert = client.certificate()
    except TlsError as exc:
        return _bad("tls", exc.problem, exc.fix)
    except Auth0LinkError as exc:
        return _bad("tls", exc.message, exc.hint)
    if cert is None:
        return _note("tls", "no TLS connection to inspect (a test transport)")
    return _ok("tls", f"the certificate verifies; issued by {cert.issuer}, expires {cert.not_after:%Y-%m-%d}")


def _discovery(client: Auth0Client) -> tuple[Endpoints, Check]:
    """The discovery document answers (else Auth0's fixed paths, for the checks that follow)."""
    from auth0link.auth.discovery import Endpoints, discover

    try:
        endpoints = discover(client, cache_dir=None, fallback=False)
    except Auth0LinkError as exc:
        fix = "check the domain: auth0link config set domain YOUR-TENANT.auth0.com"
        return Endpoints.auth0_defaults(client.base_url), _bad("discovery", exc.message, fix)
    return endpoints, _ok("discovery", f"{client.base_url}/.well-known/openid-configuration answers")


def _signing_keys(client: Auth0Client, endpoints: Endpoints) -> Check:
    """The JWKS has an RSA key (linking needs RS256)."""
    from auth0link.auth.discovery import JwksCache

    try:
        keys = JwksCache(client, endpoints.jwks_uri).refresh()
    except Auth0LinkError as exc:
        return _bad("signing keys", exc.message, "check the domain (auth0link config get domain)")
    rsa = [k for k in keys["keys"] if isinstance(k, dict) and k.get("kty") == "RSA"]
    if not rsa:
        fix = "set the application's JSON Web Token signature algorithm to RS256"
        return _bad("signing keys", "the JWKS has no RSA key", fix)
    return _ok("signing keys", f"{len(rsa)} RSA key(s) at {endpoints.jwks_uri}")


def _callback_port(ports: Sequence[int]) -> tuple[int, Check]:
    """A callback port is free on 127.0.0.1 (the first free one is checked at the tenant next)."""
    from auth0link.auth.pkce import port_is_free

    free = [p for p in ports if port_is_free(p)]
    if free:
        return free[0], _ok("callback port", f"127.0.0.1:{free[0]} is free")
    fix = "stop what uses them, or add another: auth0link login --callback-port PORT"
    return ports[0], _bad("callback port", f"ports {', '.join(map(str, ports))} are all in use", fix)


def _code_grant(
    client: Auth0Client,
    endpoints: Endpoints,
    *,
    client_id: str,
    scope: str,
    audience: str | None,
    port: int,
    ports: Sequence[int],
) -> Check:
    """``/authorize`` accepts this client and its callback URL (asked without following redirects)."""
    from auth0link.auth.pkce import (
        authorize_url,
        callback_urls,
        challenge_for,
        check_callback_accepted,
        make_verifier,
    )

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
    name = "authorization code grant"
    try:
        status, text = check_callback_accepted(client, url, ports)
    except Auth0LinkError as exc:
        return _bad(name, exc.message, exc.hint)
    if status >= _HTTP_ERROR:
        fix = "check the client ID (auth0link config get client_id) and that the application is a Native app"
        return _bad(name, f"/authorize answered HTTP {status}: {page_sentence(text)}", fix)
    return _ok(name, f"{redirect} is accepted")


def _device_grant(
    client: Auth0Client, endpoints: Endpoints, *, client_id: str, scope: str, audience: str | None
) -> Check:
    """The device code endpoint answers for this client (the Device Code grant is enabled)."""
    name = "device code grant"
    if not endpoints.device_authorization_endpoint:
        return _note(name, "the provider has no device authorization endpoint")
    data = {"client_id": client_id, "scope": scope}
    if audience:
        data["audience"] = audience
    try:
        client.device_authorization(data, endpoint=endpoints.device_authorization_endpoint)
    except OAuthError as exc:
        fix = (
            "enable the Device Code grant (Applications > your app > Advanced Settings > Grant Types)"
            if exc.error in {"unauthorized_client", "unsupported_grant_type"}
            else "check the client ID and that the application is a Native app with token endpoint "
            "auth method None"
        )
        return _bad(name, exc.message, fix)
    except Auth0LinkError as exc:
        return _bad(name, exc.message, exc.hint)
    return _ok(name, "the device code endpoint answers for this client")


def _storage(store: TokenStore, key: str) -> list[Check]:
    """The token store can be read, and whether a session is in it."""
    try:
        tokens = store.load(key)
    except TokenStorageError as exc:
        fix = "unlock or install a keyring, or log in with: auth0link login --insecure-storage"
        return [_bad("token storage", exc.message, fix)]
    usable = _ok("token storage", f"{store.description} is usable")
    if tokens is None:
        return [usable, _note("session", "not logged in", "auth0link login")]
    refresh = "with a refresh token" if tokens.refresh_token else "without a refresh token"
    return [usable, _ok("session", f"logged in as {tokens.user_id} ({refresh})")]


def page_sentence(text: str) -> str:
    """What an HTML error page says, as one line: no tags, styles or scripts, entities decoded."""
    visible = _NOT_SHOWN.sub(" ", text)
    plain = html.unescape(re.sub(r"<[^>]+>", " ", visible))
    return " ".join(plain.split())[:200]
