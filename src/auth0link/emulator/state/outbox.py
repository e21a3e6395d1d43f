"""The outbox: every email and SMS the tenant sends (one-time codes, password resets).

Tests read it through ``/__emulator/outbox``; passwordless codes sent here are redeemable once
by the passwordless OTP grant (:meth:`Outbox.take_otp`).
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from .model import iso

if TYPE_CHECKING:
    from collections.abc import Callable

OTP_TTL = 300.0  # Auth0's default passwordless code lifetime (totp.time_step)


class Outbox:
    """The messages sent, oldest first, and the passwordless codes still redeemable."""

    def __init__(self, now: Callable[[], float]) -> None:
        """An empty outbox stamped by the tenant's clock ``now``."""
        self._now = now
        self.otp_ttl = OTP_TTL
        self._messages: list[dict[str, Any]] = []
        self._otp: dict[
            tuple[str, str], tuple[str, str, float]
        ] = {}  # (connection, to) -> (client, code, expiry)

    def send_code(self, to: str, connection: str) -> str:
        """Send a one-time code by email/SMS: append it to the outbox and return it."""
        code = f"{secrets.randbelow(10**6):06d}"
        kind = "sms" if connection == "sms" else "email"
        self._messages.append(
            {
                "to": to,
                "connection": connection,
                "kind": kind,
                "code": code,
                "text": f"Your verification code is: {code}",
                "sent_at": iso(self._now()),
            }
        )
        return code

    def send_message(self, to: str, connection: str, kind: str, text: str) -> None:
        """Put a message other than a code (a password-reset email) in the outbox."""
        self._messages.append(
            {"to": to, "connection": connection, "kind": kind, "text": text, "sent_at": iso(self._now())}
        )

    def send_otp(self, client_id: str, to: str, connection: str) -> str:
        """``/passwordless/start``: send a code and remember it for the passwordless OTP grant."""
        code = self.send_code(to, connection)
        self._otp[(connection, to.lower())] = (client_id, code, self._now() + self.otp_ttl)
        return code

    def take_otp(self, client_id: str, to: str, connection: str, code: str) -> bool:
        """Redeem a code sent by :meth:`send_otp` (single use; wrong or expired is ``False``)."""
        key = (connection, to.lower())
        sent = self._otp.get(key)
        if sent is None or sent[0] != client_id or sent[2] <= self._now():
            return False
        if not secrets.compare_digest(sent[1].encode(), code.encode()):
            return False
        del self._otp[key]
        return True

    def messages(self, to: str | None = None) -> list[dict[str, Any]]:
        """The messages sent to ``to`` (case-insensitive; all without ``to``), oldest first."""
        wanted = to.lower() if to is not None else None
        return [dict(m) for m in self._messages if wanted is None or m["to"].lower() == wanted]

    def clear(self) -> None:
        """Empty the outbox and forget the passwordless codes."""
        self._messages.clear()
        self._otp.clear()
