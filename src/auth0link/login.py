"""The login, logout, status and doctor use-cases (no click, no rich: callable from Python).

* :func:`choose_flow` — PKCE when a browser can open, the device flow with ``--device`` or when
  none can (SSH, no ``DISPLAY``/``WAYLAND_DISPLAY`` on Linux, ``CI``; an explicit ``BROWSER``
  counts as a browser);
* :func:`login` — refuses while ``AUTH0LINK_ACCESS_TOKEN`` is set, checks the token store is
  usable *before* the user does anything, runs the flow, and saves the :class:`TokenSet` only
  after a successful exchange and ID token validation (under the session's lock, renewing its
  generation: see :class:`auth0link.session.SessionLock`);
* :class:`SessionIndex` — the keyring cannot enumerate its entries, so the keys of stored
  sessions (with their profile, tenant, client and storage) are listed in
  ``<config dir>/sessions.json`` for ``status`` and ``logout --all``;
* :func:`logout`, :func:`session_status`, :func:`run_doctor`.

Interaction with the terminal goes through the small :class:`LoginUI` protocol, which
:class:`auth0link.output.Output` implements.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import sys
import time
from typing import TYPE_CHECKING, Any, Final, Protocol, Self

from auth0link._jwt import unverified_claims
from auth0link.config import ENV_ACCESS_TOKEN
from auth0link.errors import Auth0LinkError, OAuthError, TokenStorageError, UsageError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping, Sequence
    from contextlib import AbstractContextManager
    from pathlib import Path

    from auth0link.client import Auth0Client
    from auth0link.models import DeviceAuthorization, TokenResponse
    from auth0link.oidc import Endpoints
    from auth0link.session import SessionLock
    from auth0link.tokens import TokenSet, TokenStore

INDEX_FILE: Final = "sessions.json"


# -- choosing a flow ----------------------------------------------------------------------------


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def browser_unavailable_reason(env: Mapping[str, str], platform: str = sys.platform) -> str | None:
    """Why no browser can be opened here, or None when one can (``BROWSER`` always counts)."""
    if env.get("BROWSER", "").strip():
        return None
    if _truthy(env.get("CI")):
        return "CI is set"
    if env.get("SSH_CONNECTION") or env.get("SSH_CLIENT") or env.get("SSH_TTY"):
        return "this is an SSH session"
    graphical = platform.startswith(("win", "darwin", "cygwin"))
    if not graphical and not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
        return "neither DISPLAY nor WAYLAND_DISPLAY is set"
    return None


def choose_flow(
    env: Mapping[str, str], *, device: bool, no_browser: bool = False, platform: str = sys.platform
) -> tuple[str, str]:
    """``("device" | "pkce", reason)``. ``--no-browser`` asks for the browser flow, printed only."""
    if device:
        return "device", "--device was given"
    if no_browser:
        return "pkce", "--no-browser was given (open the printed URL yourself)"
    reason = browser_unavailable_reason(env, platform)
    if reason is not None:
        return "device", f"no browser can be opened ({reason})"
    return "pkce", "a browser can be opened"


# -- the session index --------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class IndexEntry:
    """Where one stored session lives."""

    key: str
    profile: str
    domain: str
    client_id: str
    storage: str  # "keyring" or "file"


class SessionIndex:
    """``<config dir>/sessions.json``: the keys of stored sessions (the keyring can't list them)."""

    def __init__(self, config_dir: Path) -> None:
        """Point at the index file (created on first add)."""
        self.path = config_dir / INDEX_FILE

    def entries(self) -> list[IndexEntry]:
        """Every indexed session (a damaged index reads as empty)."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        items = data.get("sessions") if isinstance(data, dict) else None
        names = {f.name for f in dataclasses.fields(IndexEntry)}
        return [
            IndexEntry(**{n: item[n] for n in names})
            for item in (items if isinstance(items, list) else [])
            if isinstance(item, dict)
            and names <= item.keys()
            and all(isinstance(item[n], str) for n in names)
        ]

    def _write(self, entries: Sequence[IndexEntry]) -> None:
        from auth0link._files import atomic_write_text

        body = {"sessions": [dataclasses.asdict(e) for e in entries]}
        atomic_write_text(self.path, json.dumps(body, indent=1, sort_keys=True), mode=0o600)

    def add(self, entry: IndexEntry) -> None:
        """Add or replace the entry for ``entry.key``."""
        others = [e for e in self.entries() if e.key != entry.key]
        self._write([*others, entry])

    def remove(self, key: str) -> None:
        """Forget a key (no error when absent)."""
        entries = self.entries()
        kept = [e for e in entries if e.key != key]
        if len(kept) != len(entries):
            self._write(kept)


# -- login ---------------------------------------------------------------------------------------


class LoginUI(Protocol):
    """What a login needs from the terminal (``Output`` implements it)."""

    def login_url(self, url: str) -> None:
        """Show the authorize URL (always, on stderr)."""
        ...

    def device_code(self, auth: DeviceAuthorization) -> None:
        """Show the verification URL and user code (and a QR code on a terminal)."""
        ...

    def waiting(self, message: str) -> AbstractContextManager[Callable[[float], None]]:
        """A spinner; the yielded callable takes the seconds remaining."""
        ...


@dataclasses.dataclass(frozen=True)
class LoginRequest:
    """Everything a login needs to know, resolved by the caller."""

    client_id: str
    scope: str
    audience: str | None
    flow: str  # "pkce" or "device"
    callback_ports: tuple[int, ...]
    connection: str | None = None
    timeout: float = 300.0
    open_browser: bool = True


@dataclasses.dataclass(frozen=True)
class LoginOutcome:
    """A stored login, for the success message and ``--json``."""

    user_id: str
    email: str | None
    name: str | None
    flow: str
    scope: str
    expires_at: float
    storage: str


def open_system_browser(url: str) -> bool:
    """Python's :func:`webbrowser.open` (which honours ``BROWSER``)."""
    import webbrowser

    try:
        return webbrowser.open(url)
    except webbrowser.Error:
        return False


def token_set_from(tokens: TokenResponse, claims: Mapping[str, Any], *, scope: str, now: float) -> TokenSet:
    """The stored form of a validated login (``user_id`` is the ID token's ``sub``)."""
    from auth0link.tokens import TokenSet

    return TokenSet(
        access_token=tokens.access_token,
        expires_at=now + (tokens.expires_in or 0),
        token_type=tokens.token_type or "Bearer",
        scope=tokens.scope or scope,
        refresh_token=tokens.refresh_token,
        id_token=tokens.id_token,
        user_id=str(claims["sub"]),
    )


def check_no_env_token(env: Mapping[str, str]) -> None:
    """Refuse to log in while ``AUTH0LINK_ACCESS_TOKEN`` would shadow the stored session."""
    if env.get(ENV_ACCESS_TOKEN, "").strip():
        raise UsageError(
            f"{ENV_ACCESS_TOKEN} is set, so every command uses it and would ignore a stored login.",
            hint=f"unset it first (unset {ENV_ACCESS_TOKEN}), then run: auth0link login",
        )


def check_store_usable(store: TokenStore, key: str) -> TokenSet | None:
    """Touch the store before the user logs in, so a missing keyring fails first, not last.

    Returns the session stored now (its refresh token is revoked once a new login is stored).
    """
    return store.load(key)


class _LazySpinner:
    """Starts the UI's spinner on the first tick, i.e. after the URL or code has been printed."""

    def __init__(self, ui: LoginUI, message: str) -> None:
        self._ui = ui
        self._message = message
        self._stack = contextlib.ExitStack()
        self._update: Callable[[float], None] | None = None

    def tick(self, remaining: float) -> None:
        if self._update is None:
            self._update = self._stack.enter_context(self._ui.waiting(self._message))
        self._update(remaining)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()


def login(
    client: Auth0Client,
    request: LoginRequest,
    *,
    endpoints: Endpoints,
    jwks_provider: Callable[[], dict[str, Any]],
    store: TokenStore,
    key: str,
    ui: LoginUI,
    env: Mapping[str, str],
    browser: Callable[[str], bool] = open_system_browser,
    clock: Callable[[], float] = time.time,
    lock: SessionLock | None = None,
) -> LoginOutcome:
    """Run the chosen flow and store the session (only after validation succeeded)."""
    check_no_env_token(env)
    previous = check_store_usable(store, key)
    opener = browser if request.open_browser else None
    if request.flow == "device":
        from auth0link.device_flow import run_device_login

        with _LazySpinner(ui, "Waiting for the login to be approved") as spinner:
            device = run_device_login(
                client,
                endpoints=endpoints,
                jwks_provider=jwks_provider,
                client_id=request.client_id,
                scope=request.scope,
                audience=request.audience,
                on_code=ui.device_code,
                open_browser=opener,
                on_wait=spinner.tick,
            )
        tokens, claims = device.tokens, device.claims
    else:
        from auth0link.pkce_flow import run_pkce_login

        with _LazySpinner(ui, "Waiting for the browser login") as spinner:
            deadline = time.monotonic() + request.timeout
            result = run_pkce_login(
                client,
                endpoints=endpoints,
                jwks_provider=jwks_provider,
                client_id=request.client_id,
                scope=request.scope,
                audience=request.audience,
                callback_ports=request.callback_ports,
                connection=request.connection,
                open_browser=opener or (lambda _url: False),
                on_url=ui.login_url,
                timeout=request.timeout,
                clock=_ticking_clock(spinner.tick, deadline),
            )
        tokens, claims = result.tokens, result.claims
    session = token_set_from(tokens, claims, scope=request.scope, now=clock())
    save_new_session(store, key, session, lock)
    if previous is not None and previous.refresh_token and previous.refresh_token != session.refresh_token:
        _revoke_quietly(client, endpoints, request.client_id, previous.refresh_token)
    return LoginOutcome(
        user_id=str(claims["sub"]),
        email=claims.get("email") if isinstance(claims.get("email"), str) else None,
        name=claims.get("name") if isinstance(claims.get("name"), str) else None,
        flow=request.flow,
        scope=session.scope,
        expires_at=session.expires_at,
        storage=store.description,
    )


def save_new_session(store: TokenStore, key: str, session: TokenSet, lock: SessionLock | None) -> None:
    """Store a fresh login, renewing the generation under ``lock``.

    So a save still in flight from before this login (a refresh, a switched session) cannot
    replace it.
    """
    with lock.hold() if lock is not None else contextlib.nullcontext():
        store.save(key, session)
        if lock is not None:
            lock.renew()


def _revoke_quietly(client: Auth0Client, endpoints: Endpoints, client_id: str, refresh_token: str) -> None:
    """Revoke the replaced session's refresh token; a failure only leaves it to expire."""
    if not endpoints.revocation_endpoint:
        return
    with contextlib.suppress(Auth0LinkError):
        client.revoke(
            {"client_id": client_id, "token": refresh_token}, endpoint=endpoints.revocation_endpoint
        )


def _ticking_clock(tick: Callable[[float], None], deadline: float) -> Callable[[], float]:
    """A monotonic clock that also updates the spinner with the time left."""

    def clock() -> float:
        now = time.monotonic()
        tick(max(0.0, deadline - now))
        return now

    return clock


# -- logout --------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class LogoutResult:
    """What logout did for one session."""

    profile: str
    domain: str
    had_session: bool
    revoked: bool
    warning: str | None = None


def logout(
    entry: IndexEntry,
    *,
    store: TokenStore,
    client_factory: Callable[[str], Auth0Client],
    endpoints_for: Callable[[Auth0Client], Endpoints],
    index: SessionIndex,
    lock: SessionLock | None = None,
) -> LogoutResult:
    """Delete the stored session, drop it from the index, revoke its refresh token (best effort).

    With ``lock`` (the session's :class:`~auth0link.session.SessionLock`), the deletion waits for
    a refresh in progress and renews the generation first, so no save in flight brings it back.
    """
    with lock.hold() if lock is not None else contextlib.nullcontext():
        if lock is not None:
            lock.renew()
        tokens = store.load(entry.key)
        had = store.delete(entry.key) or tokens is not None
    index.remove(entry.key)
    revoked = False
    warning = None
    if tokens is not None and tokens.refresh_token:
        try:
            client = client_factory(entry.domain)
            endpoints = endpoints_for(client)
            client.revoke(
                {"client_id": entry.client_id, "token": tokens.refresh_token},
                endpoint=endpoints.revocation_endpoint or "/oauth/revoke",
            )
            revoked = True
        except Auth0LinkError as exc:
            warning = f"could not revoke the refresh token ({exc.message}); it was deleted locally"
    return LogoutResult(entry.profile, entry.domain, had, revoked, warning)


# -- status ---------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SessionStatus:
    """One profile's login state, as ``auth0link status`` shows it."""

    profile: str
    domain: str
    client_id: str
    active: bool
    logged_in: bool
    storage: str
    user_id: str | None = None
    email: str | None = None
    scopes: tuple[str, ...] = ()
    expires_at: float | None = None
    expired: bool = False
    refreshable: bool = False
    problems: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """Stable ``--json`` keys."""
        return {
            "profile": self.profile,
            "domain": self.domain,
            "client_id": self.client_id,
            "active": self.active,
            "logged_in": self.logged_in,
            "user_id": self.user_id,
            "email": self.email,
            "scopes": list(self.scopes),
            "expires_at": int(self.expires_at) if self.expires_at is not None else None,
            "expired": self.expired,
            "refreshable": self.refreshable,
            "storage": self.storage,
            "problems": list(self.problems),
        }


def session_status(
    entry: IndexEntry, *, store: TokenStore, active: bool, now: float, wanted_scopes: Sequence[str] = ()
) -> SessionStatus:
    """Read one session without refreshing it; every problem names the command that fixes it."""
    profile_flag = "" if entry.profile == "default" else f" --profile {entry.profile}"
    base = SessionStatus(
        profile=entry.profile,
        domain=entry.domain,
        client_id=entry.client_id,
        active=active,
        logged_in=False,
        storage=store.description,
    )
    try:
        tokens = store.load(entry.key)
    except TokenStorageError as exc:
        fix = f"unlock the keyring, or run: auth0link login{profile_flag} --insecure-storage"
        return dataclasses.replace(base, storage=store.description, problems=(f"{exc.message} Fix: {fix}",))
    if tokens is None:
        return dataclasses.replace(
            base, storage=store.description, problems=(f"Not logged in. Fix: auth0link login{profile_flag}",)
        )
    expired = tokens.is_expired(now, leeway=0)
    problems: list[str] = []
    if expired and not tokens.refresh_token:
        problems.append(f"The session expired and cannot be refreshed. Fix: auth0link login{profile_flag}")
    missing = [s for s in wanted_scopes if s not in tokens.scopes]
    if missing:
        problems.append(
            f"Missing scopes: {' '.join(missing)}. Fix: auth0link login{profile_flag} "
            f"--scopes '{' '.join(sorted(tokens.scopes | set(missing)))}'"
        )
    claims = unverified_claims(tokens.id_token) if tokens.id_token else {}
    return dataclasses.replace(
        base,
        logged_in=True,
        storage=store.description,
        user_id=tokens.user_id,
        email=claims.get("email") if isinstance(claims.get("email"), str) else None,
        scopes=tuple(sorted(tokens.scopes)),
        expires_at=tokens.expires_at,
        expired=expired,
        refreshable=bool(tokens.refresh_token),
        problems=tuple(problems),
    )


# -- doctor -----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Check:
    """One doctor check: ``ok`` True/False (None = skipped/informational)."""

    name: str
    ok: bool | None
    detail: str
    fix: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Stable ``--json`` keys."""
        return {"name": self.name, "ok": self.ok, "detail": self.detail, "fix": self.fix}


def _ok(name: str, detail: str) -> Check:
    return Check(name, ok=True, detail=detail)


def _bad(name: str, detail: str, fix: str | None) -> Check:
    return Check(name, ok=False, detail=detail, fix=fix)


def _note(name: str, detail: str, fix: str | None = None) -> Check:
    return Check(name, ok=None, detail=detail, fix=fix)


def tls_check(client: Auth0Client) -> Check:
    """Does the tenant's certificate verify here? Its issuer and expiry, or the fix."""
    if not client.base_url.startswith("https://"):
        return _note("tls", f"{client.base_url} is plain http (allowed for loopback hosts only)")
    try:
        cert = client.certificate()
    except Auth0LinkError as exc:
        return _bad("tls", exc.message, exc.hint)
    if cert is None:
        return _note("tls", "no TLS connection to inspect (a test transport)")
    expires = f"{cert.not_after:%Y-%m-%d}"
    return _ok("tls", f"the certificate verifies; issued by {cert.issuer}, expires {expires}")


def run_doctor(  # noqa: C901, PLR0912, PLR0915 - one block per check, in the order they are shown
    client: Auth0Client,
    *,
    client_id: str,
    scope: str,
    audience: str | None,
    callback_ports: Sequence[int],
    store: TokenStore,
    key: str,
    env: Mapping[str, str],
) -> list[Check]:
    """Check a profile against its tenant and this machine; each failure says what to fix."""
    from auth0link.oidc import Endpoints, JwksCache, discover
    from auth0link.pkce_flow import (
        authorize_url,
        callback_urls,
        challenge_for,
        check_callback_accepted,
        make_verifier,
        port_is_free,
    )

    checks: list[Check] = [tls_check(client)]
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
    if env.get(ENV_ACCESS_TOKEN, "").strip():
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


@contextlib.contextmanager
def no_spinner(_message: str) -> Iterator[Callable[[float], None]]:
    """A :meth:`LoginUI.waiting` that shows nothing (tests, scripts)."""
    yield lambda _remaining: None
