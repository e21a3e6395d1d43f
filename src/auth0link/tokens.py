"""Token records and where they are kept: the ``TokenStore`` seam.

Only this module imports :mod:`keyring`. Stores:

* :class:`KeyringTokenStore` — the OS keyring (service ``auth0link``). Windows Credential
  Manager rejects secrets over ~2,560 bytes (jaraco/keyring#355), and a token set with three
  JWTs is larger, so a record is written as chunks of at most :data:`CHUNK_SIZE` characters under
  a fresh *generation* name, and only then is the small head entry (``<key>``) pointed at the new
  generation; the old chunks are deleted last. A crash at any point leaves the previous session
  readable. Every keyring call runs with a timeout, so a hung Secret Service cannot hang the CLI.
* :class:`~auth0link.token_file.FileTokenStore` (a module of its own, without keyring) —
  ``--insecure-storage``: a 0600 JSON file in the config directory, written atomically under a
  lock. For machines with no keyring.
* :class:`MemoryTokenStore` — tests and ``--no-store`` runs.

Keyring failures become one :class:`~auth0link.errors.TokenStorageError` with a hint.
"""

from __future__ import annotations

import dataclasses
import json
import math
import secrets
import threading
import time
from typing import TYPE_CHECKING, Any, Final, Protocol, TypeVar

from auth0link.config import DEFAULT_KEYRING_TIMEOUT
from auth0link.errors import TokenStorageError

if TYPE_CHECKING:
    from collections.abc import Callable

SERVICE: Final = "auth0link"
CHUNK_SIZE: Final = 2000  # characters; below Windows' 2,560-byte CredWrite limit with margin
MAX_CHUNKS: Final = 50
REFRESH_LEEWAY: Final = 60.0  # refresh when the access token expires within this many seconds

_T = TypeVar("_T")

_NO_KEYRING_HINT: Final = (
    "unlock or install a keyring (gnome-keyring/KWallet on Linux), set AUTH0LINK_ACCESS_TOKEN "
    "for this run, or log in with --insecure-storage to keep tokens in a 0600 file"
)


@dataclasses.dataclass(frozen=True)
class TokenSet:
    """The tokens of one session. ``expires_at`` is a UNIX timestamp."""

    access_token: str
    expires_at: float
    token_type: str = "Bearer"  # noqa: S105 - the OAuth token type, not a secret
    scope: str = ""
    refresh_token: str | None = None
    id_token: str | None = None
    user_id: str | None = None
    kind: str = "user"  # "user" (an interactive login) or "machine" (client credentials)

    def is_expired(self, now: float, *, leeway: float = REFRESH_LEEWAY) -> bool:
        """True when the access token is expired or expires within ``leeway`` seconds."""
        return now >= self.expires_at - leeway

    @property
    def scopes(self) -> frozenset[str]:
        """The granted scopes as a set."""
        return frozenset(self.scope.split())

    def to_json(self) -> str:
        """Compact JSON (the stored form)."""
        return json.dumps(dataclasses.asdict(self), separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> TokenSet:
        """Parse the stored form (unknown keys ignored); a field of the wrong type is a ValueError."""
        data = json.loads(text)
        values = {k: v for k, v in data.items() if k in _FIELD_TYPES} if isinstance(data, dict) else {}
        expires = values.get("expires_at")
        if not (
            "access_token" in values
            and all(isinstance(value, _FIELD_TYPES[key]) for key, value in values.items())
            and isinstance(expires, int | float)
            and not isinstance(expires, bool)
            and not math.isnan(expires)
        ):
            msg = "not a token record"
            raise ValueError(msg)
        return cls(**values)

    def __repr__(self) -> str:
        """Never show a token in a repr (tracebacks, debug logs)."""
        return (
            f"TokenSet(user_id={self.user_id!r}, kind={self.kind!r}, scope={self.scope!r}, "
            f"expires_at={self.expires_at!r}, access_token=<hidden>, "
            f"refresh_token={'<hidden>' if self.refresh_token else None}, "
            f"id_token={'<hidden>' if self.id_token else None})"
        )


_FIELD_TYPES: Final[dict[str, Any]] = {  # the type each stored field must have
    **dict.fromkeys(("access_token", "token_type", "scope", "kind"), str),
    **dict.fromkeys(("refresh_token", "id_token", "user_id"), (str, type(None))),
    "expires_at": (int, float),  # +inf for a client secret (machine.py), never nan
}


def store_key(profile: str, domain: str, client_id: str) -> str:
    """One key per profile + tenant + application."""
    return f"{profile}:{domain}:{client_id}"


class TokenStore(Protocol):
    """Where sessions live. Implementations raise only ``TokenStorageError``."""

    @property
    def description(self) -> str:
        """A short human description for ``auth0link status`` ("OS keyring (SecretService)")."""
        ...

    def load(self, key: str) -> TokenSet | None:
        """The stored session, or None."""
        ...

    def save(self, key: str, tokens: TokenSet) -> None:
        """Store (replace) a session, atomically from the reader's point of view."""
        ...

    def delete(self, key: str) -> bool:
        """Remove a session; True if there was one."""
        ...

    def keys(self) -> list[str]:
        """Keys known to this store (best effort; the keyring can't enumerate)."""
        ...


class MemoryTokenStore:
    """A dict-backed store for tests and ``--no-store`` runs."""

    description = "memory (not persisted)"

    def __init__(self) -> None:
        """Start empty."""
        self._data: dict[str, str] = {}

    def load(self, key: str) -> TokenSet | None:
        """The stored session, or None."""
        raw = self._data.get(key)
        return TokenSet.from_json(raw) if raw else None

    def save(self, key: str, tokens: TokenSet) -> None:
        """Store a copy (serialised, as a real store would)."""
        self._data[key] = tokens.to_json()

    def delete(self, key: str) -> bool:
        """Remove a session."""
        return self._data.pop(key, None) is not None

    def keys(self) -> list[str]:
        """All keys."""
        return sorted(self._data)


def _call_with_timeout(fn: Callable[[], _T], timeout: float, what: str) -> _T:
    """Run a keyring call in a daemon thread; a hung Secret Service becomes an error."""
    result: list[_T] = []
    error: list[BaseException] = []

    def target() -> None:
        try:
            result.append(fn())
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            error.append(exc)

    thread = threading.Thread(target=target, name=f"keyring-{what}", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise TokenStorageError(
            f"The OS keyring did not answer within {timeout:g} s ({what}).",
            hint=_NO_KEYRING_HINT,
        )
    if error:
        raise error[0]
    return result[0]


class KeyringTokenStore:
    """Sessions in the OS keyring, chunked under Windows' size limit (see module docstring)."""

    def __init__(self, *, timeout: float = DEFAULT_KEYRING_TIMEOUT, service: str = SERVICE) -> None:
        """Keyring calls give up after ``timeout`` seconds."""
        self.timeout = timeout
        self.service = service
        self._backend_name: str | None = None

    @property
    def description(self) -> str:
        """Say which keyring backend holds the session."""
        return f"OS keyring ({self._backend_name or 'system default'})"

    def _run(self, what: str, fn: Callable[[Any], _T]) -> _T:
        def call() -> _T:
            import keyring

            backend = keyring.get_keyring()
            self._backend_name = type(backend).__module__.rsplit(".", 1)[-1]
            return fn(backend)

        try:
            return _call_with_timeout(call, self.timeout, what)
        except TokenStorageError:
            raise
        except Exception as exc:  # noqa: BLE001 - any backend failure becomes one domain error
            raise self._translate(exc, what) from None

    @staticmethod
    def _translate(exc: Exception, what: str) -> TokenStorageError:
        import keyring.errors

        if isinstance(exc, keyring.errors.NoKeyringError):
            return TokenStorageError("No usable OS keyring was found.", hint=_NO_KEYRING_HINT)
        if isinstance(exc, keyring.errors.KeyringLocked):
            return TokenStorageError("The OS keyring is locked.", hint=_NO_KEYRING_HINT)
        # Never include the exception text verbatim: backends may echo what was being stored.
        return TokenStorageError(
            f"The OS keyring failed to {what} ({type(exc).__name__}).", hint=_NO_KEYRING_HINT
        )

    def _read_head(self, backend: Any, key: str) -> dict[str, Any] | None:
        raw = backend.get_password(self.service, key)
        if raw is None:
            return None
        try:
            head = json.loads(raw)
        except json.JSONDecodeError:
            return None
        if not isinstance(head, dict) or not isinstance(head.get("gen"), str):
            return None
        count = head.get("chunks")
        if not isinstance(count, int) or not 0 < count <= MAX_CHUNKS:
            return None
        return head

    def load(self, key: str) -> TokenSet | None:
        """Read the head entry, then its chunks; a damaged record reads as logged out."""

        def read(backend: Any) -> TokenSet | None:
            head = self._read_head(backend, key)
            if head is None:
                return None
            parts = []
            for i in range(head["chunks"]):
                part = backend.get_password(self.service, f"{key}#{head['gen']}#{i}")
                if part is None:
                    return None
                parts.append(part)
            try:
                return TokenSet.from_json("".join(parts))
            except ValueError:
                return None

        return self._run("read the session", read)

    def save(self, key: str, tokens: TokenSet) -> None:
        """Write chunks under a new generation, then switch the head, then drop old chunks."""
        payload = tokens.to_json()
        chunks = [payload[i : i + CHUNK_SIZE] for i in range(0, len(payload), CHUNK_SIZE)]
        if len(chunks) > MAX_CHUNKS:
            raise TokenStorageError(
                "The token set is too large to store in the OS keyring.",
                hint="report this; as a workaround use --insecure-storage",
            )
        gen = secrets.token_hex(4)

        def write(backend: Any) -> None:
            old = self._read_head(backend, key)
            for i, chunk in enumerate(chunks):
                backend.set_password(self.service, f"{key}#{gen}#{i}", chunk)
            head = json.dumps({"v": 1, "gen": gen, "chunks": len(chunks), "saved": int(time.time())})
            backend.set_password(self.service, key, head)
            if old is not None:
                self._delete_chunks(backend, key, old)

        self._run("save the session", write)

    def _delete_chunks(self, backend: Any, key: str, head: dict[str, Any]) -> None:
        import keyring.errors

        for i in range(head["chunks"]):
            try:
                backend.delete_password(self.service, f"{key}#{head['gen']}#{i}")
            except keyring.errors.PasswordDeleteError:
                continue

    def delete(self, key: str) -> bool:
        """Delete the head entry and its chunks."""

        def remove(backend: Any) -> bool:
            import keyring.errors

            head = self._read_head(backend, key)
            try:
                backend.delete_password(self.service, key)
            except keyring.errors.PasswordDeleteError:
                return False
            if head is not None:
                self._delete_chunks(backend, key, head)
            return True

        return self._run("delete the session", remove)

    def keys(self) -> list[str]:
        """The keyring cannot list entries portably; callers track keys themselves."""
        return []
