"""Settings: which tenant, which application, which profile, and where files live.

Precedence, written down once (highest first) — every setting is resolved the same way:

1. the command-line flag (``--domain``, ``--client-id``, ``--profile`` …);
2. the environment variable (names below, also shown in ``--help``);
3. the profile's config file, ``<config dir>/profiles/<profile>.toml``
   (written by ``auth0link config set``); for the profile itself, the one
   ``auth0link profiles switch`` remembered in ``<config dir>/active-profile``;
4. the built-in default.

The config directory is ``$AUTH0LINK_CONFIG_DIR`` if set, else the platform's user config
directory (``~/.config/auth0link`` on Linux); the data directory (backups, journals) is
``$AUTH0LINK_DATA_DIR``, else the platform's user data directory.

HTTPS is verified with the operating system's trust store; ``ca_bundle`` (``--ca-bundle`` /
``AUTH0LINK_CA_BUNDLE`` / profile key) adds the CAs of a PEM file on top of it.

This module does no network, keyring, prompting or printing.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Final

from auth0link import _profile_file
from auth0link._constants import (
    APP_NAME,
    CONFIG_KEYS,
    ENV_ACCESS_TOKEN,
    ENV_AUDIENCE,
    ENV_CA_BUNDLE,
    ENV_CALLBACK_PORTS,
    ENV_CLIENT_ID,
    ENV_CLIENT_SECRET,
    ENV_CONFIG_DIR,
    ENV_DATA_DIR,
    ENV_DEBUG,
    ENV_DOMAIN,
    ENV_KEYRING_TIMEOUT,
    ENV_MACHINE_CLIENT_ID,
    ENV_NO_INPUT,
    ENV_SCOPES,
    ENV_STORAGE,
    ENV_TIMEOUT,
)
from auth0link._domain import normalize_domain
from auth0link._profile_file import resolve_profile, validate_profile
from auth0link.errors import ConfigurationError, Fix, UsageError

if TYPE_CHECKING:
    from collections.abc import Mapping

DEFAULT_SCOPES: Final = (
    "openid profile email offline_access read:current_user "
    "update:current_user_identities update:current_user_metadata"
)
DEFAULT_CALLBACK_PORTS: Final = (8484, 8485, 8486)
DEFAULT_TIMEOUT: Final = 15.0  # seconds, at most 600
DEFAULT_KEYRING_TIMEOUT: Final = 5.0  # seconds, at most 300
STORAGE_CHOICES: Final = ("keyring", "file")

_CLIENT_ID_RE: Final = re.compile(r"[A-Za-z0-9_.-]{1,128}")  # always fullmatch: `$` allows "\n"


def validate_client_id(value: str) -> str:
    """Client IDs are opaque but printable; refuse whitespace and control characters."""
    if not _CLIENT_ID_RE.fullmatch(value):
        raise ConfigurationError(
            "Invalid client ID.",
            hint="copy the Client ID from your Auth0 application's settings page",
        )
    return value


def parse_callback_ports(value: str) -> tuple[int, ...]:
    """Parse ``8484,8485`` into ports; each must be 1024-65535."""
    ports: list[int] = []
    for chunk in value.split(","):
        item = chunk.strip()
        if not item:
            continue
        if not item.isdigit() or not 1024 <= int(item) <= 65535:  # noqa: PLR2004 - port range
            raise ConfigurationError(
                f"Invalid callback port {item[:20]!r}.",
                hint="use comma-separated port numbers between 1024 and 65535, e.g. 8484,8485",
            )
        ports.append(int(item))
    if not ports:
        raise ConfigurationError("No callback port given.", hint="e.g. 8484,8485,8486")
    return tuple(dict.fromkeys(ports))


def _validate_value(key: str, value: str) -> str:  # noqa: C901, PLR0911 - one branch per config key
    """Check a value for `config set` and return its canonical form."""
    if key == "domain":
        return normalize_domain(value)
    if key == "client_id":
        return validate_client_id(value)
    if key == "callback_ports":
        return ",".join(str(p) for p in parse_callback_ports(value))
    if key == "storage":
        if value not in STORAGE_CHOICES:
            raise ConfigurationError(
                f"Invalid storage {value!r}.", hint=f"use one of: {', '.join(STORAGE_CHOICES)}"
            )
        return value
    if key == "scopes":
        scopes = value.split()
        if not scopes or any(not s.isprintable() for s in scopes):
            raise ConfigurationError("Invalid scopes.", hint="space-separated, e.g. 'openid email'")
        return " ".join(scopes)
    if key == "audience":
        if not value.startswith(("https://", "http://")) or not value.isprintable():
            raise ConfigurationError("Invalid audience.", hint="an API identifier URL")
        return value
    if key == "ca_bundle":
        from auth0link._ca_bundle import check_ca_bundle

        return str(check_ca_bundle(value))
    raise UsageError(f"Unknown config key {key!r}.", hint=f"known keys: {', '.join(CONFIG_KEYS)}")


def default_config_dir(env: Mapping[str, str]) -> Path:
    """``$AUTH0LINK_CONFIG_DIR`` or the platform's user config directory."""
    if env.get(ENV_CONFIG_DIR):
        return Path(env[ENV_CONFIG_DIR])
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def default_data_dir(env: Mapping[str, str]) -> Path:
    """``$AUTH0LINK_DATA_DIR`` or the platform's user data directory."""
    if env.get(ENV_DATA_DIR):
        return Path(env[ENV_DATA_DIR])
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


class ProfileFile:
    """One profile's settings file: ``<config dir>/profiles/<name>.toml`` (flat string keys)."""

    def __init__(self, config_dir: Path, profile: str) -> None:
        """Point at a profile; nothing is read until :meth:`read`."""
        self.profile = validate_profile(profile)
        self.path = config_dir / "profiles" / f"{self.profile}.toml"

    def read(self) -> dict[str, str]:
        """The profile's values; an absent file is an empty profile, a malformed one an error."""
        return _profile_file.read_profile(self.path, self.profile)

    def write(self, values: Mapping[str, str]) -> None:
        """Write all values atomically (temp file + rename), keys sorted; errors name the fix."""
        _profile_file.write_profile(self.path, values)

    def set(self, key: str, value: str) -> str:
        """Validate and store one value; returns the stored (canonical) value."""
        canonical = _validate_value(key, value)
        values = self.read()
        values[key] = canonical
        self.write(values)
        return canonical

    def unset(self, key: str) -> bool:
        """Remove a key; True if it was set."""
        if key not in CONFIG_KEYS:
            _validate_value(key, "")
        values = self.read()
        if key not in values:
            return False
        del values[key]
        self.write(values)
        return True


@dataclasses.dataclass(frozen=True)
class Settings:
    """Everything a command needs to know about where and as whom it runs."""

    profile: str
    config_dir: Path
    data_dir: Path
    #: the tenant, normalized to its base URL (``https://TENANT.auth0.com``; http only for loopback)
    domain: str | None
    client_id: str | None
    audience: str | None
    scopes: str
    callback_ports: tuple[int, ...]
    storage: str
    timeout: float
    no_input: bool
    debug: bool
    sources: Mapping[str, str] = dataclasses.field(default_factory=dict)
    keyring_timeout: float = DEFAULT_KEYRING_TIMEOUT
    #: ``$AUTH0LINK_ACCESS_TOKEN``: when set, every command uses it instead of a stored session
    access_token: str | None = dataclasses.field(default=None, repr=False)
    #: ``$AUTH0LINK_CLIENT_SECRET``: the M2M application's secret (admin commands, CI)
    client_secret: str | None = dataclasses.field(default=None, repr=False)
    #: ``$AUTH0LINK_MACHINE_CLIENT_ID``: the M2M application (else the one ``login --machine`` used)
    machine_client_id: str | None = None
    #: why no browser can be opened here (an SSH session, no display, CI), or None when one can
    browser_unavailable: str | None = None
    no_color: bool = False
    ca_bundle: Path | None = None  # extra CAs next to the OS trust store (checked when loaded)

    @property
    def bare_profile(self) -> str:
        """The profile a command without ``--profile`` uses ("" when ``--profile`` chose this one)."""
        return "" if self.sources.get("profile") == "flag" else self.profile

    @property
    def require_domain(self) -> str:
        """The tenant's domain (its ``https://`` base URL), or a configuration error naming the fix."""
        if not self.domain:
            raise ConfigurationError(
                "No Auth0 tenant configured.",
                hint=Fix.run(
                    "config",
                    "set",
                    "domain",
                    "YOUR-TENANT.auth0.com",
                    lead="pass --domain, set AUTH0LINK_DOMAIN, or run: ",
                ),
            )
        return self.domain

    @property
    def require_client_id(self) -> str:
        """The application's client ID, or a configuration error naming the fix."""
        if not self.client_id:
            raise ConfigurationError(
                "No client ID configured.",
                hint=Fix.run(
                    "config",
                    "set",
                    "client_id",
                    "YOUR_CLIENT_ID",
                    lead="pass --client-id, set AUTH0LINK_CLIENT_ID, or run: ",
                ),
            )
        return self.client_id

    @property
    def api_audience(self) -> str:
        """The Management API audience: configured, or ``<base>/api/v2/``."""
        return self.audience or f"{self.require_domain}/api/v2/"


def _seconds(env: Mapping[str, str], name: str, default: float, maximum: float) -> float:
    """A duration from the environment: finite, above 0 and at most ``maximum`` seconds."""
    raw = env.get(name, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError:
        value = -1.0
    if not 0 < value <= maximum:  # also false for nan; inf is above any maximum
        raise ConfigurationError(
            f"Invalid {name} value {raw[:20]!r}: use a number of seconds above 0, at most {maximum:g}.",
            hint=f"set it to e.g. {default:g}, or unset it: unset {name}",
        )
    return value


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def debug_wanted(env: Mapping[str, str], *, flag: bool) -> bool:
    """``--debug`` or a true ``AUTH0LINK_DEBUG``: the one place this is decided."""
    return flag or _truthy(env.get(ENV_DEBUG))


def browser_unavailable(env: Mapping[str, str], platform: str = sys.platform) -> str | None:
    """Why no browser can be opened here, or None when one can (``BROWSER`` always counts)."""
    if env.get("BROWSER", "").strip():
        return None
    if _truthy(env.get("CI")):
        return "CI is set"
    if env.get("SSH_CONNECTION") or env.get("SSH_CLIENT") or env.get("SSH_TTY"):
        return "this is an SSH session"
    graphical = platform.startswith(("win", "darwin", "cygwin"))
    if not graphical and not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
        return "neither DISPLAY nor WAYLAND_DISPLAY is set"
    return None


def _storage_choice(value: str) -> str:
    if value not in STORAGE_CHOICES:
        choices = ", ".join(STORAGE_CHOICES)
        raise ConfigurationError(f"Invalid storage {value!r}.", hint=f"use one of: {choices}")
    return value


def resolve_settings(
    *,
    env: Mapping[str, str],
    profile: str | None = None,
    domain: str | None = None,
    client_id: str | None = None,
    audience: str | None = None,
    scopes: str | None = None,
    callback_ports: str | None = None,
    storage: str | None = None,
    ca_bundle: str | None = None,
    no_input: bool = False,
    debug: bool = False,
    stdin_isatty: bool = True,
) -> Settings:
    """Resolve every setting by the precedence in the module docstring."""
    config_dir = default_config_dir(env)
    profile_name, profile_source = resolve_profile(profile, env, config_dir)
    file_values = ProfileFile(config_dir, profile_name).read()
    sources: dict[str, str] = {"profile": profile_source}

    def pick(key: str, flag: str | None, env_name: str) -> str | None:
        for source, value in (("flag", flag), (f"env {env_name}", env.get(env_name))):
            if value:
                sources[key] = source
                return value
        if file_values.get(key):
            sources[key] = f"profile {profile_name}"
            return file_values[key]
        return None

    raw_domain = pick("domain", domain, ENV_DOMAIN)
    raw_client = pick("client_id", client_id, ENV_CLIENT_ID)
    raw_ports = pick("callback_ports", callback_ports, ENV_CALLBACK_PORTS)
    raw_storage = _storage_choice(pick("storage", storage, ENV_STORAGE) or "keyring")
    raw_bundle = pick("ca_bundle", ca_bundle, ENV_CA_BUNDLE)
    return Settings(
        profile=profile_name,
        config_dir=config_dir,
        data_dir=default_data_dir(env),
        domain=normalize_domain(raw_domain) if raw_domain else None,
        client_id=validate_client_id(raw_client) if raw_client else None,
        audience=pick("audience", audience, ENV_AUDIENCE),
        scopes=" ".join((pick("scopes", scopes, ENV_SCOPES) or DEFAULT_SCOPES).split()),
        callback_ports=parse_callback_ports(raw_ports) if raw_ports else DEFAULT_CALLBACK_PORTS,
        storage=raw_storage,
        timeout=_seconds(env, ENV_TIMEOUT, DEFAULT_TIMEOUT, 600),
        keyring_timeout=_seconds(env, ENV_KEYRING_TIMEOUT, DEFAULT_KEYRING_TIMEOUT, 300),
        no_input=no_input or _truthy(env.get(ENV_NO_INPUT)) or _truthy(env.get("CI")) or not stdin_isatty,
        debug=debug_wanted(env, flag=debug),
        sources=sources,
        access_token=env.get(ENV_ACCESS_TOKEN, "").strip() or None,
        client_secret=env.get(ENV_CLIENT_SECRET, "").strip() or None,
        machine_client_id=env.get(ENV_MACHINE_CLIENT_ID, "").strip() or None,
        browser_unavailable=browser_unavailable(env),
        no_color=bool(env.get("NO_COLOR")),
        ca_bundle=Path(raw_bundle).expanduser().absolute() if raw_bundle else None,
    )
