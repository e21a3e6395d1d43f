"""Profiles: every profile this machine knows, which one is active, and ``profiles switch``.

A profile is *known* when it has a settings file (``<config dir>/profiles/NAME.toml``), a stored
session (the session index) or machine credentials (``<config dir>/machine/NAME.json``); the
active profile always is. ``profiles switch NAME`` remembers NAME in
``<config dir>/active-profile``; :func:`auth0link._profile_file.resolve_profile` reads it (after
``--profile`` and ``AUTH0LINK_PROFILE``, before ``default``).

``status`` and ``profiles list`` both start from :func:`profile_configs`: each known profile's
tenant, native client ID and storage (the active one's as resolved for this command, flags and
environment included; the others' from their files, or from their stored session).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from auth0link import _profile_file
from auth0link._constants import DEFAULT_PROFILE
from auth0link._profile_file import validate_profile
from auth0link.config import ProfileFile
from auth0link.errors import ConfigurationError, Fix, TokenStorageError, UsageError, cmd
from auth0link.infra.session_index import IndexEntry, SessionIndex
from auth0link.machine import MachineProfile
from auth0link.models import ProfileInfo
from auth0link.tokens import store_key

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from pathlib import Path

    from auth0link.tokens import TokenStore


@dataclasses.dataclass(frozen=True)
class ProfileConfig:
    """Where one profile logs in: its tenant, native client ID and token storage."""

    name: str
    domain: str | None
    client_id: str | None
    storage: str = "keyring"
    active: bool = False

    @property
    def entry(self) -> IndexEntry | None:
        """Its user session's place in the store (None until both domain and client ID are set)."""
        if not (self.domain and self.client_id):
            return None
        key = store_key(self.name, self.domain, self.client_id)
        return IndexEntry(key, self.name, self.domain, self.client_id, self.storage)


def known_profiles(config_dir: Path, *, active: str) -> list[str]:
    """Every known profile (module docstring): the active one first, then by name."""
    names = {active}
    for folder, suffix in (("profiles", ".toml"), ("machine", ".json")):
        path = config_dir / folder
        if path.is_dir():
            names.update(p.name.removesuffix(suffix) for p in path.iterdir() if p.name.endswith(suffix))
    names.update(e.profile for e in SessionIndex(config_dir).entries())
    return sorted((n for n in names if _valid(n)), key=lambda n: (n != active, n))


def _valid(name: str) -> bool:
    try:
        validate_profile(name)
    except ConfigurationError:
        return False
    return True


def profile_configs(config_dir: Path, *, active: ProfileConfig) -> list[ProfileConfig]:
    """Each known profile's configuration (the active one as given), active first."""
    indexed = SessionIndex(config_dir).entries()
    configs: list[ProfileConfig] = []
    for name in known_profiles(config_dir, active=active.name):
        if name == active.name:
            configs.append(active)
            continue
        try:
            values = ProfileFile(config_dir, name).read()
        except ConfigurationError:
            values = {}
        stored = next((e for e in indexed if e.profile == name), None)
        configs.append(
            ProfileConfig(
                name=name,
                domain=values.get("domain") or (stored.domain if stored else None),
                client_id=values.get("client_id") or (stored.client_id if stored else None),
                storage=values.get("storage") or (stored.storage if stored else "keyring"),
            )
        )
    return configs


def session_entries(config_dir: Path, configs: Sequence[ProfileConfig]) -> list[IndexEntry]:
    """The user sessions ``status`` reports: the active profile's, every stored one, every configured one."""
    entries: dict[str, IndexEntry] = {}
    for entry in [
        *(c.entry for c in configs if c.active),
        *SessionIndex(config_dir).entries(),
        *(c.entry for c in configs),
    ]:
        if entry is not None:
            entries.setdefault(entry.key, entry)
    return list(entries.values())


def machine_entries(
    config_dir: Path, configs: Sequence[ProfileConfig]
) -> list[tuple[ProfileConfig, str, str]]:
    """Every stored machine login: (profile, domain, M2M client ID), the active profile's tenant first."""
    found: list[tuple[ProfileConfig, str, str]] = []
    for config in configs:
        by_domain = MachineProfile(config_dir, config.name).entries()
        found.extend((config, d, by_domain[d]) for d in sorted(by_domain, key=lambda d: d != config.domain))
    return found


def list_profiles(
    configs: Sequence[ProfileConfig],
    *,
    config_dir: Path,
    store_for: Callable[[IndexEntry], TokenStore],
) -> list[ProfileInfo]:
    """``profiles list``: each profile with its tenant, client IDs and whether a user session is stored.

    A profile whose settings are not in its file (they came from ``AUTH0LINK_DOMAIN`` and
    ``AUTH0LINK_CLIENT_ID`` at login) shows the tenant and client of its stored session, as
    ``status`` does, instead of a blank domain and "no".
    """
    stored = SessionIndex(config_dir).entries()
    infos: list[ProfileInfo] = []
    for config in configs:
        entry = config.entry or next((e for e in stored if e.profile == config.name), None)
        logged_in: bool | None = False
        if entry is not None:
            try:
                logged_in = store_for(entry).load(entry.key) is not None
            except TokenStorageError:
                logged_in = None
        domain = config.domain or (entry.domain if entry else None)
        client_id = config.client_id or (entry.client_id if entry else None)
        machine = MachineProfile(config_dir, config.name).read(domain) if domain else None
        infos.append(ProfileInfo(config.name, domain, client_id, machine, config.active, logged_in))
    return infos


def switch_profile(config_dir: Path, name: str) -> Path:
    """Make ``name`` the active profile (it must be known, or ``default``); returns the file written."""
    validate_profile(name)
    if name != DEFAULT_PROFILE and name not in known_profiles(config_dir, active=DEFAULT_PROFILE):
        raise UsageError(
            f"There is no profile {name!r} on this machine. Nothing was changed.",
            hint=Fix(
                "create it first, e.g. ",
                cmd("config", "set", "domain", "YOUR-TENANT.auth0.com", profile=name),
                " (",
                cmd("profiles", "list"),
                " shows the profiles)",
            ),
        )
    return _profile_file.write_active_profile(config_dir, name)
