"""The Management API's answers for what an account-linking tenant does not use: a fresh tenant's.

Tools that read a whole tenant (``a0deploy export``, Terraform, ``auth0 tf generate``) read every
resource type; a real fresh tenant answers each with an empty list, its defaults, a 404 for
what is not set up (an email provider, a theme), or a 403 for a deprecated feature (rules,
rules configs and hooks on tenants created after their end of life: "Insufficient privileges
to use this deprecated feature"). The emulator answers the same, after the same scope check as
Auth0 (403 ``insufficient_scope`` "Insufficient scope, expected any of: …").

Each row: a path pattern (``*`` matches one segment), the scopes that may read it, and the
answer. A list answer honours ``include_totals`` (``{start, limit, total, <key>}``) and, where
Auth0 offers it, checkpoint paging (``{<key>, next}``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from ..state.model import ManagementError
from . import listing
from .checks import require

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..state.tenant import Tenant


@dataclass(frozen=True)
class Empty:
    """An empty list (its ``include_totals`` key; ``checkpoint``: Auth0 pages it by checkpoint)."""

    key: str
    checkpoint: bool = False


@dataclass(frozen=True)
class Refused:
    """An error answer: 403 for a deprecated feature, 404 for what a fresh tenant has not set up."""

    status: int
    message: str
    error_code: str


_DEPRECATED: Final = Refused(
    403, "Insufficient privileges to use this deprecated feature", "insufficient_privileges"
)
_TRIGGERS: Final = (
    ("post-login", "v3"),
    ("credentials-exchange", "v2"),
    ("pre-user-registration", "v2"),
    ("post-user-registration", "v2"),
    ("post-change-password", "v2"),
    ("send-phone-message", "v2"),
    ("password-reset-post-challenge", "v1"),
)
_SMS_TEMPLATES: Final = {
    "enrollment_message": (
        "{{code}} is your verification code for {{tenant.friendly_name}}. "
        "Please enter this code to verify your enrollment."
    ),
    "verification_message": "{{code}} is your verification code for {{tenant.friendly_name}}",
}
_FACTORS: Final = (
    "sms",
    "phone-message-hook",
    "push-notification",
    "otp",
    "email",
    "duo",
    "webauthn-roaming",
    "webauthn-platform",
    "recovery-code",
)

# (pattern, scopes, answer): the first matching pattern answers.
TABLE: Final[tuple[tuple[str, tuple[str, ...], Any], ...]] = (
    ("rules", ("read:rules",), _DEPRECATED),
    ("rules-configs", ("read:rules_configs",), _DEPRECATED),
    ("hooks", ("read:hooks",), _DEPRECATED),
    ("actions/actions", ("read:actions",), {"actions": [], "total": 0, "page": 0, "per_page": 50}),
    (
        "actions/triggers",
        ("read:actions",),
        {
            "triggers": [
                {"id": name, "version": version, "status": "CURRENT", "runtimes": ["node18", "node22"]}
                for name, version in _TRIGGERS
            ]
        },
    ),
    (
        "actions/triggers/*/bindings",
        ("read:actions",),
        {"bindings": [], "total": 0, "page": 0, "per_page": 50},
    ),
    ("actions/modules", ("read:actions",), {"modules": [], "total": 0, "page": 0, "per_page": 50}),
    (
        "guardian/factors",
        ("read:guardian_factors",),
        [{"name": name, "enabled": False, "trial_expired": False} for name in _FACTORS],
    ),
    ("guardian/factors/sms/templates", ("read:guardian_factors",), _SMS_TEMPLATES),
    ("guardian/factors/sms/selected-provider", ("read:guardian_factors",), {"provider": "auth0"}),
    ("guardian/factors/phone/selected-provider", ("read:guardian_factors",), {"provider": "auth0"}),
    ("guardian/factors/phone/message-types", ("read:guardian_factors",), {"message_types": ["sms"]}),
    ("guardian/factors/phone/templates", ("read:guardian_factors",), _SMS_TEMPLATES),
    ("guardian/factors/*/providers/*", ("read:guardian_factors",), {}),
    ("guardian/policies", ("read:mfa_policies",), []),
    (
        "attack-protection/brute-force-protection",
        ("read:attack_protection",),
        {
            "enabled": True,
            "shields": ["block", "user_notification"],
            "mode": "count_per_identifier_and_ip",
            "allowlist": [],
            "max_attempts": 10,
        },
    ),
    (
        "attack-protection/suspicious-ip-throttling",
        ("read:attack_protection",),
        {
            "enabled": True,
            "shields": ["admin_notification", "block"],
            "allowlist": [],
            "stage": {
                "pre-login": {"max_attempts": 100, "rate": 864000},
                "pre-user-registration": {"max_attempts": 50, "rate": 1200},
            },
        },
    ),
    (
        "attack-protection/breached-password-detection",
        ("read:attack_protection",),
        {
            "enabled": False,
            "shields": [],
            "admin_notification_frequency": [],
            "method": "standard",
            "stage": {"pre-user-registration": {"shields": []}, "pre-change-password": {"shields": []}},
        },
    ),
    (
        "attack-protection/bot-detection",
        ("read:attack_protection",),
        {
            "bot_detection_level": "medium",
            "challenge_password_policy": "never",
            "challenge_passwordless_policy": "never",
            "challenge_password_reset_policy": "never",
            "allowlist": [],
            "monitoring_mode_enabled": False,
        },
    ),
    ("attack-protection/captcha", ("read:attack_protection",), {"active_provider_id": "auth_challenge"}),
    ("log-streams", ("read:log_streams",), []),
    (
        "prompts",
        ("read:prompts",),
        {
            "universal_login_experience": "new",
            "identifier_first": False,
            "webauthn_platform_first_factor": False,
        },
    ),
    ("prompts/*/custom-text/*", ("read:prompts",), {}),
    (
        "prompts/*/partials",
        ("read:prompts",),
        # Partials need a custom domain, which a fresh tenant has not (errorCode undocumented).
        Refused(
            400,
            "This feature requires at least one custom domain to be configured for the tenant.",
            "invalid_request",
        ),
    ),
    ("prompts/rendering", ("read:prompts",), Empty("configs")),
    ("custom-domains", ("read:custom_domains",), []),
    ("branding", ("read:branding",), {}),
    (
        "branding/templates/universal-login",
        ("read:branding",),
        Refused(404, "Template does not exist", "inexistent_template"),
    ),
    (
        "branding/themes/default",
        ("read:branding",),
        Refused(404, "There was an error retrieving branding settings: invalid theme ID", "theme_not_found"),
    ),
    ("branding/phone/providers", ("read:phone_providers",), {"providers": []}),
    ("branding/phone/templates", ("read:phone_templates",), {"templates": []}),
    (
        "email-templates/*",
        ("read:email_templates",),
        Refused(404, "Template not found", "inexistent_email_template"),
    ),
    (
        "emails/provider",
        ("read:email_provider",),
        Refused(404, "Email provider does not exist", "inexistent_email_provider"),
    ),
    ("roles", ("read:roles",), Empty("roles")),
    ("organizations", ("read:organizations",), Empty("organizations", checkpoint=True)),
    ("forms", ("read:forms",), Empty("forms")),
    ("flows", ("read:flows",), Empty("flows")),
    ("flows/vault/connections", ("read:flows_vault_connections",), Empty("connections")),
    ("self-service-profiles", ("read:self_service_profiles",), Empty("self_service_profiles")),
    ("connection-profiles", ("read:connection_profiles",), Empty("connection_profiles", checkpoint=True)),
    (
        "user-attribute-profiles",
        ("read:user_attribute_profiles",),
        Empty("user_attribute_profiles", checkpoint=True),
    ),
    (
        "token-exchange-profiles",
        ("read:token_exchange_profiles",),
        Empty("token_exchange_profiles", checkpoint=True),
    ),
    ("network-acls", ("read:network_acls",), Empty("network_acls")),
    ("event-streams", ("read:event_streams",), Empty("eventStreams", checkpoint=True)),
    (
        "connections-directory-provisionings",
        ("read:directory_provisionings",),
        Empty("directory_provisionings", checkpoint=True),
    ),
    ("supplemental-signals", ("read:attack_protection",), {"akamai_enabled": False}),
    ("logs", ("read:logs", "read:logs_users"), Empty("logs", checkpoint=True)),
)


def _matches(pattern: str, parts: list[str]) -> bool:
    want = pattern.split("/")
    return len(want) == len(parts) and all(w in ("*", p) for w, p in zip(want, parts, strict=True))


def _answer(answer: Any, query: dict[str, list[str]]) -> tuple[int, Any]:
    if isinstance(answer, Refused):
        raise ManagementError(answer.status, answer.message, answer.error_code)
    if isinstance(answer, Empty):
        return 200, listing.page([], query, answer.key, checkpoint=answer.checkpoint)
    return 200, answer


def route(
    method: str, parts: list[str]
) -> Callable[[Tenant, dict[str, Any], list[str], dict[str, list[str]]], tuple[int, Any]] | None:
    """The fresh tenant's handler for a ``GET`` of ``parts``, or ``None``."""
    if method != "GET" or not all(parts):
        return None
    for pattern, scopes, answer in TABLE:
        if _matches(pattern, parts):

            def handler(
                _tenant: Tenant,
                claims: dict[str, Any],
                _parts: list[str],
                query: dict[str, list[str]],
                scopes: tuple[str, ...] = scopes,
                answer: Any = answer,
            ) -> tuple[int, Any]:
                require(claims, scopes, (), None)
                return _answer(answer, query)

            return handler
    return None
