"""Names the CLI needs at import time (for ``--help``), kept free of imports so start-up stays fast.

This is the one place they are defined, and every module imports them from here (the
environment variable names, the profile file names, the config keys); nothing re-exports them.
"""

from __future__ import annotations

from typing import Final

APP_NAME: Final = "auth0link"

ENV_PROFILE: Final = "AUTH0LINK_PROFILE"
ENV_DOMAIN: Final = "AUTH0LINK_DOMAIN"
ENV_CLIENT_ID: Final = "AUTH0LINK_CLIENT_ID"
ENV_AUDIENCE: Final = "AUTH0LINK_AUDIENCE"
ENV_SCOPES: Final = "AUTH0LINK_SCOPES"
ENV_CALLBACK_PORTS: Final = "AUTH0LINK_CALLBACK_PORTS"
ENV_ACCESS_TOKEN: Final = "AUTH0LINK_ACCESS_TOKEN"  # noqa: S105 - a variable name, not a secret
ENV_CLIENT_SECRET: Final = "AUTH0LINK_CLIENT_SECRET"  # noqa: S105 - a variable name
ENV_MACHINE_CLIENT_ID: Final = "AUTH0LINK_MACHINE_CLIENT_ID"
ENV_DEBUG: Final = "AUTH0LINK_DEBUG"
ENV_NO_INPUT: Final = "AUTH0LINK_NO_INPUT"
ENV_CONFIG_DIR: Final = "AUTH0LINK_CONFIG_DIR"
ENV_DATA_DIR: Final = "AUTH0LINK_DATA_DIR"
ENV_STORAGE: Final = "AUTH0LINK_STORAGE"
ENV_KEYRING_TIMEOUT: Final = "AUTH0LINK_KEYRING_TIMEOUT"
ENV_TIMEOUT: Final = "AUTH0LINK_TIMEOUT"
ENV_CA_BUNDLE: Final = "AUTH0LINK_CA_BUNDLE"

DEFAULT_PROFILE: Final = "default"
ACTIVE_PROFILE_FILE: Final = "active-profile"  # in the config dir: the profile `profiles switch` chose

# What auth0link keeps directly in its config and data directories (a directory holding only
# these is ours, so the CLI may make it private: _files.make_private).
CONFIG_DIR_ENTRIES: Final = frozenset(
    {
        "profiles",
        "machine",
        "locks",
        "cache",
        "tokens.json",
        "tokens.json.lock",
        "sessions.json",
        ACTIVE_PROFILE_FILE,
    }
)
DATA_DIR_ENTRIES: Final = frozenset({"backups", "journals", "emulator"})  # emulator: its local CA

# The keys `auth0link config set` accepts, with a one-line description each.
CONFIG_KEYS: Final[dict[str, str]] = {
    "domain": "tenant domain (tenant.eu.auth0.com) or URL",
    "client_id": "the Native application's client ID",
    "audience": "API audience for the primary login (default: <domain>/api/v2/)",
    "scopes": "space-separated scopes requested at login",
    "callback_ports": "comma-separated loopback callback ports (default: 8484,8485,8486)",
    "storage": "where tokens are stored: keyring (default) or file (insecure, 0600 file)",
    "ca_bundle": "PEM file of extra CA certificates trusted next to the OS trust store",
}
