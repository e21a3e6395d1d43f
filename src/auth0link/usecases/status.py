"""``auth0link status``: every profile's credentials, checked with the tenant, each problem with its fix.

As ``gh auth status`` does, the answer comes from the tenant, not only from what is stored:

* a user session is read from the store (:func:`session_status`; ``--offline`` stops there),
  then :func:`check_session` refreshes it with its refresh token (an access token stays valid
  until it expires even after its refresh tokens were revoked, so only a refresh shows that the
  session will last) and makes one cheap authenticated call, ``GET /api/v2/users/{id}``, which a
  401 retries once after another refresh (the tenant's clock decides expiry);
* machine credentials (``login --machine``) are read by :func:`machine_status` and checked by
  :func:`check_machine`: a token (the stored one, re-requested with the stored secret when it
  expired) and one ``GET /api/v2/users`` page of one user (admin commands need ``read:users``).

:func:`verdict` turns the active profile's results into the exit code: 0 when its credentials
work — a user session, or machine credentials alone (an admin-only profile) — 3 when it has
none or the tenant refused one (the error names the fix), 5 when the tenant could not be asked.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Protocol

from auth0link._constants import DEFAULT_PROFILE
from auth0link._jwt import unverified_claims
from auth0link.errors import (
    LOGIN,
    Auth0LinkError,
    Command,
    Fix,
    LoginRequired,
    NetworkError,
    NotFound,
    TokenStorageError,
    cmd,
    sentence,
)
from auth0link.infra.session_index import IndexEntry
from auth0link.models import MachineStatus, Problem, SessionStatus
from auth0link.usecases.profiles import machine_entries, session_entries
from auth0link.usecases.status_check import check_machine, check_session

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from pathlib import Path

    from auth0link.client import Auth0Client
    from auth0link.machine import MachineSession
    from auth0link.models import User
    from auth0link.session import Access, SessionManager
    from auth0link.tokens import TokenSet, TokenStore
    from auth0link.usecases.profiles import ProfileConfig


def session_status(
    entry: IndexEntry,
    *,
    store: TokenStore,
    active: bool,
    now: float,
    wanted_scopes: Sequence[str] = (),
    active_profile: str = DEFAULT_PROFILE,
) -> SessionStatus:
    """Read one session without refreshing it; every problem names the command that fixes it.

    ``active_profile``: the profile a command without ``--profile`` uses; a fix for any other
    profile names it with ``--profile``.
    """
    other = None if entry.profile == active_profile else entry.profile
    base = SessionStatus(
        profile=entry.profile,
        domain=entry.domain,
        client_id=entry.client_id,
        active=active,
        logged_in=False,
        storage=store.description,
    )
    try:
        tokens = store.load(entry.key)
    except TokenStorageError as exc:
        fix = Fix.run("login", "--insecure-storage", profile=other, lead="unlock the keyring, or run: ")
        return dataclasses.replace(
            base, storage=store.description, problems=(Problem(sentence(exc.message), fix),)
        )
    login = Fix(cmd("login", profile=other))
    if tokens is None:
        return dataclasses.replace(
            base, storage=store.description, problems=(Problem("Not logged in.", login),)
        )
    expired = tokens.is_expired(now, leeway=0)
    problems: list[Problem] = []
    if expired and not tokens.refresh_token:
        problems.append(Problem("The session expired and cannot be refreshed.", login))
    missing = [s for s in wanted_scopes if s not in tokens.scopes]
    if missing:
        scopes = f"'{' '.join(sorted(tokens.scopes | set(missing)))}'"
        problems.append(
            Problem(
                f"Missing scopes: {' '.join(missing)}.", Fix(cmd("login", "--scopes", scopes, profile=other))
            )
        )
    claims = unverified_claims(tokens.id_token) if tokens.id_token else {}
    return dataclasses.replace(
        base,
        logged_in=True,
        storage=store.description,
        user_id=tokens.user_id,
        email=claims.get("email") if isinstance(claims.get("email"), str) else None,
        scopes=tuple(sorted(tokens.scopes)),
        expires_at=tokens.expires_at,
        expired=expired,
        refreshable=bool(tokens.refresh_token),
        problems=tuple(problems),
    )


def machine_status(
    *,
    profile: str,
    domain: str,
    client_id: str,
    token: TokenSet | None,
    secret_stored: bool,
    active: bool,
) -> MachineStatus:
    """Machine credentials as stored (``token`` is the stored M2M token, if any)."""
    return MachineStatus(
        profile=profile,
        domain=domain,
        client_id=client_id,
        active=active,
        stored=token is not None or secret_stored,
        scopes=tuple(sorted(token.scopes)) if token else (),
        expires_at=token.expires_at if token else None,
    )


def verdict(
    sessions: Sequence[SessionStatus], machines: Sequence[MachineStatus], *, profile: str
) -> Auth0LinkError | None:
    """The active profile's outcome: None (exit 0) or the error to exit with (see the module)."""
    session = next((s for s in sessions if s.active and s.logged_in), None)
    machine = next((m for m in machines if m.active), None)
    present = [c for c in (session, machine) if c is not None]
    if not present:
        return LoginRequired(
            f"Profile {profile} is not logged in.",
            hint=Fix.run("login", note=" (admin commands: ")
            + Fix(cmd("login", "--machine", "--client-id", "M2M_ID"), ")"),
        )
    for credentials in present:
        if credentials.check == "unreachable":
            # the problem line's own fix (a CA bundle to pass, a domain to correct), not a second one
            last = credentials.problems[-1] if credentials.problems else Problem("")
            return NetworkError(
                f"Could not check profile {profile} with the tenant (see the problems above).",
                hint=last.fix
                or Fix.run("status", "--offline", lead="check your network and try again, or run: "),
            )
    for credentials in present:
        if credentials.check == "refused" or (credentials.check == "offline" and credentials.problems):
            last = credentials.problems[-1] if credentials.problems else Problem("")
            fix = last.fix or LOGIN
            return LoginRequired(
                f"Profile {profile}: {last.what or 'its credentials no longer work.'}",
                hint="run: " + fix if fix.parts and isinstance(fix.parts[0], Command) else fix,
            )
    return None


class StatusWorld(Protocol):
    """What :func:`gather` needs (:class:`~auth0link.other_profiles.OtherProfiles` provides it)."""

    def store_for(self, entry: IndexEntry) -> TokenStore:
        """The store a session lives in."""
        ...

    def sessions_for(self, entry: IndexEntry) -> SessionManager:
        """The manager that loads and refreshes that session."""
        ...

    def machine_for(self, profile: str, domain: str, client_id: str, *, storage: str) -> MachineSession:
        """The machine credentials of that profile and tenant."""
        ...

    def client_for(
        self,
        entry: IndexEntry,
        *,
        access_token: str | None = None,
        renew_token: Callable[[str], str] | None = None,
    ) -> Auth0Client:
        """A client for that session's tenant."""
        ...


@dataclasses.dataclass(frozen=True)
class StatusReport:
    """Every profile's user sessions and machine credentials, as ``status`` shows them."""

    sessions: tuple[SessionStatus, ...]
    machines: tuple[MachineStatus, ...]


def gather(
    configs: Sequence[ProfileConfig],
    *,
    world: StatusWorld,
    config_dir: Path,
    now: float,
    offline: bool,
    bare_profile: str,
    env_machine: tuple[str, str] | None = None,
) -> StatusReport:
    """Read (and unless ``offline``, check with the tenant) every profile's credentials.

    ``bare_profile`` is the profile a command without ``--profile`` uses ("" when this one was
    chosen with ``--profile``): every fix for another profile names it with ``--profile``.
    ``env_machine`` (domain, M2M client ID): machine credentials given by the environment (CI),
    reported for the active profile when nothing is stored for them.
    """
    active = next(c.name for c in configs if c.active)
    sessions = [
        _session(e, world=world, active=e.profile == active, bare=bare_profile, now=now, offline=offline)
        for e in session_entries(config_dir, configs)
    ]
    logins = [(*login, False) for login in machine_entries(config_dir, configs)]
    if env_machine is not None and not any(c.active and d == env_machine[0] for c, d, _, _ in logins):
        logins.append((next(c for c in configs if c.active), *env_machine, True))
    machines = [
        _machine(config, domain, client_id, world=world, offline=offline, env=env)
        for config, domain, client_id, env in logins
    ]
    admin_only = {(m.profile, m.domain) for m in machines if m.stored}
    # A profile used only for admin commands has no user login, and that is not a problem.
    sessions = [
        dataclasses.replace(s, problems=()) if not s.logged_in and (s.profile, s.domain) in admin_only else s
        for s in sessions
    ]
    return StatusReport(tuple(sessions), tuple(machines))


def _session(
    entry: IndexEntry, *, world: StatusWorld, active: bool, bare: str, now: float, offline: bool
) -> SessionStatus:
    status = session_status(entry, store=world.store_for(entry), active=active, now=now, active_profile=bare)
    if offline:
        return status
    manager = world.sessions_for(entry)

    def read_user(access: Access) -> User:
        client = world.client_for(entry, access_token=access.token, renew_token=manager.renew)
        return client.get_user(access.user_id)

    def userinfo(access: Access) -> object:
        from auth0link.auth.discovery import discover

        client = world.client_for(entry, access_token=access.token, renew_token=manager.renew)
        endpoint = discover(client, cache_dir=None).userinfo_endpoint
        if endpoint is None:
            raise NotFound("The provider has no userinfo endpoint.", status_code=404)
        return client.userinfo(access.token, endpoint=endpoint)

    return check_session(
        status, access=manager.checked_access, read_user=read_user, active_profile=bare, userinfo=userinfo
    )


def _machine(
    config: ProfileConfig,
    domain: str,
    client_id: str,
    *,
    world: StatusWorld,
    offline: bool,
    env: bool = False,
) -> MachineStatus:
    from auth0link.machine import machine_key, secret_key

    admin = world.machine_for(config.name, domain, client_id, storage=config.storage)
    active = config.active and domain == config.domain
    try:
        token = admin.store.load(machine_key(config.name, domain, client_id))
        secret = admin.store.load(secret_key(config.name, domain, client_id)) is not None
    except TokenStorageError as exc:
        fix = Fix.run("login", "--machine", "--insecure-storage", lead="unlock the keyring, or run: ")
        problem = Problem(sentence(exc.message), fix)
        return MachineStatus(config.name, domain, client_id, active, stored=True, problems=(problem,))
    status = machine_status(
        profile=config.name,
        domain=domain,
        client_id=client_id,
        token=token,
        secret_stored=secret,
        active=active,
    )
    if offline or not (status.stored or env):
        return status

    def probe(token: str) -> object:
        where = IndexEntry("", config.name, domain, client_id, config.storage)
        client = world.client_for(where, access_token=token, renew_token=admin.renew)
        return client.search_users("email:*", per_page=1, include_totals=False)

    return check_machine(status, token=admin.access_token, probe=probe)
