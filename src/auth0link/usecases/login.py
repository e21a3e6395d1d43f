"""``auth0link login``: run a flow and store the session only after it succeeded.

:func:`login` refuses while ``AUTH0LINK_ACCESS_TOKEN`` is set, checks the token store is usable
*before* the user does anything, runs the chosen flow (:mod:`auth0link.auth.pkce` or
:mod:`auth0link.auth.device`), and saves the :class:`~auth0link.tokens.TokenSet` only after a
successful exchange and ID token validation, under the session's lock, renewing its generation
(see :class:`auth0link.session.SessionLock`). The session it replaces has its refresh token
revoked. Interaction with the terminal goes through the small :class:`LoginUI` protocol, which
:class:`auth0link.output.Output` implements.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from typing import TYPE_CHECKING, Any, Protocol, Self

from auth0link._constants import ENV_ACCESS_TOKEN
from auth0link.auth.browser import open_system_browser
from auth0link.errors import LOGIN, Auth0LinkError, UsageError
from auth0link.models import LoginOutcome

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping
    from contextlib import AbstractContextManager

    from auth0link.auth.discovery import Endpoints
    from auth0link.client import Auth0Client
    from auth0link.models import DeviceAuthorization, TokenResponse
    from auth0link.session import SessionLock
    from auth0link.tokens import TokenSet, TokenStore


class LoginUI(Protocol):
    """What a login needs from the terminal (``Output`` implements it)."""

    def login_url(self, url: str, *, browser: bool, first_port: int | None = None) -> None:
        """Show the authorize URL (always, on stderr); ``browser``: one is being opened with it.

        ``first_port``: the first callback port; a URL whose callback uses a later one says so.
        """
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


def check_no_env_token(env_token: str | None) -> None:
    """Refuse to log in while ``AUTH0LINK_ACCESS_TOKEN`` would shadow the stored session."""
    if env_token:
        raise UsageError(
            f"{ENV_ACCESS_TOKEN} is set, so every command uses it and would ignore a stored login.",
            hint=f"unset it first (unset {ENV_ACCESS_TOKEN}), then " + LOGIN,
        )


def check_store_usable(store: TokenStore, key: str) -> TokenSet | None:
    """Touch the store before the user logs in, so a missing keyring fails first, not last.

    Returns the session stored now (its refresh token is revoked once a new login is stored).
    """
    return store.load(key)


class LazySpinner:
    """Starts a spinner (``waiting``: ``LoginUI.waiting``) on the first tick, after the URL is printed."""

    def __init__(
        self, waiting: Callable[[str], AbstractContextManager[Callable[[float], None]]], message: str
    ) -> None:
        """Remember what to show; nothing is shown before the first :meth:`tick`."""
        self._waiting = waiting
        self._message = message
        self._stack = contextlib.ExitStack()
        self._update: Callable[[float], None] | None = None

    def tick(self, remaining: float) -> None:
        """Show (the first time) and update the spinner with the seconds ``remaining``."""
        if self._update is None:
            self._update = self._stack.enter_context(self._waiting(self._message))
        self._update(remaining)

    def __enter__(self) -> Self:
        """The spinner, not shown yet."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Stop the spinner if it was shown."""
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
    env_token: str | None = None,
    browser: Callable[[str], bool] = open_system_browser,
    clock: Callable[[], float] = time.time,
    lock: SessionLock | None = None,
) -> LoginOutcome:
    """Run the chosen flow and store the session (only after validation succeeded)."""
    check_no_env_token(env_token)
    previous = check_store_usable(store, key)
    opener = browser if request.open_browser else None
    run = _device_flow if request.flow == "device" else _browser_flow
    tokens, claims = run(
        client, request, endpoints=endpoints, jwks_provider=jwks_provider, ui=ui, opener=opener
    )
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


def _device_flow(
    client: Auth0Client,
    request: LoginRequest,
    *,
    endpoints: Endpoints,
    jwks_provider: Callable[[], dict[str, Any]],
    ui: LoginUI,
    opener: Callable[[str], bool] | None,
) -> tuple[TokenResponse, dict[str, Any]]:
    """The device flow, with the code shown (and a spinner once it is)."""
    from auth0link.auth.device import run_device_login

    with LazySpinner(ui.waiting, "Waiting for the login to be approved") as spinner:
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
    return device.tokens, device.claims


def _browser_flow(
    client: Auth0Client,
    request: LoginRequest,
    *,
    endpoints: Endpoints,
    jwks_provider: Callable[[], dict[str, Any]],
    ui: LoginUI,
    opener: Callable[[str], bool] | None,
) -> tuple[TokenResponse, dict[str, Any]]:
    """The browser (PKCE) flow, with the URL shown (and a spinner with the time left)."""
    from auth0link.auth.pkce import PkceRequest, run_pkce_login

    pkce = PkceRequest(
        endpoints=endpoints,
        jwks_provider=jwks_provider,
        client_id=request.client_id,
        scope=request.scope,
        audience=request.audience,
        callback_ports=request.callback_ports,
        connection=request.connection,
        timeout=request.timeout,
    )
    with LazySpinner(ui.waiting, "Waiting for the browser login") as spinner:
        deadline = time.monotonic() + request.timeout
        result = run_pkce_login(
            client,
            pkce,
            open_browser=opener or (lambda _url: False),
            on_url=lambda url: ui.login_url(
                url, browser=opener is not None, first_port=next(iter(request.callback_ports), None)
            ),
            clock=ticking_clock(spinner.tick, deadline),
        )
    return result.tokens, result.claims


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


@contextlib.contextmanager
def no_spinner(_message: str) -> Iterator[Callable[[float], None]]:
    """A wait that shows nothing (an injected second login, scripts)."""
    yield lambda _remaining: None


def ticking_clock(tick: Callable[[float], None], deadline: float) -> Callable[[], float]:
    """A monotonic clock that also updates the spinner with the time left."""

    def clock() -> float:
        now = time.monotonic()
        tick(max(0.0, deadline - now))
        return now

    return clock
