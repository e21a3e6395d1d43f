"""The tenant's short-lived stores of a login: SSO sessions, transactions, codes, device codes.

Each is a small class with one job; :class:`~.tenant.Tenant` holds one of each
(``tenant.sessions``, ``tenant.transactions``, ``tenant.codes``, ``tenant.devices``).
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from ..protocol.transaction import Transaction
from .model import DeviceCode, SsoSession

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Container

    from ..protocol.transaction import TxState
    from .model import AuthCode

USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"  # Auth0's default: consonants, no vowels


class Sessions:
    """SSO sessions; one is worthless once its user is deleted or linked away."""

    def __init__(self, users: Container[str]) -> None:
        """Sessions of the users in ``users`` (the tenant's directory)."""
        self._users = users
        self._sessions: dict[str, SsoSession] = {}

    def __len__(self) -> int:
        """How many sessions are held."""
        return len(self._sessions)

    def start(self, user_id: str, auth_time: int, connection: str) -> SsoSession:
        """A new SSO session for a user who just logged in."""
        session = SsoSession(secrets.token_urlsafe(24), user_id, auth_time, connection)
        self._sessions[session.sid] = session
        return session

    def get(self, sid: str | None) -> SsoSession | None:
        """The session ``sid``, unless its user was deleted or linked away."""
        session = self._sessions.get(sid) if sid else None
        if session is None or session.user_id not in self._users:
            return None
        return session

    def end(self, sid: str | None) -> None:
        """Log out (no error when there is no such session)."""
        if sid:
            self._sessions.pop(sid, None)

    def clear(self) -> None:
        """Forget every session."""
        self._sessions.clear()


class Transactions:
    """Login transactions (``authorize`` or ``device``), each in one state of its machine."""

    def __init__(self, now: Callable[[], float]) -> None:
        """Transactions timed by the tenant's clock ``now``."""
        self._now = now
        self._transactions: dict[str, Transaction] = {}

    def begin(
        self,
        kind: str,
        client_id: str,
        params: dict[str, str],
        *,
        connection: str | None = None,
        device_code: str | None = None,
    ) -> Transaction:
        """Start an ``authorize`` or ``device`` login transaction."""
        tx = Transaction(
            id=secrets.token_urlsafe(24),
            kind=kind,
            client_id=client_id,
            params=params,
            created=self._now(),
            connection=connection,
            device_code=device_code,
        )
        self._transactions[tx.id] = tx
        return tx

    def get(self, tx_id: str, states: Collection[TxState]) -> Transaction | None:
        """The transaction ``tx_id`` if it is known, unexpired and in one of ``states``.

        The one guard of every hosted page: ``None`` means "unknown or expired" to the user.
        """
        tx = self._transactions.get(tx_id)
        if tx is not None and tx.expired(self._now()):
            del self._transactions[tx_id]
            return None
        return tx if tx is not None and tx.state in states else None

    def end(self, tx: Transaction) -> None:
        """Forget a finished, cancelled or failed transaction."""
        self._transactions.pop(tx.id, None)

    def clear(self) -> None:
        """Forget every transaction."""
        self._transactions.clear()


class AuthCodes:
    """Authorization codes, each redeemable once."""

    def __init__(self) -> None:
        """No codes yet."""
        self._codes: dict[str, AuthCode] = {}

    def issue(self, record: AuthCode) -> str:
        """Store an authorization code; return the code."""
        code = secrets.token_urlsafe(24)
        self._codes[code] = record
        return code

    def take(self, code: str) -> AuthCode | None:
        """Redeem a code: it is gone afterwards, even if the caller then refuses it."""
        return self._codes.pop(code, None)

    def clear(self) -> None:
        """Forget every code."""
        self._codes.clear()


class DeviceCodes:
    """Device authorizations (RFC 8628): a device code and a user code each."""

    def __init__(self, now: Callable[[], float], ttl: int) -> None:
        """Device codes that live ``ttl`` seconds by the tenant's clock ``now``."""
        self._now = now
        self.ttl = ttl
        self._codes: dict[str, DeviceCode] = {}

    def __len__(self) -> int:
        """How many device codes are held."""
        return len(self._codes)

    def start(self, client_id: str, scope: str, audience: str | None) -> DeviceCode:
        """A new pending device authorization with a fresh device code and user code."""
        record = DeviceCode(
            device_code=secrets.token_urlsafe(18),
            user_code=self._new_user_code(),
            client_id=client_id,
            scope=scope,
            audience=audience,
            expires=self._now() + self.ttl,
        )
        self._codes[record.device_code] = record
        return record

    def _new_user_code(self) -> str:
        while True:
            raw = "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(8))
            code = f"{raw[:4]}-{raw[4:]}"
            if self.by_user_code(code) is None:
                return code

    def get(self, device_code: str) -> DeviceCode | None:
        """The device authorization with this device code."""
        return self._codes.get(device_code)

    def by_user_code(self, user_code: str) -> DeviceCode | None:
        """The device authorization with this user code (``BCDF-GHJK``)."""
        return next((d for d in self._codes.values() if d.user_code == user_code), None)

    def clear(self) -> None:
        """Forget every device code."""
        self._codes.clear()
