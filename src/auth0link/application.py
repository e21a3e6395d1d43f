"""The application object: everything a command needs, built once from one resolved ``Settings``.

``Application(settings, transport=…, store=…, clock=…, second_login=…, output=…)``: every
collaborator a test may want to replace is a keyword-only argument (hatch's ``Application``,
httpx's ``transport=``), so no test patches a private name; the defaults are the real ones
(the network, the OS keyring or the file store the profile names, the system clock, the
terminal). Anything costly (the token store, discovery, the signing keys) is built on first use.

It holds no logic of its own beyond wiring: the use cases in :mod:`auth0link.usecases` do the
work, and the CLI (:mod:`auth0link.cli`) turns their results into output.
"""

from __future__ import annotations

import dataclasses
import time
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from auth0link.auth.discovery import Endpoints, JwksCache
    from auth0link.client import Auth0Client, Transport
    from auth0link.config import Settings
    from auth0link.infra.session_index import IndexEntry
    from auth0link.machine import MachineSession
    from auth0link.models import TenantMark
    from auth0link.other_profiles import OtherProfiles
    from auth0link.output import Output
    from auth0link.session import Access, SessionLock, SessionManager
    from auth0link.tokens import TokenStore
    from auth0link.usecases.backups import BackupFiles
    from auth0link.usecases.second_login import SecondLogin, SecondLoginRequest


@dataclasses.dataclass(frozen=True)
class Services:
    """What a caller (a test, a script) may inject into the application built for one command."""

    transport: Transport | None = None
    store: TokenStore | None = None
    clock: Callable[[], float] | None = None
    sleep: Callable[[float], None] | None = None
    second_login: Callable[[SecondLoginRequest], SecondLogin] | None = None
    output: Output | None = None
    browser: Callable[[str], bool] | None = None
    #: whether stdin is a terminal (None: ask the process); decides if commands may prompt
    stdin_isatty: bool | None = None


class Application:
    """One command's world: settings, output, token store, HTTP clients, sessions."""

    def __init__(
        self,
        settings: Settings,
        *,
        transport: Transport | None = None,
        store: TokenStore | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        second_login: Callable[[SecondLoginRequest], SecondLogin] | None = None,
        output: Output | None = None,
        browser: Callable[[str], bool] | None = None,
    ) -> None:
        """Wire the collaborators; nothing is opened or fetched until a command needs it."""
        self.settings = settings
        self.transport = transport
        self.clock = clock
        self.sleep = sleep
        #: the injected second login of ``link``, or None for the real one (browser / stdin)
        self.second_login = second_login
        self._store = store
        self._output = output
        self._browser = browser
        self._clients: list[Auth0Client] = []

    @classmethod
    def from_services(cls, settings: Settings, services: Services) -> Application:
        """An application with whatever ``services`` injects, the real thing for the rest."""
        given = {
            f.name: getattr(services, f.name)
            for f in dataclasses.fields(services)
            if f.name != "stdin_isatty" and getattr(services, f.name) is not None
        }
        return cls(settings, **given)

    # -- terminal -------------------------------------------------------------------------------

    @cached_property
    def output(self) -> Output:
        """Streams and TTY state (the injected output, or the process's own)."""
        if self._output is not None:
            return self._output
        from auth0link.output import Output

        return Output(no_color=self.settings.no_color)

    def open_browser(self, url: str) -> bool:
        """Open ``url`` in a browser (injected, or Python's :mod:`webbrowser`)."""
        if self._browser is not None:
            return self._browser(url)
        from auth0link.auth.browser import open_system_browser

        return open_system_browser(url)

    # -- tokens ---------------------------------------------------------------------------------

    @cached_property
    def store(self) -> TokenStore:
        """The token store the profile is configured for (keyring or file)."""
        return self._store if self._store is not None else self.open_store(self.settings.storage)

    def open_store(self, kind: str) -> TokenStore:
        """A ``keyring`` store (the OS keyring) or a ``file`` one (``<config dir>/tokens.json``)."""
        if kind == "file":
            from auth0link.token_file import FileTokenStore

            return FileTokenStore(self.settings.config_dir / "tokens.json")
        from auth0link.tokens import KeyringTokenStore

        return KeyringTokenStore(timeout=self.settings.keyring_timeout)

    @property
    def store_key(self) -> str:
        """Profile + tenant + application."""
        from auth0link.tokens import store_key

        settings = self.settings
        return store_key(settings.profile, settings.require_domain, settings.require_client_id)

    def session_lock(self, key: str | None = None) -> SessionLock:
        """The per-session lock (and generation) of ``key`` (default: this profile's session)."""
        from auth0link.session import SessionLock

        return SessionLock(self.settings.config_dir, key or self.store_key)

    @cached_property
    def sessions(self) -> SessionManager:
        """Loads and refreshes the stored session."""
        from auth0link.session import SessionManager

        return SessionManager(
            store=self.store,
            key=self.store_key,
            client_id=self.settings.require_client_id,
            lock_dir=self.settings.config_dir,
            env_token=self.settings.access_token,
            client_factory=self.client,
            token_endpoint=lambda: self.endpoints.token_endpoint,
            clock=self.clock,
        )

    def access(self) -> Access:
        """A valid access token for the signed-in user (``$AUTH0LINK_ACCESS_TOKEN`` wins)."""
        from auth0link.session import access_from_env

        self.settings.require_domain  # noqa: B018 - fail early with the configuration hint
        from_env = access_from_env(self.settings.access_token)
        return from_env if from_env is not None else self.sessions.access()

    @cached_property
    def machine(self) -> MachineSession:
        """Machine (M2M) credentials for admin commands (``login --machine``)."""
        from auth0link.machine import MachineSession

        settings = self.settings
        return MachineSession(
            store=self.store,
            profile=settings.profile,
            domain=settings.require_domain,
            audience=f"{settings.require_domain}/api/v2/",
            config_dir=settings.config_dir,
            env_token=settings.access_token,
            env_secret=settings.client_secret,
            env_client_id=settings.machine_client_id,
            client_factory=self.client,
            clock=self.clock,
        )

    @cached_property
    def profiles(self) -> OtherProfiles:
        """Any profile's session, store, machine credentials and client (status, logout --all)."""
        from auth0link.other_profiles import OtherProfiles

        return OtherProfiles(self)

    def index_entry(self) -> IndexEntry:
        """This profile's session, as the session index lists it."""
        from auth0link.infra.session_index import IndexEntry

        settings = self.settings
        return IndexEntry(
            key=self.store_key,
            profile=settings.profile,
            domain=settings.require_domain,
            client_id=settings.require_client_id,
            storage=settings.storage,
        )

    # -- the tenant -----------------------------------------------------------------------------

    def client(
        self,
        *,
        access_token: str | None = None,
        max_connections: int = 10,
        renew_token: Callable[[str], str] | None = None,
    ) -> Auth0Client:
        """An ``Auth0Client`` for the tenant (closed when the command ends).

        ``renew_token`` gives the client a new token after a 401 (see :mod:`auth0link.client`).
        """
        return self.client_at(
            self.settings.require_domain,
            access_token=access_token,
            max_connections=max_connections,
            ca_bundle=self.settings.ca_bundle,
            renew_token=renew_token,
        )

    def client_at(
        self,
        base_url: str,
        *,
        access_token: str | None,
        max_connections: int,
        ca_bundle: Path | None,
        renew_token: Callable[[str], str] | None = None,
    ) -> Auth0Client:
        """An ``Auth0Client`` for any tenant at ``base_url`` (closed when the command ends)."""
        from auth0link.client import Auth0Client

        client = Auth0Client(
            base_url,
            access_token=access_token,
            timeout=self.settings.timeout,
            debug=self.settings.debug,
            max_connections=max_connections,
            transport=self.transport,
            sleep=self.sleep,
            renew_token=renew_token,
            ca_bundle=ca_bundle,
        )
        self._clients.append(client)
        return client

    def user_client(self, access: Access) -> Auth0Client:
        """A client carrying the primary user's token; a 401 refreshes the session once and retries."""

        def renew(rejected: str) -> str:
            if access.source != "store":
                from auth0link.session import env_token_rejected

                raise env_token_rejected()
            return self.sessions.renew(rejected)

        return self.client(access_token=access.token, renew_token=renew)

    def machine_client(self, *, max_connections: int = 10) -> Auth0Client:
        """A client carrying a valid machine token (admin commands); a 401 re-requests it once."""
        if self.settings.access_token:  # $AUTH0LINK_ACCESS_TOKEN: no stored credentials to load

            def rejected(_token: str) -> str:
                from auth0link.machine import env_token_rejected

                raise env_token_rejected()

            return self.client(
                access_token=self.settings.access_token, max_connections=max_connections, renew_token=rejected
            )
        return self.client(
            access_token=self.machine.access_token(),
            max_connections=max_connections,
            renew_token=self.machine.renew,
        )

    @cached_property
    def endpoints(self) -> Endpoints:
        """The tenant's OAuth/OIDC endpoints (discovery, cached in the config dir)."""
        from auth0link.auth.discovery import discover

        return discover(self.client(), cache_dir=self.cache_dir, clock=self.clock)

    @cached_property
    def tenant_mark(self) -> TenantMark:
        """The tenant backups and journals name: the domain, and the issuer from discovery."""
        from auth0link.models import TenantMark

        return TenantMark(domain=self.settings.require_domain, issuer=self.endpoints.issuer)

    @cached_property
    def jwks(self) -> JwksCache:
        """The tenant's signing keys (cached; refetched on an unknown kid)."""
        from auth0link.auth.discovery import JwksCache

        return JwksCache(self.client(), self.endpoints.jwks_uri, cache_dir=self.cache_dir, clock=self.clock)

    # -- places ---------------------------------------------------------------------------------

    @property
    def cache_dir(self) -> Path:
        """``<config dir>/cache`` (discovery and JWKS)."""
        return self.settings.config_dir / "cache"

    @property
    def backups_dir(self) -> Path:
        """``<data dir>/backups``."""
        return self.settings.data_dir / "backups"

    def backup_files(self) -> BackupFiles:
        """The backup sink of a link: a file per link in :attr:`backups_dir`, naming this tenant."""
        from auth0link.usecases.backups import BackupFiles

        return BackupFiles(self.backups_dir, clock=self.clock, tenant=lambda: self.tenant_mark)

    def close(self) -> None:
        """Close the HTTP clients this command opened."""
        for client in self._clients:
            client.close()
