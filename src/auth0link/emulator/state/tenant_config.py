"""What an account-linking tenant is configured with beyond clients and connections.

* **Tenant settings** (``GET /api/v2/tenants/settings``): a fresh tenant's, with the default
  directory the password grant uses; ``tenant:`` in ``--tenant FILE`` updates them.
* **Resource servers** (APIs): the Management API (``is_system``) and those of ``--tenant``'s
  ``resourceServers:``.
* **Client grants**: one per client with Management API scopes (the M2M client's grant), derived
  from :attr:`.Client.scopes`, plus the grants of ``--tenant`` to other APIs.

Plain data; the Management API shows it through :mod:`.configuration`.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from . import demo

if TYPE_CHECKING:
    from .applications import Client

MANAGEMENT_API_NAME: Final = "Auth0 Management API"
# The Management API's scopes a client grant may hold: the demo M2M client's and a few more.
MANAGEMENT_SCOPES: Final = (
    *demo.M2M_SCOPES,
    "read:client_keys",
    "read:users_app_metadata",
    "update:users_app_metadata",
    "read:logs",
    "create:passwords_checking_job",
)


def stable_id(prefix: str, *parts: str, length: int = 16) -> str:
    """``prefix`` and ``length`` letters/digits derived from ``parts`` (the same on every start)."""
    raw = hashlib.sha256("\0".join(("auth0link-emulator", prefix, *parts)).encode()).digest()
    text = base64.b64encode(raw, altchars=b"Az").decode("ascii").replace("=", "")
    return prefix + text[:length]


def default_settings() -> dict[str, Any]:
    """``GET /tenants/settings`` of a fresh tenant: no ``default_directory`` (Auth0 sets none)."""
    return {
        "enabled_locales": ["en"],
        "flags": {
            "allow_legacy_delegation_grant_types": False,
            "allow_legacy_ro_grant_types": False,
            "allow_legacy_tokeninfo_endpoint": False,
            "enable_apis_section": False,
            "enable_client_connections": False,
            "enable_custom_domain_in_emails": False,
            "enable_dynamic_client_registration": False,
            "enable_legacy_logs_search_v2": False,
            "enable_public_signup_user_exists_error": False,
            "enable_sso": True,
            "new_universal_login_experience_enabled": True,
            "universal_login": True,
            "revoke_refresh_token_grant": False,
            "disable_clickjack_protection_headers": False,
        },
        "friendly_name": "auth0link emulator",
        "picture_url": "",
        "support_email": "",
        "support_url": "",
        "sandbox_version": "22",
        "session_lifetime": 168,
        "idle_session_lifetime": 72,
        "session_cookie": {"mode": "persistent"},
        "universal_login": {},
    }


@dataclass
class ResourceServer:
    """An API registered in the tenant."""

    identifier: str
    name: str
    id: str
    scopes: list[dict[str, str]] = field(default_factory=list)
    is_system: bool = False
    settings: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """As ``GET /resource-servers`` shows it (the recording's key set, then the extra settings)."""
        body: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "identifier": self.identifier,
            "allow_offline_access": False,
            "skip_consent_for_verifiable_first_party_clients": True,
            "token_lifetime": 86400,
            "token_lifetime_for_web": 7200,
            "signing_alg": "RS256",
            "scopes": [dict(s) for s in self.scopes],
        }
        if self.is_system:
            body["is_system"] = True
        body.update(self.settings)
        return body


@dataclass
class ClientGrant:
    """A client's grant to call an API with scopes (client credentials)."""

    client_id: str
    audience: str
    scope: tuple[str, ...]

    @property
    def id(self) -> str:
        """``cgr_`` and 16 characters derived from the client and the API."""
        return stable_id("cgr_", self.client_id, self.audience)

    def to_json(self) -> dict[str, Any]:
        """As ``GET /client-grants`` shows it."""
        return {
            "id": self.id,
            "client_id": self.client_id,
            "audience": self.audience,
            "scope": list(self.scope),
        }


@dataclass
class TenantConfig:
    """Tenant settings, the APIs and the grants to APIs other than the Management API."""

    api_audience: str
    settings: dict[str, Any]
    resource_servers: list[ResourceServer] = field(default_factory=list)
    other_grants: list[ClientGrant] = field(default_factory=list)

    @classmethod
    def fresh(cls, api_audience: str) -> TenantConfig:
        """A fresh tenant's: its settings and the Management API."""
        management = ResourceServer(
            identifier=api_audience,
            name=MANAGEMENT_API_NAME,
            id=stable_id("", api_audience, length=24).lower(),
            scopes=[
                {"value": s, "description": s.replace(":", " ").replace("_", " ")} for s in MANAGEMENT_SCOPES
            ],
            is_system=True,
        )
        return cls(api_audience, default_settings(), [management])

    @property
    def default_directory(self) -> str | None:
        """The "Default Directory" setting: the password grant's connection without ``realm``."""
        value = self.settings.get("default_directory")
        return value if isinstance(value, str) and value else None

    @default_directory.setter
    def default_directory(self, name: str | None) -> None:
        if name:
            self.settings["default_directory"] = name
        else:
            self.settings.pop("default_directory", None)

    def grants(self, clients: dict[str, Client]) -> list[ClientGrant]:
        """Every client grant: the Management API ones (from the clients' scopes), then the others."""
        management = [
            ClientGrant(c.client_id, self.api_audience, c.scopes) for c in clients.values() if c.scopes
        ]
        return [*management, *self.other_grants]

    def resource_server(self, id_or_identifier: str) -> ResourceServer | None:
        """The API with this ID or identifier (Auth0 takes either in the path)."""
        return next(
            (r for r in self.resource_servers if id_or_identifier in (r.id, r.identifier)),
            None,
        )
