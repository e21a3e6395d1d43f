"""Any profile's session, not only the command's own: for ``status``, ``profiles`` and ``logout --all``.

Each is reached through the same :class:`~auth0link.application.Application` (its clock, its
transport, its HTTP clients closed when the command ends), trusting that profile's own
``ca_bundle``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from auth0link.errors import ConfigurationError

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from auth0link.application import Application
    from auth0link.client import Auth0Client
    from auth0link.infra.session_index import IndexEntry
    from auth0link.machine import MachineSession
    from auth0link.session import SessionManager
    from auth0link.tokens import TokenStore
    from auth0link.usecases.profiles import ProfileConfig


class OtherProfiles:
    """Sessions, stores, machine credentials and clients of any profile (this one's as its own)."""

    def __init__(self, app: Application) -> None:
        """Reach every profile through ``app``."""
        self.app = app

    def profile_configs(self) -> list[ProfileConfig]:
        """Every known profile's tenant and client (this one's as resolved now), this one first."""
        from auth0link.usecases.profiles import ProfileConfig, profile_configs

        settings = self.app.settings
        active = ProfileConfig(
            settings.profile, settings.domain, settings.client_id, settings.storage, active=True
        )
        return profile_configs(settings.config_dir, active=active)

    def _is_own(self, entry: IndexEntry) -> bool:
        """Whether ``entry`` is this profile's own session (not when the profile names no tenant)."""
        try:
            return entry.key == self.app.store_key
        except ConfigurationError:
            return False

    def store_for(self, entry: IndexEntry) -> TokenStore:
        """The store an indexed session lives in (this profile's own store for its own session)."""
        if self._is_own(entry):
            return self.app.store
        return self.app.open_store(entry.storage)

    def sessions_for(self, entry: IndexEntry) -> SessionManager:
        """The session manager of any indexed session (this profile's own for its own)."""
        if self._is_own(entry):
            return self.app.sessions
        from auth0link.auth.discovery import discover
        from auth0link.session import SessionManager

        return SessionManager(
            store=self.store_for(entry),
            key=entry.key,
            client_id=entry.client_id,
            lock_dir=self.app.settings.config_dir,
            env_token=None,
            client_factory=lambda: self.client_for(entry),
            token_endpoint=lambda: (
                discover(
                    self.client_for(entry), cache_dir=self.app.cache_dir, clock=self.app.clock
                ).token_endpoint
            ),
            clock=self.app.clock,
        )

    def machine_for(self, profile: str, domain: str, client_id: str, *, storage: str) -> MachineSession:
        """Machine credentials of any profile and tenant (this profile's own, environment included)."""
        settings = self.app.settings
        if profile == settings.profile and domain == settings.domain:
            return self.app.machine
        from auth0link.infra.session_index import IndexEntry
        from auth0link.machine import MachineSession

        entry = IndexEntry("", profile, domain, client_id, storage)
        return MachineSession(
            store=self.store_for(entry),
            profile=profile,
            domain=domain,
            audience=f"{domain}/api/v2/",
            config_dir=settings.config_dir,
            client_factory=lambda: self.client_for(entry),
            client_id=client_id,
            clock=self.app.clock,
        )

    def client_for(
        self,
        entry: IndexEntry,
        *,
        access_token: str | None = None,
        renew_token: Callable[[str], str] | None = None,
    ) -> Auth0Client:
        """A client for an indexed session's tenant, trusting that session's profile's ``ca_bundle``."""
        bundle = self.ca_bundle_of(entry)
        return self.app.client_at(
            entry.domain,
            access_token=access_token,
            max_connections=10,
            ca_bundle=bundle,
            renew_token=renew_token,
        )

    def ca_bundle_of(self, entry: IndexEntry) -> Path | None:
        """The CA bundle for an indexed session: --ca-bundle / the env var, else its profile's key."""
        settings = self.app.settings
        from_profile = settings.sources.get("ca_bundle", "profile").startswith("profile")
        if entry.profile == settings.profile or not from_profile:
            return settings.ca_bundle  # this profile's, or --ca-bundle / the env var for every profile
        from pathlib import Path

        from auth0link.config import ProfileFile

        try:
            value = ProfileFile(settings.config_dir, entry.profile).read().get("ca_bundle")
        except ConfigurationError:
            return None
        return Path(value) if value else None
