"""``auth0link doctor``: check the profile against the tenant and this machine, each problem with its fix.

The checks, in the order they are shown: TLS (the certificate verifies; its issuer and expiry),
discovery, the signing keys, the callback port, the authorization code grant (the callback URL is
registered), the device code grant, the token storage, the credentials (the user session and the
machine credentials, checked with the tenant as ``auth0link status`` checks them:
:func:`credential_checks`), and the environment. Each is one small function returning
:class:`~auth0link.models.Check` values; none stops the others, but a check that depends on one
that failed (TLS, discovery) says so once instead of failing again with a wrong fix. A profile
without a client ID (machine credentials only) skips the user-login checks and says how to add one.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING, Final

from auth0link._constants import ENV_ACCESS_TOKEN
from auth0link.errors import Auth0LinkError, Fix, OAuthError, TlsError, TokenStorageError, cmd, render_fix
from auth0link.models import Check

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from pathlib import Path

    from auth0link.auth.discovery import Endpoints
    from auth0link.client import Auth0Client
    from auth0link.models import MachineStatus, Problem, SessionStatus
    from auth0link.tokens import TokenStore
    from auth0link.usecases.profiles import ProfileConfig
    from auth0link.usecases.status import StatusWorld

_HTTP_ERROR: Final = 400
_HTTP_NOT_FOUND: Final = 404
_NOT_SHOWN: Final = re.compile(r"<(style|script|head)\b.*?</\1>", re.IGNORECASE | re.DOTALL)
_CHECK_DOMAIN: Final = Fix("check the domain (", cmd("config", "get", "domain"))


def _ok(name: str, detail: str) -> Check:
    return Check(name, ok=True, detail=detail)


def _text(fix: Fix | str | None) -> str | None:
    """A check's fix as the line doctor prints (:func:`~auth0link.errors.render_fix`)."""
    return render_fix(fix) if isinstance(fix, Fix) else fix


def _bad(name: str, detail: str, fix: Fix | str | None) -> Check:
    return Check(name, ok=False, detail=detail, fix=_text(fix))


def _note(name: str, detail: str, fix: Fix | str | None = None) -> Check:
    return Check(name, ok=None, detail=detail, fix=_text(fix))


def _failed(name: str, exc: Auth0LinkError, fix: Fix | str, *, own_hint: bool = True) -> Check:
    """A failed check from an error, with one fix: a TLS error's own, else its hint or ``fix``."""
    if isinstance(exc, TlsError):
        return _bad(name, exc.problem, exc.remedy)
    return _bad(name, exc.message, (exc.fix if own_hint and exc.hint else None) or fix)


def run_doctor(
    client: Auth0Client,
    *,
    client_id: str | None,
    scope: str,
    audience: str | None,
    callback_ports: Sequence[int],
    store: TokenStore,
    key: str | None,
    env_token: str | None = None,
    credentials: Callable[[], list[Check]] | None = None,
) -> list[Check]:
    """Check a profile against its tenant and this machine; each failure says what to fix.

    ``client_id`` None: a machine-only profile (the user-login checks are skipped, saying how to
    add one). ``credentials``: the session and machine checks made with the tenant (see
    :func:`credential_checks`); without it, the stored session is only read.
    """
    tls = tls_check(client)
    port, port_check = _callback_port(callback_ports)
    login_checks = ("authorization code grant", "device code grant")
    if tls.ok is False:  # every other tenant check would fail the same way: say so once
        skipped = ("discovery", "signing keys", *login_checks)
        tenant = [_note(name, "not checked: the TLS check above failed") for name in skipped]
        checks = [tls, *tenant[:2], port_check, *tenant[2:]]
    else:
        endpoints, discovered = _discovery(client)
        if discovered.ok is False:  # not an OpenID provider (or not there): the rest would mislead
            why = "not checked: no OpenID provider answered at this domain (discovery above)"
            checks = [tls, discovered, _note("signing keys", why), port_check]
            checks += [_note(name, why) for name in login_checks]
        else:
            checks = [tls, discovered, _signing_keys(client, endpoints), port_check]
            checks += _login_grants(
                client,
                endpoints,
                client_id=client_id,
                scope=scope,
                audience=audience,
                port=port,
                ports=callback_ports,
            )
    if client_id is None:
        checks = _machine_only(checks)
    reachable = all(c.ok is not False for c in checks if c.name in {"tls", "discovery"})
    storage = _storage(store, key)
    if credentials is not None and reachable and storage[0].ok:
        checks += [storage[0], *credentials()]
    else:
        checks += storage
    if env_token:
        checks.append(
            _note(
                "environment",
                f"{ENV_ACCESS_TOKEN} is set and wins over the stored session",
                f"unset {ENV_ACCESS_TOKEN} to use the stored login",
            )
        )
    return checks


def _machine_only(checks: list[Check]) -> list[Check]:
    """A profile without a client ID: no user-login checks, one note saying how to add them."""
    user_login = {"callback port", "authorization code grant", "device code grant"}
    return [
        *(c for c in checks if c.name not in user_login),
        _note(
            "user login",
            "not checked: no client ID configured (machine credentials only)",
            Fix("to log in as a user too: ", cmd("config", "set", "client_id", "YOUR_NATIVE_APP_CLIENT_ID")),
        ),
    ]


def _login_grants(
    client: Auth0Client,
    endpoints: Endpoints,
    *,
    client_id: str | None,
    scope: str,
    audience: str | None,
    port: int,
    ports: Sequence[int],
) -> list[Check]:
    """The authorization code and device code grants of the Native application (when there is one)."""
    if client_id is None:
        return []
    return [
        _code_grant(
            client, endpoints, client_id=client_id, scope=scope, audience=audience, port=port, ports=ports
        ),
        _device_grant(client, endpoints, client_id=client_id, scope=scope, audience=audience),
    ]


def credential_checks(sessions: Sequence[SessionStatus], machines: Sequence[MachineStatus]) -> list[Check]:
    """The active profile's session and machine credentials as ``status`` checked them, as doctor lines."""
    checks: list[Check] = []
    session = next((s for s in sessions if s.active), None)
    machine = next((m for m in machines if m.active), None)
    if session is None or not session.logged_in:
        if machine is None:
            checks.append(_note("session", "not logged in", Fix(cmd("login"))))
        else:
            checks.append(_note("session", "no user login (machine credentials only)"))
    elif session.check == "ok":
        who = session.email or session.user_id
        checks.append(_ok("session", f"logged in as {who}; the tenant accepted a refresh and a user read"))
    else:
        checks.append(_from_problems("session", session.problems))
    if machine is not None:
        if machine.check == "ok":
            checks.append(
                _ok("machine credentials", f"client {machine.client_id}: a token and an admin call work")
            )
        else:
            checks.append(_from_problems("machine credentials", machine.problems))
    return checks


def _from_problems(name: str, problems: Sequence[Problem]) -> Check:
    """A failed check from ``status``'s last problem and its fix."""
    if not problems:
        return _bad(name, "the tenant did not confirm it", None)
    return _bad(name, problems[-1].what, problems[-1].fix)


def tls_check(client: Auth0Client) -> Check:
    """Does the tenant's certificate verify here? Its issuer and expiry, or the fix."""
    if not client.base_url.startswith("https://"):
        return _note("tls", f"{client.base_url} is plain http (allowed for loopback hosts only)")
    try:
        cert = client.certificate()
    except TlsError as exc:
        return _bad("tls", exc.problem, exc.remedy)
    except Auth0LinkError as exc:
        return _bad("tls", exc.message, exc.fix)
    if cert is None:
        return _note("tls", "no TLS connection to inspect (a test transport)")
    return _ok("tls", f"the certificate verifies; issued by {cert.issuer}, expires {cert.not_after:%Y-%m-%d}")


def _discovery(client: Auth0Client) -> tuple[Endpoints, Check]:
    """The discovery document answers (else Auth0's fixed paths, for the checks that follow)."""
    from auth0link.auth.discovery import Endpoints, discover

    try:
        endpoints = discover(client, cache_dir=None, fallback=False)
    except Auth0LinkError as exc:
        fix = Fix("check the domain: ", cmd("config", "set", "domain", "YOUR-TENANT.auth0.com"))
        return Endpoints.auth0_defaults(client.base_url), _failed("discovery", exc, fix, own_hint=False)
    return endpoints, _ok("discovery", f"{client.base_url}/.well-known/openid-configuration answers")


def _signing_keys(client: Auth0Client, endpoints: Endpoints) -> Check:
    """The JWKS has an RSA key (linking needs RS256)."""
    from auth0link.auth.discovery import JwksCache

    try:
        keys = JwksCache(client, endpoints.jwks_uri).refresh()
    except Auth0LinkError as exc:
        return _failed("signing keys", exc, _CHECK_DOMAIN + ")", own_hint=False)
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
    fix = Fix("stop what uses them, or add another: ", cmd("login", "--callback-port", "PORT"))
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
        return _failed(name, exc, "try again; if it persists, run with --debug")
    if status == _HTTP_NOT_FOUND:  # not a tenant's /authorize: the client ID is not the problem
        fix = _CHECK_DOMAIN + "): no authorization endpoint answers there"
        return _bad(name, f"/authorize answered HTTP {status}: {page_sentence(text)}", fix)
    if status >= _HTTP_ERROR:
        fix = Fix(
            "check the client ID (",
            cmd("config", "get", "client_id"),
            ") and that the application is a Native app",
        )
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
        return _failed(name, exc, "try again; if it persists, run with --debug")
    return _ok(name, "the device code endpoint answers for this client")


def _storage(store: TokenStore, key: str | None) -> list[Check]:
    """The token store can be read, and whether a session is in it (as stored: not asked the tenant)."""
    try:
        tokens = store.load(key) if key is not None else None
    except TokenStorageError as exc:
        fix = Fix("unlock or install a keyring, or log in with: ", cmd("login", "--insecure-storage"))
        return [_bad("token storage", exc.message, fix)]
    usable = _ok("token storage", f"{store.description} is usable")
    if tokens is None:
        return [usable, _note("session", "not logged in", Fix(cmd("login")))]
    refresh = "with a refresh token" if tokens.refresh_token else "without a refresh token"
    return [usable, _note("session", f"stored for {tokens.user_id} ({refresh}); not checked with the tenant")]


def page_sentence(text: str) -> str:
    """What an HTML error page says, as one line: no tags, styles or scripts, entities decoded."""
    visible = _NOT_SHOWN.sub(" ", text)
    plain = html.unescape(re.sub(r"<[^>]+>", " ", visible))
    return " ".join(plain.split())[:200]


def active_credential_checks(
    configs: Sequence[ProfileConfig],
    *,
    world: StatusWorld,
    config_dir: Path,
    now: float,
    bare_profile: str,
    env_machine: tuple[str, str] | None,
) -> list[Check]:
    """The active profile's session and machine credentials, checked with the tenant as ``status`` does."""
    from auth0link.usecases import status

    report = status.gather(
        [c for c in configs if c.active],
        world=world,
        config_dir=config_dir,
        now=now,
        offline=False,
        bare_profile=bare_profile,
        env_machine=env_machine,
    )
    return credential_checks(report.sessions, report.machines)


def machine_stored(config_dir: Path, configs: Sequence[ProfileConfig]) -> bool:
    """Whether the active profile has machine credentials stored for its tenant (``login --machine``)."""
    from auth0link.usecases.profiles import machine_entries

    return bool(machine_entries(config_dir, [c for c in configs if c.active]))
