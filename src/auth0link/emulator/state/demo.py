"""The built-in demo tenant: fixed client IDs, the demo secrets, connections and demo users.

Everything here is a constant so documentation, the CLI's ``--help`` and tests can quote it.
The IDs look like Auth0's (32 alphanumeric client IDs, ``con_`` + 16 connection IDs). The
clients themselves are built in :mod:`.applications`.
"""

from __future__ import annotations

from typing import Any, Final

NATIVE_CLIENT_ID: Final = "auth0linkEmulatorNativeClient001"
M2M_CLIENT_ID: Final = "auth0linkEmulatorM2MClient000001"
SPA_CLIENT_ID: Final = "auth0linkEmulatorSpaClient000001"
WEB_CLIENT_ID: Final = "auth0linkEmulatorWebClient000001"
# Demo credentials, printed by `auth0link emulator --json`; they only ever unlock the emulator.
M2M_CLIENT_SECRET: Final = "auth0link-emulator-demo-m2m-secret-not-a-real-secret-01234567890"  # noqa: S105 - public demo value
WEB_CLIENT_SECRET: Final = "auth0link-emulator-demo-web-secret-not-a-real-secret-01234567890"  # noqa: S105 - public demo value

CALLBACK_URLS: Final = (
    "http://127.0.0.1:8484/callback",
    "http://127.0.0.1:8485/callback",
    "http://127.0.0.1:8486/callback",
    "http://localhost:8484/callback",
    "http://localhost:8485/callback",
    "http://localhost:8486/callback",
)

# The single-page application and the regular web application live on the usual dev-server port.
APP_ORIGINS: Final = ("http://localhost:3000", "http://127.0.0.1:3000")
SPA_CALLBACK_URLS: Final = (*APP_ORIGINS, *(origin + "/" for origin in APP_ORIGINS))
WEB_CALLBACK_URLS: Final = tuple(origin + "/callback" for origin in APP_ORIGINS)

CURRENT_USER_SCOPES: Final = (
    "read:current_user",
    "update:current_user_identities",
    "update:current_user_metadata",
    "create:current_user_metadata",
    "delete:current_user_metadata",
)
# The configuration a deploy tool reads (a0deploy export): the demo M2M client may read it all.
CONFIG_READ_SCOPES: Final = (
    "read:client_grants",
    "read:resource_servers",
    "read:tenant_settings",
    "read:rules",
    "read:rules_configs",
    "read:hooks",
    "read:actions",
    "read:email_provider",
    "read:email_templates",
    "read:guardian_factors",
    "read:mfa_policies",
    "read:attack_protection",
    "read:log_streams",
    "read:prompts",
    "read:custom_domains",
    "read:branding",
    "read:phone_providers",
    "read:phone_templates",
    "read:roles",
    "read:organizations",
    "read:forms",
    "read:flows",
    "read:flows_vault_connections",
    "read:self_service_profiles",
    "read:connection_profiles",
    "read:user_attribute_profiles",
    "read:token_exchange_profiles",
    "read:network_acls",
    "read:event_streams",
    "read:directory_provisionings",
)
M2M_SCOPES: Final = (
    "read:users",
    "update:users",
    "delete:users",
    "create:users",
    "read:clients",
    "read:connections",
    *CONFIG_READ_SCOPES,
)

DATABASE: Final = "Username-Password-Authentication"

# name -> (provider/strategy, isSocial, connection id)
CONNECTIONS: Final[dict[str, tuple[str, bool, str]]] = {
    DATABASE: ("auth0", False, "con_Emu1atorDatabase"),
    "google-oauth2": ("google-oauth2", True, "con_Emu1atorGoogle00"),
    "github": ("github", True, "con_Emu1atorGitHub00"),
    "email": ("email", False, "con_Emu1atorEmail000"),
    "sms": ("sms", False, "con_Emu1atorSms00000"),
}
PROVIDER_TO_CONNECTION: Final = {provider: name for name, (provider, _, _) in CONNECTIONS.items()}

ALICE_PASSWORD: Final = "correct-horse-alice"  # noqa: S105 - public demo value
BOB_PASSWORD: Final = "correct-horse-bob"  # noqa: S105 - public demo value

# The users file format (`--users FILE`) is exactly this list, or {"users": [...]}.
DEMO_USERS: Final[tuple[dict[str, Any], ...]] = (
    {
        "user_id": "auth0|65f0a11ce0000000000000a1",
        "email": "alice@example.com",
        "email_verified": True,
        "password": ALICE_PASSWORD,
        "name": "Alice Example",
        "nickname": "alice",
        "user_metadata": {"theme": "light", "newsletter": True},
        "app_metadata": {"plan": "pro"},
    },
    {
        "user_id": "google-oauth2|109876543210987654321",
        "email": "alice@example.com",
        "email_verified": True,
        "name": "Alice Example (Google)",
        "nickname": "alice.example",
        "user_metadata": {"theme": "dark", "locale": "fr"},
    },
    {
        "user_id": "github|4242424",
        "email": "alice@example.com",
        "email_verified": False,
        "name": "alice-gh",
        "nickname": "alice-gh",
    },
    {
        "user_id": "email|65f0a11ce0000000000000e1",
        "email": "alice@example.com",
        "email_verified": True,
        "name": "alice@example.com",
        "nickname": "alice",
    },
    {
        "user_id": "auth0|65f0b0b0b0000000000000b1",
        "email": "bob@example.com",
        "email_verified": True,
        "password": BOB_PASSWORD,
        "name": "Bob Example",
        "nickname": "bob",
        "user_metadata": {"theme": "solarized"},
    },
    {
        "user_id": "sms|65f0ca401000000000000051",
        "phone_number": "+15555550123",
        "phone_verified": True,
        "name": "+15555550123",
        "nickname": "+15555550123",
    },
)
