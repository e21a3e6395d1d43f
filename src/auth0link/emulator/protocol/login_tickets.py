"""Login tickets of cross-origin authentication (:mod:`.cross_origin`): issued, peeked, used up."""

from __future__ import annotations

import secrets
from dataclasses import dataclass


@dataclass(frozen=True)
class LoginTicket:
    """What ``/co/authenticate`` proved: this user, at this connection, for this client."""

    client_id: str
    user_id: str
    connection: str
    co_id: str
    verifier: str
    auth_time: int
    expires: float


class LoginTickets:
    """Unredeemed login tickets by ticket."""

    def __init__(self) -> None:
        """No tickets yet."""
        self._tickets: dict[str, LoginTicket] = {}

    def issue(self, ticket: LoginTicket) -> str:
        """Keep ``ticket``; return its opaque value."""
        value = secrets.token_urlsafe(24)
        self._tickets[value] = ticket
        return value

    def peek(self, value: str, client_id: str, now: float) -> LoginTicket | None:
        """The live ticket ``value`` of ``client_id`` (an expired one is dropped)."""
        ticket = self._tickets.get(value)
        if ticket is not None and ticket.expires <= now:
            del self._tickets[value]
            return None
        return ticket if ticket is not None and ticket.client_id == client_id else None

    def take(self, value: str) -> None:
        """Use the ticket up."""
        self._tickets.pop(value, None)

    def clear(self) -> None:
        """Forget every ticket."""
        self._tickets.clear()
