"""Applications (clients) and connections: what they allow, and how the Management API shows them.

A :class:`Client` carries the settings Auth0 keeps per application (``app_type``, callbacks,
Allowed Logout URLs, Allowed Web Origins, Allowed Origins (CORS), grant types, token endpoint
auth method); a :class:`Connection` its strategy and the clients it is enabled for. The demo
tenant's four clients and five connections are built here (:func:`demo_clients`,
:func:`demo_connections`); ``--tenant FILE`` adds more (:mod:`.tenant_file`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urlsplit

from . import demo

DEVICE_GRANT: Final = "urn:ietf:params:oauth:grant-type:device_code"
PASSWORD_REALM_GRANT: Final = "http://auth0.com/oauth/grant-type/password-realm"  # noqa: S105 - a grant type
PASSWORDLESS_OTP_GRANT: Final = "http://auth0.com/oauth/grant-type/passwordless/otp"
INTERACTIVE_TYPES: Final = frozenset({"native", "spa", "regular_web"})
PASSWORDLESS_STRATEGIES: Final = frozenset({"email", "sms"})
DATABASE_STRATEGY: Final = "auth0"


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of an http(s) URL, as a browser's ``Origin`` header spells it."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


@dataclass(frozen=True)
class Client:
    """An application registered in the tenant (the fields Auth0's client object has)."""

    client_id: str
    name: str
    app_type: str  # "native" | "spa" | "regular_web" | "non_interactive"
    grant_types: tuple[str, ...]
    client_secret: str | None = None
    token_endpoint_auth_method: str = "none"  # noqa: S105 - a method name; "none" | "client_secret_post" | "client_secret_basic"
    callbacks: tuple[str, ...] = ()
    allowed_logout_urls: tuple[str, ...] = ()
    web_origins: tuple[str, ...] = ()
    allowed_origins: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ()  # Management API scopes of its client grant (client_credentials)
    skip_non_verifiable_callback_uri_confirmation_prompt: bool = False
    cross_origin_authentication: bool = False  # embedded login from its web origins (/co/authenticate)
    cross_origin_loc: str | None = None  # its Cross-Origin Verification Fallback page

    @property
    def public(self) -> bool:
        """Token endpoint auth method ``none``: no secret, so PKCE protects its codes."""
        return self.client_secret is None

    def allows_grant(self, grant: str) -> bool:
        """Whether ``grant`` is enabled (Auth0's "Password" grant type enables password-realm too)."""
        return grant in self.grant_types or (grant == PASSWORD_REALM_GRANT and "password" in self.grant_types)

    def cors_origins(self) -> frozenset[str]:
        """Origins its browser code may call from: Allowed Origins, Web Origins, callback origins.

        Auth0's documentation: a page's origin must be in Allowed Origins (CORS) "if you have not
        already added it to the Allowed Callback URLs"; Allowed Web Origins also count.
        """
        listed = {o.rstrip("/").lower() for o in (*self.allowed_origins, *self.web_origins)}
        return frozenset(listed | {o for o in map(origin_of, self.callbacks) if o is not None})

    def web_message_origins(self) -> frozenset[str]:
        """Allowed Web Origins, compared exactly (``http://localhost:3000/`` does not match)."""
        return frozenset(o.lower() for o in self.web_origins)

    def to_json(self, *, with_secret: bool) -> dict[str, Any]:
        """``GET /api/v2/clients`` item; the secret only for ``read:client_keys``."""
        body: dict[str, Any] = {
            "client_id": self.client_id,
            "name": self.name,
            "app_type": self.app_type,
            "is_first_party": True,
            "oidc_conformant": True,
            "callbacks": list(self.callbacks),
            "allowed_logout_urls": list(self.allowed_logout_urls),
            "web_origins": list(self.web_origins),
            "allowed_origins": list(self.allowed_origins),
            "grant_types": list(self.grant_types),
            "token_endpoint_auth_method": self.token_endpoint_auth_method,
            "jwt_configuration": {"alg": "RS256", "lifetime_in_seconds": 36000, "secret_encoded": False},
            "global": False,
            "cross_origin_authentication": self.cross_origin_authentication,
        }
        if self.cross_origin_loc is not None:
            body["cross_origin_loc"] = self.cross_origin_loc
        if with_secret and self.client_secret is not None:
            body["client_secret"] = self.client_secret
        return body


@dataclass
class Connection:
    """An identity provider of the tenant: database, social, or passwordless (email/SMS)."""

    name: str
    strategy: str  # "auth0" | "email" | "sms" | a social strategy ("google-oauth2", "github", …)
    id: str
    enabled_clients: set[str] = field(default_factory=set)
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def provider(self) -> str:
        """The ``provider`` of its identities (the strategy: ``auth0`` for a database)."""
        return self.strategy

    @property
    def is_social(self) -> bool:
        """Neither a database nor passwordless."""
        return self.strategy != DATABASE_STRATEGY and self.strategy not in PASSWORDLESS_STRATEGIES

    @property
    def is_database(self) -> bool:
        """A username/password database (strategy ``auth0``)."""
        return self.strategy == DATABASE_STRATEGY

    def to_json(self) -> dict[str, Any]:
        """``GET /api/v2/connections`` item (``enabled_clients`` as the client IDs)."""
        return {
            "id": self.id,
            "name": self.name,
            "strategy": self.strategy,
            "options": dict(self.options),
            "enabled_clients": sorted(self.enabled_clients),
            "is_domain_connection": False,
            "realms": [self.name],
        }


def demo_clients(*, skip_callback_confirmation: bool) -> dict[str, Client]:
    """The fixed demo clients (native, SPA, regular web, M2M), by client ID."""
    clients = (
        Client(
            client_id=demo.NATIVE_CLIENT_ID,
            name="auth0link (native)",
            app_type="native",
            grant_types=("authorization_code", "refresh_token", DEVICE_GRANT, PASSWORDLESS_OTP_GRANT),
            callbacks=demo.CALLBACK_URLS,
            skip_non_verifiable_callback_uri_confirmation_prompt=skip_callback_confirmation,
        ),
        Client(
            client_id=demo.SPA_CLIENT_ID,
            name="Account linking SPA (demo)",
            app_type="spa",
            grant_types=("authorization_code", "implicit", "refresh_token"),
            callbacks=demo.SPA_CALLBACK_URLS,
            allowed_logout_urls=demo.SPA_CALLBACK_URLS,
            web_origins=demo.APP_ORIGINS,
            allowed_origins=demo.APP_ORIGINS,
            cross_origin_authentication=True,
        ),
        Client(
            client_id=demo.WEB_CLIENT_ID,
            name="Regular web app (demo)",
            app_type="regular_web",
            grant_types=(
                "authorization_code",
                "implicit",
                "refresh_token",
                "password",
                PASSWORD_REALM_GRANT,
                PASSWORDLESS_OTP_GRANT,
            ),
            client_secret=demo.WEB_CLIENT_SECRET,
            token_endpoint_auth_method="client_secret_post",  # noqa: S106 - a method name
            callbacks=demo.WEB_CALLBACK_URLS,
            allowed_logout_urls=demo.APP_ORIGINS,
        ),
        Client(
            client_id=demo.M2M_CLIENT_ID,
            name="auth0link (machine to machine)",
            app_type="non_interactive",
            grant_types=("client_credentials",),
            client_secret=demo.M2M_CLIENT_SECRET,
            token_endpoint_auth_method="client_secret_post",  # noqa: S106 - a method name
            scopes=demo.M2M_SCOPES,
        ),
    )
    return {client.client_id: client for client in clients}


def demo_connections(client_ids: list[str]) -> dict[str, Connection]:
    """The demo connections, each enabled for ``client_ids`` (the interactive demo clients)."""
    connections: dict[str, Connection] = {}
    for name, (strategy, _social, conn_id) in demo.CONNECTIONS.items():
        options: dict[str, Any] = {"passwordPolicy": "good"} if strategy == DATABASE_STRATEGY else {}
        connections[name] = Connection(name, strategy, conn_id, set(client_ids), options)
    return connections
