"""The tenant: everything the emulator knows, changed only through its methods.

:class:`Tenant` holds the settings (URLs, lifetimes, the signing key, the clock), the clients,
the users (:class:`~.directory.UserDirectory`), the users-export jobs (:class:`~.export_jobs.ExportJobs`)
and the short-lived stores: SSO sessions, login transactions, authorization codes, device codes,
refresh tokens and the outbox. Handlers read and change them through methods, never by writing
into the stores, so the stores and the users' linked-identity index stay consistent.

It is mutated only from the event loop (every route handler is ``async`` and never awaits in the
middle of a change), so it needs no lock; export workers only read users (see :mod:`.export_jobs`).
"""

from __future__ import annotations

import secrets
import time
from typing import TYPE_CHECKING, Any

from ..mgmt.export_jobs import ExportJobs
from ..mgmt.import_jobs import ImportJobs
from ..protocol.attempts import AttemptLimits
from ..protocol.login_tickets import LoginTickets
from ..protocol.transaction import Transaction
from .applications import INTERACTIVE_TYPES, demo_clients, demo_connections
from .directory import UserDirectory
from .model import DeviceCode, RefreshToken, SsoSession, iso
from .tenant_config import TenantConfig

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterable

    from ..protocol.keys import SigningKey
    from ..protocol.transaction import TxState
    from .applications import Client, Connection
    from .model import AuthCode

USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"  # Auth0's default: consonants, no vowels


class Tenant:
    """All emulator state. ``base_url`` has no trailing slash; the issuer is ``base_url + '/'``."""

    def __init__(
        self,
        base_url: str,
        key: SigningKey,
        *,
        clock: Callable[[], float] = time.time,
        token_ttl: int = 86400,
        id_token_ttl: int = 36000,
        device_interval: int = 5,
        device_ttl: int = 900,
        refresh_leeway: float = 2.0,
        skip_callback_confirmation: bool = False,
    ) -> None:
        """A tenant with the two demo clients and no users yet."""
        self.base_url = base_url
        self.key = key
        self.token_ttl = token_ttl
        self.id_token_ttl = id_token_ttl
        self.device_interval = device_interval
        self.device_ttl = device_ttl
        self.refresh_leeway = refresh_leeway
        self.code_ttl = 60.0
        self.otp_ttl = 300.0  # Auth0's default passwordless code lifetime (totp.time_step)
        self.clients: dict[str, Client] = demo_clients(skip_callback_confirmation=skip_callback_confirmation)
        self.connections: dict[str, Connection] = demo_connections(
            [c.client_id for c in self.clients.values() if c.app_type in INTERACTIVE_TYPES]
        )
        self.config = TenantConfig.fresh(self.api_audience)
        self._clock = clock
        self._clock_offset = 0.0
        self.users = UserDirectory(self.now, self.connections)
        self.exports = ExportJobs(self.users, self.now, base_url)
        self.login_tickets = LoginTickets()
        self.imports = ImportJobs()
        self._sessions: dict[str, SsoSession] = {}
        self._transactions: dict[str, Transaction] = {}
        self._codes: dict[str, AuthCode] = {}
        self._device_codes: dict[str, DeviceCode] = {}
        self._refresh_tokens: dict[str, RefreshToken] = {}
        self._revoked_families: set[str] = set()
        self._outbox: list[dict[str, Any]] = []
        self._otp: dict[
            tuple[str, str], tuple[str, str, float]
        ] = {}  # (connection, to) -> (client, code, expiry)
        self.attempts = AttemptLimits()  # brute-force protection, one-time-code tries

    # -- identifiers and the clock ----------------------------------------------------------------

    @property
    def issuer(self) -> str:
        """``BASE/`` (with the trailing slash, as Auth0)."""
        return self.base_url + "/"

    @property
    def origin(self) -> str:
        """``scheme://host:port`` of the tenant itself (its own pages are not cross-origin)."""
        return self.base_url.lower()

    @property
    def api_audience(self) -> str:
        """The Management API audience, ``BASE/api/v2/``."""
        return self.base_url + "/api/v2/"

    def now(self) -> float:
        """The tenant clock (injectable, and movable with :meth:`advance_clock`)."""
        return self._clock() + self._clock_offset

    @property
    def clock_offset(self) -> float:
        """How far :meth:`advance_clock` moved the clock."""
        return self._clock_offset

    def advance_clock(self, seconds: float) -> None:
        """Move the clock forward (expiry tests)."""
        self._clock_offset += seconds

    def reset_clock(self) -> None:
        """Undo :meth:`advance_clock`."""
        self._clock_offset = 0.0

    def keep_initial(self) -> None:
        """Make now the state :meth:`reset` goes back to (the users; every other store empties)."""
        self.users.keep_initial()

    def reset(self) -> None:
        """Back to the users at :meth:`keep_initial`; forget sessions, codes, tokens, outbox, clock moves."""
        self.users.reset_to_initial()
        self.exports.clear()
        self.login_tickets.clear()
        self.imports.clear()
        for store in (
            self._sessions,
            self._transactions,
            self._codes,
            self._device_codes,
            self._refresh_tokens,
        ):
            store.clear()
        self._revoked_families.clear()
        self._outbox.clear()
        self._otp.clear()
        self.attempts.clear()
        self.reset_clock()

    def close(self) -> None:
        """Release what outlives a request: the export jobs' workers and files."""
        self.exports.close()

    def counters(self) -> dict[str, int]:
        """How many sessions, refresh tokens and device codes are held."""
        return {
            "sessions": len(self._sessions),
            "refresh_tokens": len(self._refresh_tokens),
            "device_codes": len(self._device_codes),
        }

    def delete_user(self, user_id: str) -> None:
        """Delete a user with its linked identities and refresh tokens (no error when absent)."""
        if self.users.delete(user_id):
            for token in [t for t, r in self._refresh_tokens.items() if r.user_id == user_id]:
                del self._refresh_tokens[token]

    # -- SSO sessions -----------------------------------------------------------------------------

    def start_session(self, user_id: str, auth_time: int, connection: str) -> SsoSession:
        """A new SSO session for a user who just logged in."""
        session = SsoSession(secrets.token_urlsafe(24), user_id, auth_time, connection)
        self._sessions[session.sid] = session
        return session

    def session(self, sid: str | None) -> SsoSession | None:
        """The session ``sid``, unless its user was deleted or linked away (then it is worthless)."""
        session = self._sessions.get(sid) if sid else None
        if session is None or session.user_id not in self.users:
            return None
        return session

    def end_session(self, sid: str | None) -> None:
        """Log out (no error when there is no such session)."""
        if sid:
            self._sessions.pop(sid, None)

    # -- login transactions -----------------------------------------------------------------------

    def begin_transaction(
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
            created=self.now(),
            connection=connection,
            device_code=device_code,
        )
        self._transactions[tx.id] = tx
        return tx

    def transaction(self, tx_id: str, states: Collection[TxState]) -> Transaction | None:
        """The transaction ``tx_id`` if it is known, unexpired and in one of ``states``.

        The one guard of every hosted page: ``None`` means "unknown or expired" to the user.
        """
        tx = self._transactions.get(tx_id)
        if tx is not None and tx.expired(self.now()):
            del self._transactions[tx_id]
            return None
        return tx if tx is not None and tx.state in states else None

    def end_transaction(self, tx: Transaction) -> None:
        """Forget a finished, cancelled or failed transaction."""
        self._transactions.pop(tx.id, None)

    # -- authorization codes ----------------------------------------------------------------------

    def issue_code(self, record: AuthCode) -> str:
        """Store an authorization code; return the code."""
        code = secrets.token_urlsafe(24)
        self._codes[code] = record
        return code

    def take_code(self, code: str) -> AuthCode | None:
        """Redeem a code: it is gone afterwards, even if the caller then refuses it."""
        return self._codes.pop(code, None)

    # -- device codes -----------------------------------------------------------------------------

    def start_device_authorization(self, client_id: str, scope: str, audience: str | None) -> DeviceCode:
        """A new pending device authorization with a fresh device code and user code."""
        record = DeviceCode(
            device_code=secrets.token_urlsafe(18),
            user_code=self._new_user_code(),
            client_id=client_id,
            scope=scope,
            audience=audience,
            expires=self.now() + self.device_ttl,
        )
        self._device_codes[record.device_code] = record
        return record

    def _new_user_code(self) -> str:
        while True:
            raw = "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(8))
            code = f"{raw[:4]}-{raw[4:]}"
            if self.device_by_user_code(code) is None:
                return code

    def device_code(self, device_code: str) -> DeviceCode | None:
        """The device authorization with this device code."""
        return self._device_codes.get(device_code)

    def device_by_user_code(self, user_code: str) -> DeviceCode | None:
        """The device authorization with this user code (``BCDF-GHJK``)."""
        return next((d for d in self._device_codes.values() if d.user_code == user_code), None)

    # -- refresh tokens ---------------------------------------------------------------------------

    def issue_refresh_token(
        self,
        *,
        client_id: str,
        user_id: str,
        scope: str,
        audience: str | None,
        sid: str | None,
        family: str | None = None,
    ) -> str:
        """Mint a refresh token (a new family unless ``family`` is given)."""
        token = "v1." + secrets.token_urlsafe(48)
        self._refresh_tokens[token] = RefreshToken(
            client_id=client_id,
            user_id=user_id,
            scope=scope,
            audience=audience,
            family=family or secrets.token_hex(8),
            sid=sid,
        )
        return token

    def refresh_token(self, token: str) -> RefreshToken | None:
        """The refresh token's record, if it is live."""
        return self._refresh_tokens.get(token)

    def revoke_family(self, family: str) -> None:
        """Revoke every refresh token of ``family`` (reuse detection, /oauth/revoke)."""
        self._revoked_families.add(family)
        for token in [t for t, r in self._refresh_tokens.items() if r.family == family]:
            del self._refresh_tokens[token]

    def refresh_tokens(self) -> dict[str, RefreshToken]:
        """A copy of the live refresh tokens (for ``--state``)."""
        return dict(self._refresh_tokens)

    def revoked_families(self) -> set[str]:
        """A copy of the revoked families (for ``--state``)."""
        return set(self._revoked_families)

    def restore_refresh_tokens(self, tokens: dict[str, RefreshToken], revoked: Iterable[str]) -> None:
        """Replace the refresh tokens and revoked families (from ``--state``)."""
        self._refresh_tokens = dict(tokens)
        self._revoked_families = set(revoked)

    # -- clients and connections --------------------------------------------------------------

    def cors_origins(self) -> frozenset[str]:
        """Every origin some client allows (for endpoints that do not know the client)."""
        return frozenset().union(*(client.cors_origins() for client in self.clients.values()))

    def enabled_connections(self, client_id: str) -> list[Connection]:
        """The connections enabled for ``client_id``, in tenant order."""
        return [c for c in self.connections.values() if client_id in c.enabled_clients]

    def connection_for(self, client_id: str, name: str) -> Connection | None:
        """The connection ``name`` if it exists and is enabled for ``client_id``."""
        conn = self.connections.get(name)
        return conn if conn is not None and client_id in conn.enabled_clients else None

    # -- outbox -----------------------------------------------------------------------------------

    def send_code(self, to: str, connection: str) -> str:
        """Send a one-time code by email/SMS: append it to the outbox and return it."""
        code = f"{secrets.randbelow(10**6):06d}"
        kind = "sms" if connection == "sms" else "email"
        self._outbox.append(
            {
                "to": to,
                "connection": connection,
                "kind": kind,
                "code": code,
                "text": f"Your verification code is: {code}",
                "sent_at": iso(self.now()),
            }
        )
        return code

    def send_message(self, to: str, connection: str, kind: str, text: str) -> None:
        """Put a message other than a code (a password-reset email) in the outbox."""
        self._outbox.append(
            {"to": to, "connection": connection, "kind": kind, "text": text, "sent_at": iso(self.now())}
        )

    def send_otp(self, client_id: str, to: str, connection: str) -> str:
        """``/passwordless/start``: send a code and remember it for the passwordless OTP grant."""
        code = self.send_code(to, connection)
        self._otp[(connection, to.lower())] = (client_id, code, self.now() + self.otp_ttl)
        return code

    def take_otp(self, client_id: str, to: str, connection: str, code: str) -> bool:
        """Redeem a code sent by :meth:`send_otp` (single use; wrong or expired is ``False``)."""
        key = (connection, to.lower())
        sent = self._otp.get(key)
        if sent is None or sent[0] != client_id or sent[2] <= self.now():
            return False
        if not secrets.compare_digest(sent[1].encode(), code.encode()):
            return False
        del self._otp[key]
        return True

    def messages(self, to: str | None = None) -> list[dict[str, Any]]:
        """The messages sent to ``to`` (case-insensitive; all without ``to``), oldest first."""
        wanted = to.lower() if to is not None else None
        return [dict(m) for m in self._outbox if wanted is None or m["to"].lower() == wanted]

    def clear_outbox(self) -> None:
        """Empty the outbox."""
        self._outbox.clear()
