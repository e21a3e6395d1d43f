"""The login transaction: one ``/authorize`` or device activation, as an explicit state machine.

::

    authorize:  LOGIN ─┬─(login page answered)────────────► AUTHENTICATED ─┬─► DONE
                       ├─(SSO session, no prompt)─────────►       ▲        │
                       └─(passwordless)─► CODE_SENT ─(code)─┘      │        └─► CONSENT ─┬─(accept)─┘
                                                                            (deny)  └─► CANCELLED
    device:     CONFIRM_DEVICE ─(confirm)─► LOGIN … AUTHENTICATED ─► DONE
                               └─(cancel)─► CANCELLED

The login pages are open in ``LOGIN`` and ``CODE_SENT`` (a user who asked for a code may still
pick another way in). ``CONSENT`` is the non-verifiable callback confirmation screen; it is shown
only when no page was answered in the transaction (``prompted`` is false). Every transition checks
the current state and raises :class:`TransactionStateError` otherwise; handlers look transactions
up with :meth:`~auth0link.emulator.state.sessions.Transactions.get`, which already filters by state, so
that error means a bug, not bad input.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

TRANSACTION_TTL = 3600.0


class TxState(enum.Enum):
    """Where a login transaction stands."""

    CONFIRM_DEVICE = "confirm_device"  # device: the user code is shown, waiting for Confirm
    LOGIN = "login"  # waiting for the user to log in on the hosted pages
    CODE_SENT = "code_sent"  # a passwordless one-time code is out, waiting for it
    AUTHENTICATED = "authenticated"  # the user is known; consent or done comes next
    CONSENT = "consent"  # waiting for the non-verifiable callback confirmation
    DONE = "done"  # a code was issued (authorize) or the device approved
    CANCELLED = "cancelled"  # the user denied the confirmation or cancelled the device


LOGIN_OPEN = frozenset({TxState.LOGIN, TxState.CODE_SENT})


class TransactionStateError(RuntimeError):
    """A transition was attempted from a state that does not allow it (a bug)."""


@dataclass(frozen=True)
class PendingCode:
    """A passwordless one-time code sent in this transaction."""

    to: str
    code: str
    connection: str


@dataclass
class Transaction:
    """A login in progress, keyed by the ``state`` its pages carry."""

    id: str
    kind: str  # "authorize" | "device"
    client_id: str
    params: dict[str, str]
    created: float
    connection: str | None = None  # forced by the request (authorize `connection=`)
    device_code: str | None = None
    state: TxState = TxState.LOGIN
    prompted: bool = False  # a page was answered in this transaction (no confirmation screen)
    user_id: str | None = None
    login_connection: str | None = None
    auth_time: int | None = None
    pending: PendingCode | None = None

    def __post_init__(self) -> None:
        """A device activation starts at its confirmation step."""
        if self.kind == "device" and self.state is TxState.LOGIN:
            self.state = TxState.CONFIRM_DEVICE

    def expired(self, now: float) -> bool:
        """Older than :data:`TRANSACTION_TTL`."""
        return now - self.created > TRANSACTION_TTL

    def _move(self, allowed: frozenset[TxState], to: TxState) -> None:
        if self.state not in allowed:
            raise TransactionStateError(f"transaction in state {self.state.value} cannot go to {to.value}")
        self.state = to

    def send_code(self, pending: PendingCode) -> None:
        """A one-time code went out; its page waits for it."""
        self._move(LOGIN_OPEN, TxState.CODE_SENT)
        self.pending = pending

    def authenticate(self, user_id: str, connection: str, auth_time: int) -> None:
        """The user answered a login page."""
        self._move(LOGIN_OPEN, TxState.AUTHENTICATED)
        self.user_id, self.login_connection, self.auth_time = user_id, connection, auth_time
        self.prompted = True
        self.pending = None

    def resume(self, user_id: str, connection: str, auth_time: int) -> None:
        """The SSO session already names the user (no login page)."""
        self._move(frozenset({TxState.LOGIN}), TxState.AUTHENTICATED)
        self.user_id, self.login_connection, self.auth_time = user_id, connection, auth_time

    def confirm_device(self) -> None:
        """The user confirmed the device's code; a login (or the session) comes next."""
        self._move(frozenset({TxState.CONFIRM_DEVICE}), TxState.LOGIN)
        self.prompted = True

    def ask_consent(self) -> None:
        """Show the non-verifiable callback confirmation screen."""
        self._move(frozenset({TxState.AUTHENTICATED}), TxState.CONSENT)

    def accept_consent(self) -> None:
        """The user accepted the confirmation screen."""
        self._move(frozenset({TxState.CONSENT}), TxState.AUTHENTICATED)
        self.prompted = True

    def finish(self) -> None:
        """The code was issued, or the device approved."""
        self._move(frozenset({TxState.AUTHENTICATED}), TxState.DONE)

    def cancel(self) -> None:
        """The user denied the confirmation screen or cancelled the device."""
        self._move(frozenset({TxState.CONSENT, TxState.CONFIRM_DEVICE}), TxState.CANCELLED)
