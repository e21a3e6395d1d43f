"""Sessions: "give me a valid access token for this tenant".

Order (see also ``config.py``): ``$AUTH0LINK_ACCESS_TOKEN`` wins (scripts, CI); otherwise the
stored session for profile + tenant + client is loaded from the :class:`TokenStore`, refreshed
with its rotating refresh token when it expires within 60 s, and saved again.

Refreshing is serialised across processes by an advisory file lock in the config directory, and
the session is re-read once the lock is held: with rotation, the refresh token a second process
read before the first one refreshed is already spent, and using it would be "reuse" (which makes
Auth0 revoke the whole family). So the second process simply uses the first one's new tokens.

Logout wins over saves in flight: ``login`` and ``logout`` renew the session's generation under
the same lock (:class:`SessionLock`), and a refresh or a switched session (``link --primary
secondary``) that started from a read under an older generation is refused, not saved.

This module runs no interactive flow (the CLI chooses device or PKCE) and prints nothing.
"""

from __future__ import annotations

import dataclasses
import hashlib
import secrets
import time
from typing import TYPE_CHECKING, Final

from auth0link._constants import ENV_ACCESS_TOKEN
from auth0link._files import LOCK_TIMEOUT, atomic_write_text, file_lock
from auth0link._jwt import unverified_claims
from auth0link.errors import LOGIN, LoginRequired, NetworkError, OAuthError, ServerError

if TYPE_CHECKING:
    from collections.abc import Callable
    from contextlib import AbstractContextManager
    from pathlib import Path

    from auth0link.client import Auth0Client
    from auth0link.tokens import TokenSet, TokenStore

_LOGGED_OUT: Final = "You logged out (or in again) while this command ran, so its session was not saved."


@dataclasses.dataclass(frozen=True)
class Access:
    """A usable access token and whose it is."""

    token: str
    user_id: str
    source: str  # "env" or "store"
    tokens: TokenSet | None = None

    def __repr__(self) -> str:
        """Never show the token."""
        return f"Access(user_id={self.user_id!r}, source={self.source!r}, token=<hidden>)"


def user_id_from_token(token: str) -> str | None:
    """The ``sub`` claim of a JWT access token (no verification: it is our own token)."""
    sub = unverified_claims(token).get("sub")
    return sub if isinstance(sub, str) and sub else None


def access_from_env(env_token: str | None) -> Access | None:
    """``$AUTH0LINK_ACCESS_TOKEN`` (scripts, CI; ``Settings.access_token``) as an :class:`Access`."""
    if not env_token:
        return None
    user_id = user_id_from_token(env_token)
    if not user_id:
        raise LoginRequired(
            f"{ENV_ACCESS_TOKEN} is not a JWT with a 'sub' claim.",
            hint="set it to a Management API access token, or unset it and " + LOGIN,
        )
    return Access(env_token, user_id, "env")


def env_token_rejected() -> LoginRequired:
    """The tenant refused ``$AUTH0LINK_ACCESS_TOKEN`` (401): it cannot be refreshed here."""
    return LoginRequired(
        f"The tenant rejected the access token in {ENV_ACCESS_TOKEN} (expired or invalid).",
        hint=f"set {ENV_ACCESS_TOKEN} to a fresh token, or unset it and " + LOGIN,
    )


class SessionLock:
    """The per-session lock, and the session's *generation* (which ``login``/``logout`` renew).

    Refreshing, saving a switched session, logging in and logging out all happen while holding
    ``<config dir>/locks/<hash of key>.lock``. ``login`` and ``logout`` also write a new random
    generation next to it; a save that started from a session read under an older generation
    (a refresh, ``link --primary secondary`` still running) is refused, so logout wins.
    """

    def __init__(self, config_dir: Path, key: str) -> None:
        """Point at the lock and generation files of ``key`` (created on first use)."""
        name = hashlib.sha256(key.encode()).hexdigest()[:16]
        self.path = config_dir / "locks" / f"{name}.lock"
        self.generation_path = config_dir / "locks" / f"{name}.generation"

    def hold(self, *, timeout: float = LOCK_TIMEOUT) -> AbstractContextManager[None]:
        """Hold the lock (exclusive, across processes)."""
        return file_lock(self.path, timeout=timeout)

    def generation(self) -> str:
        """The current generation ("" before the first login/logout that wrote one)."""
        try:
            return self.generation_path.read_text(encoding="ascii").strip()
        except (OSError, ValueError):
            return ""

    def renew(self) -> None:
        """Start a new generation (call while holding the lock): older reads may no longer save."""
        atomic_write_text(self.generation_path, secrets.token_hex(16))


class SessionManager:
    """Loads, refreshes and saves one profile's session."""

    def __init__(
        self,
        *,
        store: TokenStore,
        key: str,
        client_id: str,
        lock_dir: Path,
        env_token: str | None,
        client_factory: Callable[[], Auth0Client],
        token_endpoint: Callable[[], str] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Wire the store, the session key and a way to build a client for refreshing."""
        self.store = store
        self.key = key
        self.client_id = client_id
        self.lock = SessionLock(lock_dir, key)
        self.lock_path = self.lock.path
        self.env_token = env_token
        self._client_factory = client_factory
        self._token_endpoint = token_endpoint
        self._clock = clock
        self._generation: str | None = None  # read with the session by access()

    def access(self) -> Access:
        """A valid access token, refreshing the stored session if needed."""
        from_env = access_from_env(self.env_token)
        if from_env is not None:
            return from_env
        self._generation = self.lock.generation()  # before the session: a logout after it shows
        tokens = self.store.load(self.key)
        if tokens is None:
            raise LoginRequired
        if tokens.is_expired(self._clock()):
            tokens = self.refresh(tokens)
        user_id = tokens.user_id or user_id_from_token(tokens.access_token)
        if not user_id:
            raise LoginRequired("The stored session has no user.", hint=LOGIN)
        return Access(tokens.access_token, user_id, "store", tokens)

    def checked_access(self) -> Access:
        """``status``: refresh the session now (if it can be), proving the tenant still honours it.

        An access token stays valid until it expires even after its refresh tokens were revoked;
        only using the refresh token shows whether the session will last. Without one, the stored
        token while it is valid (the caller then asks the tenant whether it accepts it).
        """
        self._generation = self.lock.generation()
        tokens = self.store.load(self.key)
        if tokens is None:
            raise LoginRequired
        if tokens.refresh_token:
            tokens = self.refresh(tokens)
        elif tokens.is_expired(self._clock(), leeway=0):
            raise LoginRequired("The session expired and has no refresh token.", hint=LOGIN)
        user_id = tokens.user_id or user_id_from_token(tokens.access_token)
        if not user_id:
            raise LoginRequired("The stored session has no user.", hint=LOGIN)
        return Access(tokens.access_token, user_id, "store", tokens)

    def renew(self, rejected: str) -> str:
        """A new access token after the tenant answered 401 to ``rejected``, whatever the local clock says.

        The tenant's clock decides expiry: when it runs ahead of this machine's, a token that
        looks valid here is already expired there. One refresh (under the lock; another
        process's fresh token is used if it got there first); a session that cannot be
        refreshed is :class:`LoginRequired` with the fix.
        """
        if self.env_token:
            raise env_token_rejected()
        stored = self.store.load(self.key)
        if stored is None:
            raise LoginRequired("The session was removed (logged out in another window?).")
        return self.refresh(dataclasses.replace(stored, access_token=rejected)).access_token

    def refresh(self, stale: TokenSet) -> TokenSet:
        """Refresh under the lock; reuse another process's fresh tokens if it got there first."""
        with self.lock.hold():
            self._check_generation()
            current = self.store.load(self.key)
            if current is None:
                raise LoginRequired("The session was removed (logged out in another window?).")
            if current.access_token != stale.access_token and not current.is_expired(self._clock()):
                return current
            if not current.refresh_token:
                raise LoginRequired(
                    "The session expired and has no refresh token.",
                    hint=LOGIN,
                )
            client = self._client_factory()
            endpoint = self._token_endpoint() if self._token_endpoint else "/oauth/token"
            grant = {
                "grant_type": "refresh_token",
                "client_id": self.client_id,
                "refresh_token": current.refresh_token,
            }
            try:
                try:
                    response = client.token(grant, endpoint=endpoint)
                except (NetworkError, ServerError):
                    # The answer may have been lost or garbled after the server rotated the token.
                    # Auth0 accepts the same refresh token again within its reuse interval, so one
                    # immediate retry recovers the session instead of stranding it.
                    response = client.token(grant, endpoint=endpoint)
            except OAuthError as exc:
                if exc.error in {"invalid_grant", "unauthorized_client", "access_denied"}:
                    raise LoginRequired(
                        "The session can no longer be refreshed (the refresh token was revoked or expired).",
                        hint=LOGIN,
                    ) from None
                raise
            fresh = dataclasses.replace(
                current,
                access_token=response.access_token,
                expires_at=self._clock() + response.expires_in,
                scope=response.scope or current.scope,
                refresh_token=response.refresh_token or current.refresh_token,
                id_token=response.id_token or current.id_token,
            )
            self.store.save(self.key, fresh)
            return fresh

    def _check_generation(self) -> None:
        """Refuse (LoginRequired) when a login or logout happened since :meth:`access` read."""
        if self._generation is not None and self.lock.generation() != self._generation:
            raise LoginRequired(_LOGGED_OUT, hint=LOGIN)

    def save(self, tokens: TokenSet) -> None:
        """Replace the session read by :meth:`access` (``link --primary secondary``).

        Unless a logout or another login came in between: then nothing is saved (LoginRequired).
        """
        with self.lock.hold():
            self._check_generation()
            self.store.save(self.key, tokens)
