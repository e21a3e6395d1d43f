"""Machine (M2M) credentials for admin commands: the client credentials grant.

``auth0link login --machine --client-id ID`` reads the client secret from
``$AUTH0LINK_CLIENT_SECRET`` or stdin (never argv), requests a Management API token
(audience ``<domain>/api/v2/``), and stores two records in the token store:

* ``<profile>:<domain>:<client_id>:machine`` — the :class:`~auth0link.tokens.TokenSet`
  (``kind="machine"``);
* ``<profile>:<domain>:<client_id>:machine-secret`` — the client secret, kept (as a
  ``TokenSet`` of ``kind="client-secret"``, never expiring) so that an expired token can be
  re-requested without asking again.

The M2M client ID itself (not secret) is remembered in ``<config dir>/machine/<profile>.json``
so admin commands know which application to use. :class:`MachineSession` gives admin commands a
valid token: ``$AUTH0LINK_ACCESS_TOKEN`` if set; else the stored token, re-requested with the
stored secret (or ``$AUTH0LINK_CLIENT_SECRET``) when it expires within 60 s; else, with no
stored session but ``$AUTH0LINK_CLIENT_SECRET`` set, a token requested for this run only.

User commands keep using :mod:`auth0link.session`; nothing here prints or prompts.
"""

from __future__ import annotations

import dataclasses
import json
import time
from typing import TYPE_CHECKING, Final

from auth0link._constants import ENV_ACCESS_TOKEN, ENV_CLIENT_SECRET
from auth0link.config import validate_client_id
from auth0link.errors import (
    ConfigurationError,
    Fix,
    LoginRequired,
    OAuthError,
    TokenStorageError,
    UsageError,
    cmd,
)
from auth0link.session import SessionLock
from auth0link.tokens import TokenSet, store_key

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from auth0link.client import Auth0Client
    from auth0link.tokens import TokenStore

SECRET_KIND: Final = "client-secret"  # noqa: S105 - a record kind, not a secret
_LOGIN_HINT: Final = Fix.run("login", "--machine", "--client-id", "YOUR_M2M_CLIENT_ID")


def machine_key(profile: str, domain: str, client_id: str) -> str:
    """Where the M2M token set is stored."""
    return f"{store_key(profile, domain, client_id)}:machine"


def secret_key(profile: str, domain: str, client_id: str) -> str:
    """Where the M2M client secret is stored."""
    return f"{store_key(profile, domain, client_id)}:machine-secret"


def read_secret(source: str | None, env_secret: str | None, stdin_read: Callable[[], str]) -> str:
    """The client secret: ``--client-secret -`` reads stdin, else ``$AUTH0LINK_CLIENT_SECRET``."""
    if source is not None and source != "-":
        raise UsageError(
            "Refusing a client secret on the command line (it would be visible in `ps` and shell history).",
            hint=f"pass --client-secret - and pipe it on stdin, or set {ENV_CLIENT_SECRET}",
        )
    secret = stdin_read().strip() if source == "-" else (env_secret or "").strip()
    if not secret:
        raise UsageError(
            "No client secret given.",
            hint=Fix(
                f"set {ENV_CLIENT_SECRET}, or pipe it: ", cmd("login", "--machine", "--client-secret", "-")
            ),
        )
    if not secret.isprintable() or len(secret) > 4096:  # noqa: PLR2004 - sanity bound
        raise UsageError("The client secret contains invalid characters.", hint="copy it again")
    return secret


class MachineProfile:
    """``<config dir>/machine/<profile>.json``: which M2M client a profile uses (no secret)."""

    def __init__(self, config_dir: Path, profile: str) -> None:
        """Point at the profile's file."""
        self.path = config_dir / "machine" / f"{profile}.json"

    def entries(self) -> dict[str, str]:
        """Every tenant with machine credentials in this profile: domain → M2M client ID."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict):
            return {}
        return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}

    def read(self, domain: str) -> str | None:
        """The M2M client ID recorded for ``domain``, if any."""
        return self.entries().get(domain)

    def write(self, domain: str, client_id: str) -> None:
        """Record the client ID for ``domain`` (other tenants' entries are kept)."""
        from auth0link._files import atomic_write_text

        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        if not isinstance(data, dict):
            data = {}
        data[domain] = client_id
        atomic_write_text(self.path, json.dumps(data, indent=1, sort_keys=True), mode=0o600)

    def forget(self, domain: str) -> str | None:
        """Remove the entry for ``domain``; returns the client ID that was recorded."""
        client_id = self.read(domain)
        if client_id is not None:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            del data[domain]
            from auth0link._files import atomic_write_text

            atomic_write_text(self.path, json.dumps(data, indent=1, sort_keys=True), mode=0o600)
        return client_id


@dataclasses.dataclass(frozen=True)
class MachineLogin:
    """What ``login --machine`` stored (no secret)."""

    client_id: str
    scope: str
    expires_at: float


def env_token_rejected() -> LoginRequired:
    """The tenant refused ``$AUTH0LINK_ACCESS_TOKEN`` (401) on an admin call: it cannot be renewed."""
    return LoginRequired(
        f"The tenant rejected the access token in {ENV_ACCESS_TOKEN} (expired or invalid).",
        hint=f"set {ENV_ACCESS_TOKEN} to a fresh Management API token, or unset it",
    )


class MachineSession:
    """A valid Management API token for admin commands (module docstring for the order)."""

    def __init__(
        self,
        *,
        store: TokenStore,
        profile: str,
        domain: str,
        audience: str,
        config_dir: Path,
        env_token: str | None = None,
        env_secret: str | None = None,
        env_client_id: str | None = None,
        client_factory: Callable[[], Auth0Client],
        client_id: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Wire the store and a way to build a client for the token endpoint."""
        self.store = store
        self.profile = profile
        self.domain = domain
        self.audience = audience
        self.env_token = env_token
        self.env_secret = env_secret
        self.env_client_id = env_client_id
        self.profile_file = MachineProfile(config_dir, profile)
        self.config_dir = config_dir
        self._client_factory = client_factory
        self._client_id = client_id
        self._clock = clock

    @property
    def client_id(self) -> str:
        """The M2M client: explicit, ``$AUTH0LINK_MACHINE_CLIENT_ID``, or the one logged in."""
        value = self._client_id or self.env_client_id or self.profile_file.read(self.domain)
        if not value:
            raise LoginRequired("No machine (M2M) credentials for admin commands.", hint=_LOGIN_HINT)
        return validate_client_id(value)

    def _request(self, client_id: str, secret: str) -> TokenSet:
        try:
            response = self._client_factory().token(
                {
                    "grant_type": "client_credentials",
                    "client_id": client_id,
                    "client_secret": secret,
                    "audience": self.audience,
                }
            )
        except OAuthError as exc:
            if exc.error in {"access_denied", "invalid_client", "unauthorized_client"}:
                raise LoginRequired(
                    f"The tenant refused the machine credentials ({exc.error}).",
                    hint="check the client ID and secret, and that the application is authorized "
                    "for the Management API; then " + _LOGIN_HINT,
                ) from None
            raise
        return TokenSet(
            access_token=response.access_token,
            expires_at=self._clock() + (response.expires_in or 3600),
            token_type=response.token_type or "Bearer",
            scope=response.scope,
            user_id=f"{client_id}@clients",
            kind="machine",
        )

    def login(self, client_id: str, secret: str) -> MachineLogin:
        """Request a token; only when that worked, store token, secret and client ID."""
        client_id = validate_client_id(client_id)
        tokens = self._request(client_id, secret)
        lock = self._lock(client_id)
        with lock.hold():
            self.store.save(
                secret_key(self.profile, self.domain, client_id),
                TokenSet(access_token=secret, expires_at=float("inf"), kind=SECRET_KIND),
            )
            self.store.save(machine_key(self.profile, self.domain, client_id), tokens)
            lock.renew()
        self.profile_file.write(self.domain, client_id)
        self._client_id = client_id
        return MachineLogin(client_id, tokens.scope, tokens.expires_at)

    def _lock(self, client_id: str) -> SessionLock:
        """The lock (and generation) of this profile's machine credentials, shared with logout."""
        return SessionLock(self.config_dir, machine_key(self.profile, self.domain, client_id))

    def logout(self) -> bool:
        """Forget the token, the secret and the client ID; True if anything was stored.

        It renews the credentials' generation under their lock, so a token a command still
        running re-requests afterwards is not stored again (logout wins, as for a user session).
        """
        client_id = self.profile_file.forget(self.domain) or self._client_id
        if not client_id:
            return False
        lock = self._lock(client_id)
        with lock.hold():
            lock.renew()
            removed = self.store.delete(machine_key(self.profile, self.domain, client_id))
            return self.store.delete(secret_key(self.profile, self.domain, client_id)) or removed

    def access_token(self) -> str:
        """A Management API token valid for at least another minute."""
        if self.env_token:
            return self.env_token
        client_id = self.client_id
        key = machine_key(self.profile, self.domain, client_id)
        env_secret = self.env_secret or ""
        generation = self._lock(client_id).generation()
        try:
            tokens = self.store.load(key)
            stored = self.store.load(secret_key(self.profile, self.domain, client_id))
        except TokenStorageError:
            if not env_secret:
                raise
            # No usable keyring, but the secret is in the environment (CI): a token for this run.
            return self._request(client_id, env_secret).access_token
        if tokens is not None and not tokens.is_expired(self._clock()):
            return tokens.access_token
        return self._fresh(
            client_id, tokens=tokens, stored=stored, generation=generation, why="The machine token expired"
        )

    def _fresh(
        self, client_id: str, *, tokens: TokenSet | None, stored: TokenSet | None, generation: str, why: str
    ) -> str:
        """A new token with the stored secret (or the environment's); stored unless a logout came between."""
        secret = stored.access_token if stored is not None else self.env_secret or ""
        if not secret:
            raise LoginRequired(f"{why} and no client secret is stored.", hint=_LOGIN_HINT)
        fresh = self._request(client_id, secret)
        if tokens is not None or stored is not None:
            lock = self._lock(client_id)
            with lock.hold():
                if lock.generation() != generation:
                    raise LoginRequired(
                        "The machine credentials were removed (logout --machine) while this command ran.",
                        hint=_LOGIN_HINT,
                    )
                self.store.save(machine_key(self.profile, self.domain, client_id), fresh)
        return fresh.access_token

    def renew(self, rejected: str) -> str:
        """A new Management API token after the tenant answered 401 to ``rejected`` (clock skew).

        Re-requested with the stored secret (or ``$AUTH0LINK_CLIENT_SECRET``) unless the stored
        token is already another one; ``$AUTH0LINK_ACCESS_TOKEN`` cannot be renewed.
        """
        if self.env_token:
            raise env_token_rejected()
        client_id = self.client_id
        generation = self._lock(client_id).generation()
        stored = self.store.load(secret_key(self.profile, self.domain, client_id))
        tokens = self.store.load(machine_key(self.profile, self.domain, client_id))
        if tokens is not None and tokens.access_token != rejected and not tokens.is_expired(self._clock()):
            return tokens.access_token
        return self._fresh(
            client_id,
            tokens=tokens,
            stored=stored,
            generation=generation,
            why="The tenant rejected the machine token",
        )

    def describe(self) -> dict[str, object]:
        """Status for ``auth0link status``-style output (no secrets)."""
        try:
            client_id = self.client_id
        except (LoginRequired, ConfigurationError):
            return {"machine": False}
        tokens = self.store.load(machine_key(self.profile, self.domain, client_id))
        return {
            "machine": tokens is not None,
            "client_id": client_id,
            "scope": tokens.scope if tokens else None,
            "expires_at": tokens.expires_at if tokens else None,
        }
