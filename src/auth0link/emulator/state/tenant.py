"""The tenant: everything the emulator knows, held in small stores with one job each.

:class:`Tenant` holds the settings (URLs, lifetimes, the signing key), the clients and
connections, and its stores: ``clock`` (:class:`~.clock.Clock`), ``users``
(:class:`~.directory.UserDirectory`), ``sessions``, ``transactions``, ``codes`` and ``devices``
(:mod:`.sessions`), ``refresh_tokens`` (:class:`~.refresh_tokens.RefreshTokens`), ``outbox``
(:class:`~.outbox.Outbox`), ``exports`` and ``imports`` (the users-export and -import jobs),
``login_tickets`` and ``attempts``. Handlers read and change them through the stores' methods,
never by writing into their data, so the stores and the users' linked-identity index stay
consistent.

It is mutated only from the event loop (every route handler is ``async`` and never awaits in the
middle of a change), so it needs no lock; export workers only read users (see :mod:`.export_jobs`).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from ..mgmt.export_jobs import ExportJobs
from ..mgmt.import_jobs import ImportJobs
from ..protocol.attempts import AttemptLimits
from ..protocol.login_tickets import LoginTickets
from .applications import INTERACTIVE_TYPES, demo_clients, demo_connections
from .clock import Clock
from .directory import UserDirectory
from .outbox import Outbox
from .refresh_tokens import RefreshTokens
from .sessions import AuthCodes, DeviceCodes, Sessions, Transactions
from .tenant_config import TenantConfig

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..protocol.keys import SigningKey
    from .applications import Client, Connection


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
        """A tenant with the demo clients and no users yet."""
        self.base_url = base_url
        self.key = key
        self.token_ttl = token_ttl
        self.id_token_ttl = id_token_ttl
        self.device_interval = device_interval
        self.device_ttl = device_ttl
        self.refresh_leeway = refresh_leeway
        self.code_ttl = 60.0
        self.clients: dict[str, Client] = demo_clients(skip_callback_confirmation=skip_callback_confirmation)
        self.connections: dict[str, Connection] = demo_connections(
            [c.client_id for c in self.clients.values() if c.app_type in INTERACTIVE_TYPES]
        )
        self.config = TenantConfig.fresh(self.api_audience)
        self.clock = Clock(clock)
        self.users = UserDirectory(self.now, self.connections)
        self.sessions = Sessions(self.users)
        self.transactions = Transactions(self.now)
        self.codes = AuthCodes()
        self.devices = DeviceCodes(self.now, device_ttl)
        self.refresh_tokens = RefreshTokens()
        self.outbox = Outbox(self.now)
        self.exports = ExportJobs(self.users, self.now, base_url)
        self.imports = ImportJobs()
        self.login_tickets = LoginTickets()
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
        """The tenant clock (injectable, and movable with ``clock.advance``)."""
        return self.clock.now()

    def keep_initial(self) -> None:
        """Make now the state :meth:`reset` goes back to (the users; every other store empties)."""
        self.users.initial.keep()

    def reset(self) -> None:
        """Back to the users at :meth:`keep_initial`; forget sessions, codes, tokens, outbox, clock moves."""
        self.users.initial.reset()
        for store in (
            self.exports,
            self.login_tickets,
            self.imports,
            self.sessions,
            self.transactions,
            self.codes,
            self.devices,
            self.refresh_tokens,
            self.outbox,
            self.attempts,
        ):
            store.clear()
        self.clock.reset()

    def close(self) -> None:
        """Release what outlives a request: the export jobs' workers and files."""
        self.exports.close()

    def counters(self) -> dict[str, int]:
        """How many sessions, refresh tokens and device codes are held."""
        return {
            "sessions": len(self.sessions),
            "refresh_tokens": len(self.refresh_tokens),
            "device_codes": len(self.devices),
        }

    def delete_user(self, user_id: str) -> None:
        """Delete a user with its linked identities and refresh tokens (no error when absent)."""
        if self.users.delete(user_id):
            self.refresh_tokens.drop_user(user_id)

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
