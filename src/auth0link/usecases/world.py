"""What a command's use case needs of the application: :class:`World`.

A command hands its :class:`~auth0link.application.Application` to one use-case entry point
(``link_as_user``, ``unlink_as_admin``, ``restore_backup`` …), which takes from it the clients,
the session, the backups and the clock it needs. Use cases sit below the application, so they
name what they use here instead of importing it; tests can pass anything that has these.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from auth0link.client import Auth0Client
    from auth0link.models import TenantMark
    from auth0link.session import Access, SessionManager
    from auth0link.usecases.backups import BackupSink


class World(Protocol):
    """The tenant's clients, the signed-in user's session, the backups and the clock."""

    clock: Callable[[], float]
    sleep: Callable[[float], None]

    @property
    def backups_dir(self) -> Path:
        """Where backups go (and are found)."""
        ...

    @property
    def tenant_mark(self) -> TenantMark:
        """The tenant backups and journals name."""
        ...

    @property
    def sessions(self) -> SessionManager:
        """The stored session of the signed-in user (saved anew after ``link --primary secondary``)."""
        ...

    def access(self) -> Access:
        """A valid access token for the signed-in user."""
        ...

    def user_client(self, access: Access) -> Auth0Client:
        """A client with the signed-in user's token (renewed once on a 401)."""
        ...

    def client(self, *, access_token: str | None = None) -> Auth0Client:
        """A client for the tenant, with ``access_token`` if given."""
        ...

    def machine_client(self, *, max_connections: int = 10) -> Auth0Client:
        """A client with a machine token (``login --machine``)."""
        ...

    def backup_files(self) -> BackupSink:
        """Where a link writes its backup before anything changes."""
        ...
