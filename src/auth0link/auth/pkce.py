"""Authorization code + PKCE with a loopback redirect (RFC 7636, RFC 8252), for any OIDC provider.

Sequence of :func:`run_pkce_login`:

1. S256 ``code_verifier``/``code_challenge``, random ``state`` and ``nonce``;
2. bind a one-shot listener on ``127.0.0.1``, path ``/callback``, on the first free port of
   ``callback_ports`` (Auth0 matches ``redirect_uri`` exactly, so the ports are fixed and must be
   registered as Allowed Callback URLs);
3. ask the provider once whether it accepts the ``redirect_uri`` (a GET of the authorize URL
   without following redirects): Auth0 answers "Callback URL mismatch" on a page the user would
   otherwise stare at, so the CLI fails early naming the exact URLs to register (a yes is cached
   per tenant, application and port when the caller passes ``accepted``:
   :mod:`~auth0link.auth.accepted_callbacks`);
4. hand the authorize URL to ``on_url`` (always shown) and then to ``open_browser`` in a
   background thread (``webbrowser`` may block until the browser command exits);
5. wait for the callback (``timeout``); a wrong ``state`` is answered 400 and ignored, stray
   requests (favicon) 404; an ``error=`` callback becomes an :class:`~auth0link.errors.OAuthError`
   with the provider's text;
6. exchange the code (same ``redirect_uri``, the ``code_verifier``) and validate the ID token.

Nothing is stored here: the caller saves the result only after this returns. Ctrl-C raises
:class:`~auth0link.errors.Interrupted`.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import hashlib
import secrets
import threading
import time
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qs, urlencode, urlsplit

from auth0link.auth._loopback import (
    CALLBACK_HOST,
    CALLBACK_PATH,
    Listener,
    Outcome,
    bind_listener,
    callback_urls,
    port_is_free,
)
from auth0link.auth.oidc import RETRY_LOGIN, validate_with_provider
from auth0link.errors import LOGIN, Fix, IdTokenError, Interrupted, LoginRequired, OAuthError, clause, cmd

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from auth0link.auth.accepted_callbacks import AcceptedCallbacks
    from auth0link.auth.discovery import Endpoints
    from auth0link.client import Auth0Client
    from auth0link.models import TokenResponse

__all__ = [
    "CALLBACK_HOST",
    "CALLBACK_PATH",
    "DEFAULT_CALLBACK_PORTS",
    "PkceRequest",
    "PkceResult",
    "authorize_url",
    "bind_listener",
    "callback_urls",
    "challenge_for",
    "check_callback_accepted",
    "make_verifier",
    "port_is_free",
    "run_pkce_login",
]

DEFAULT_CALLBACK_PORTS: Final = (8484, 8485, 8486)
_MISMATCH_MARKERS: Final = (
    "callback url mismatch",  # Auth0
    "redirect_uri_mismatch",  # Google, RFC-style error codes
    "invalid redirect_uri",
    "invalid parameter: redirect_uri",  # Keycloak
)


@dataclasses.dataclass(frozen=True)
class PkceResult:
    """A completed login: the tokens, the validated ID token claims, and how it was done."""

    tokens: TokenResponse
    claims: dict[str, Any]
    redirect_uri: str
    started_at: float  # time.time() when the login started (for auth_time checks)


def _register_hint(ports: Sequence[int]) -> Fix:
    return Fix(
        "add these to the application's Allowed Callback URLs: "
        + ", ".join(callback_urls(ports))
        + " (see docs/tenant-setup.md, 'Set up your Auth0 tenant'; ",
        cmd("doctor"),
        " checks it)",
    )


def make_verifier() -> str:
    """A 43-character base64url code verifier (32 random bytes; RFC 7636 §4.1)."""
    return secrets.token_urlsafe(32)


def challenge_for(verifier: str) -> str:
    """The S256 code challenge: base64url(sha256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def authorize_url(
    endpoint: str,
    *,
    client_id: str,
    redirect_uri: str,
    scope: str,
    state: str,
    nonce: str,
    code_challenge: str,
    audience: str | None = None,
    connection: str | None = None,
    prompt: str | None = None,
    max_age: int | None = None,
    login_hint: str | None = None,
) -> str:
    """The full authorize URL (optional parameters are left out when None)."""
    params: dict[str, str] = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": scope,
        "state": state,
        "nonce": nonce,
        "code_challenge": code_challenge,
        "code_challenge_method": "S256",
    }
    optional = {
        "audience": audience,
        "connection": connection,
        "prompt": prompt,
        "max_age": str(max_age) if max_age is not None else None,
        "login_hint": login_hint,
    }
    params.update({k: v for k, v in optional.items() if v is not None})
    separator = "&" if urlsplit(endpoint).query else "?"
    return endpoint + separator + urlencode(params)


def is_callback_mismatch(status: int, text: str) -> bool:
    """True when an authorize endpoint's answer says the redirect URI is not registered."""
    lowered = text.lower()
    return status >= 400 and any(marker in lowered for marker in _MISMATCH_MARKERS)  # noqa: PLR2004 - HTTP


def check_callback_accepted(client: Auth0Client, url: str, ports: Sequence[int]) -> tuple[int, str]:
    """Ask the authorize endpoint once (no redirects followed); fail on a callback URL mismatch.

    Returns the status and page text for callers that inspect other answers (``doctor``).
    """
    status, text = client.probe(url)
    if is_callback_mismatch(status, text):
        redirect = parse_qs(urlsplit(url).query).get("redirect_uri", ["?"])[0]
        raise OAuthError(
            f"The provider refused the callback URL {redirect} (Callback URL mismatch).",
            error="unauthorized_client",
            status_code=status,
            hint=_register_hint(ports),
        )
    return status, text


#: what to do when no login came back in time, for ``auth0link login`` (link passes its own)
LOGIN_TIMEOUT_HINT: Final = Fix(
    "run ", cmd("login"), " again (--timeout SECONDS waits longer; --device logs in without a local browser)"
)


def _as_fix(hint: Fix | str) -> Fix:
    return Fix(hint) if isinstance(hint, str) else hint


def _wait(listener: Listener, timeout: float, clock: Callable[[], float], hint: Fix | str) -> Outcome:
    deadline = clock() + timeout
    while not listener.done.wait(0.1):
        if clock() >= deadline:
            extra = (
                f" ({listener.outcome.rejected_state} answer(s) with a wrong state were rejected)"
                if listener.outcome.rejected_state
                else ""
            )
            raise LoginRequired(f"No login arrived from the browser within {timeout:g} s{extra}.", hint=hint)
    return listener.outcome


@dataclasses.dataclass(frozen=True)
class PkceRequest:
    """One browser login: the application, what to ask the authorization server, how long to wait.

    ``require_fresh_auth`` demands ``auth_time`` ≥ the start of this login (use it with
    ``prompt="login"``/``max_age=0`` for a second, linking login). ``check_callback=False`` skips
    the early "Callback URL mismatch" probe. ``timeout_hint`` is what the caller's user should do
    when no login arrives in time, ``retry_hint`` how to try again after a refused login.
    """

    endpoints: Endpoints
    jwks_provider: Callable[[], dict[str, Any]] = dataclasses.field(repr=False)
    client_id: str
    scope: str
    audience: str | None
    callback_ports: Sequence[int] = DEFAULT_CALLBACK_PORTS
    connection: str | None = None
    prompt: str | None = None
    max_age: int | None = None
    login_hint: str | None = None
    timeout: float = 300.0
    require_fresh_auth: bool = False
    check_callback: bool = True
    timeout_hint: Fix | str = LOGIN_TIMEOUT_HINT
    retry_hint: Fix | str = LOGIN


def run_pkce_login(
    client: Auth0Client,
    request: PkceRequest,
    *,
    open_browser: Callable[[str], bool],
    on_url: Callable[[str], None],
    clock: Callable[[], float] = time.monotonic,
    accepted: AcceptedCallbacks | None = None,
) -> PkceResult:
    """Log a user in through the browser; see the module docstring for the steps.

    ``on_url`` shows the URL, ``open_browser`` opens it; with ``accepted`` the callback URL is
    asked about once per tenant, application and port, then cached (a login that does not come
    back forgets it).
    """
    callback_ports = request.callback_ports
    started_at, verifier = time.time(), make_verifier()
    state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    try:
        listener = bind_listener(callback_ports, state)
    except KeyboardInterrupt:
        raise Interrupted from None
    redirect_uri = f"http://{CALLBACK_HOST}:{listener.server_address[1]}{CALLBACK_PATH}"
    url = _authorize_url_for(request, redirect_uri=redirect_uri, state=state, nonce=nonce, verifier=verifier)

    def probe() -> None:
        if accepted is None or not accepted.known(url):
            check_callback_accepted(client, url, callback_ports)
            if accepted is not None:
                accepted.remember(url)

    try:
        code = _await_code(
            listener,
            url,
            probe=probe if request.check_callback else None,
            on_url=on_url,
            open_browser=open_browser,
            timeout=request.timeout,
            clock=clock,
            ports=callback_ports,
            hints=(request.timeout_hint, request.retry_hint),
        )
    except BaseException:
        if accepted is not None:
            accepted.forget(url)  # the cached answer may be what went wrong: ask again next time
        raise
    tokens, claims = _exchange(
        client,
        request,
        code=code,
        verifier=verifier,
        redirect_uri=redirect_uri,
        nonce=nonce,
        started_at=started_at,
    )
    return PkceResult(tokens=tokens, claims=claims, redirect_uri=redirect_uri, started_at=started_at)


def _authorize_url_for(
    request: PkceRequest, *, redirect_uri: str, state: str, nonce: str, verifier: str
) -> str:
    """The authorize URL of ``request`` for this login's listener, ``state``, ``nonce`` and verifier."""
    return authorize_url(
        request.endpoints.authorization_endpoint,
        client_id=request.client_id,
        redirect_uri=redirect_uri,
        scope=request.scope,
        state=state,
        nonce=nonce,
        code_challenge=challenge_for(verifier),
        audience=request.audience,
        connection=request.connection,
        prompt=request.prompt,
        max_age=request.max_age,
        login_hint=request.login_hint,
    )


def _exchange(
    client: Auth0Client,
    request: PkceRequest,
    *,
    code: str,
    verifier: str,
    redirect_uri: str,
    nonce: str,
    started_at: float,
) -> tuple[TokenResponse, dict[str, Any]]:
    """Trade the code for tokens and validate the ID token (``auth_time`` too, when asked)."""
    endpoints, client_id, retry_hint = request.endpoints, request.client_id, request.retry_hint
    try:
        tokens = client.token(
            {
                "grant_type": "authorization_code",
                "client_id": client_id,
                "code": code,
                "code_verifier": verifier,
                "redirect_uri": redirect_uri,
            },
            endpoint=endpoints.token_endpoint,
        )
        fresh = {"auth_time_after": started_at} if request.require_fresh_auth else {}
        claims = validate_with_provider(
            tokens.id_token,
            jwks_provider=request.jwks_provider,
            issuer=endpoints.issuer,
            client_id=client_id,
            nonce=nonce,
            **fresh,
        )
    except IdTokenError as exc:
        if exc.fix == RETRY_LOGIN:  # the generic retry: the caller's own
            exc.fix = "nothing was stored; " + _as_fix(retry_hint)
        raise
    except KeyboardInterrupt:
        raise Interrupted("Interrupted: the login was cancelled; nothing was stored.") from None
    return tokens, claims


def _await_code(
    listener: Listener,
    url: str,
    *,
    probe: Callable[[], object] | None,
    on_url: Callable[[str], None],
    open_browser: Callable[[str], bool],
    timeout: float,
    clock: Callable[[], float],
    ports: Sequence[int],
    hints: tuple[Fix | str, Fix | str],
) -> str:
    """Serve the callback, show and open the URL, and wait for the browser to come back."""
    server_thread = threading.Thread(
        target=listener.serve_forever, kwargs={"poll_interval": 0.1}, name="pkce-listener", daemon=True
    )
    try:
        server_thread.start()
        if probe is not None:
            probe()
        on_url(url)
        threading.Thread(
            target=_open_quietly, args=(open_browser, url), name="pkce-browser", daemon=True
        ).start()
        outcome = _wait(listener, timeout, clock, hints[0])
    except KeyboardInterrupt:
        raise Interrupted("Interrupted: the login was cancelled; nothing was stored.") from None
    finally:
        listener.shutdown()
        listener.server_close()
    if outcome.error is not None:
        raise _callback_error(outcome, ports, retry_hint=hints[1])
    assert outcome.code is not None
    return outcome.code


def _open_quietly(open_browser: Callable[[str], bool], url: str) -> None:
    # The URL is already printed: a failed launch changes nothing.
    with contextlib.suppress(Exception):
        open_browser(url)


def _callback_error(outcome: Outcome, ports: Sequence[int], *, retry_hint: Fix | str) -> OAuthError:
    error = outcome.error or "unknown_error"
    description = clause((outcome.error_description or error).replace("\n", " ")[:300])
    hint = retry_hint
    if any(marker in description.lower() for marker in _MISMATCH_MARKERS):
        hint = _register_hint(ports)
    elif error == "access_denied":
        hint = "the login was refused in the browser; to try again, " + _as_fix(retry_hint)
    elif error in {"unauthorized_client", "invalid_request"}:
        hint = Fix.run("doctor", lead="check the application's settings: run ")
    return OAuthError(
        f"The login failed: {description} ({error}).", error=error, hint=hint, description=description
    )
