"""Typed values parsed from Auth0: users, identities, tokens, device authorizations, rate limits.

Parsing from Auth0's JSON lives here (``from_api``) so that every layer above sees typed values
with stable names, and ``to_json`` gives the stable ``--json`` keys.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from auth0link.errors import UsageError


def _str(data: dict[str, Any], key: str, default: str = "") -> str:
    value = data.get(key, default)
    return value if isinstance(value, str) else str(value) if value is not None else default


def _dict(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    return dict(value) if isinstance(value, dict) else {}


def split_user_id(user_id: str) -> tuple[str, str]:
    """``google-oauth2|109…`` → ``("google-oauth2", "109…")`` (provider is before the first ``|``)."""
    provider, sep, rest = user_id.partition("|")
    if not sep or not provider or not rest:
        raise UsageError(f"{user_id!r} is not a provider|id user ID.", hint="e.g. google-oauth2|1093…")
    return provider, rest


@dataclasses.dataclass(frozen=True)
class Identity:
    """One identity of a user (``identities[]`` in Auth0's user object)."""

    provider: str
    user_id: str
    connection: str
    is_social: bool
    profile_data: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def full_id(self) -> str:
        """``provider|user_id``: the user ID this identity had as a separate user."""
        return f"{self.provider}|{self.user_id}"

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Identity:
        """Parse one element of Auth0's ``identities`` array."""
        # Auth0 returns numeric user_ids for some social providers (e.g. GitHub): keep them as text.
        return cls(
            provider=_str(data, "provider"),
            user_id=_str(data, "user_id"),
            connection=_str(data, "connection"),
            is_social=bool(data.get("isSocial", False)),
            profile_data=_dict(data, "profileData"),
        )

    def to_json(self, *, primary_user_id: str | None = None) -> dict[str, Any]:
        """Stable ``--json`` keys."""
        return {
            "provider": self.provider,
            "user_id": self.user_id,
            "connection": self.connection,
            "is_social": self.is_social,
            "is_primary": primary_user_id is not None and self.full_id == primary_user_id,
            "email": self.profile_data.get("email"),
            "name": self.profile_data.get("name"),
        }


@dataclasses.dataclass(frozen=True)
class User:
    """The parts of Auth0's user object auth0link uses (``raw`` keeps the whole body)."""

    user_id: str
    email: str | None
    email_verified: bool
    name: str | None
    identities: tuple[Identity, ...]
    user_metadata: dict[str, Any]
    app_metadata: dict[str, Any]
    raw: dict[str, Any] = dataclasses.field(repr=False, compare=False, default_factory=dict)
    phone_number: str | None = None
    phone_verified: bool = False

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> User:
        """Parse ``GET /api/v2/users/{id}``."""
        identities = data.get("identities")
        return cls(
            user_id=_str(data, "user_id"),
            email=data.get("email") if isinstance(data.get("email"), str) else None,
            email_verified=data.get("email_verified") is True,
            name=data.get("name") if isinstance(data.get("name"), str) else None,
            identities=tuple(Identity.from_api(i) for i in identities if isinstance(i, dict))
            if isinstance(identities, list)
            else (),
            user_metadata=_dict(data, "user_metadata"),
            app_metadata=_dict(data, "app_metadata"),
            raw=dict(data),
            phone_number=data.get("phone_number") if isinstance(data.get("phone_number"), str) else None,
            phone_verified=data.get("phone_verified") is True,
        )

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> User:
        """A stand-in built from ID token claims, for an account whose profile cannot be read."""
        return cls.from_api({**claims, "user_id": claims.get("sub", "")})

    @property
    def contact(self) -> str | None:
        """The email, or the phone number of an account without one (an SMS login)."""
        return self.email or self.phone_number

    @property
    def contact_verified(self) -> bool:
        """Whether :attr:`contact` is verified (``email_verified``, else ``phone_verified``)."""
        return self.email_verified if self.email else self.phone_verified

    @property
    def primary_identity(self) -> Identity | None:
        """The identity whose ``provider|user_id`` is the user's own ID."""
        return next((i for i in self.identities if i.full_id == self.user_id), None)

    @property
    def secondary_identities(self) -> tuple[Identity, ...]:
        """Linked identities: everything but the primary (as the seeds filter them)."""
        return tuple(i for i in self.identities if i.full_id != self.user_id)

    def find_identity(self, provider: str, user_id: str) -> Identity | None:
        """The identity with this provider and user_id, if linked."""
        return next((i for i in self.identities if i.provider == provider and i.user_id == user_id), None)


@dataclasses.dataclass(frozen=True)
class TokenResponse:
    """A successful ``/oauth/token`` answer."""

    access_token: str
    token_type: str
    expires_in: int
    scope: str = ""
    id_token: str | None = None
    refresh_token: str | None = None

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> TokenResponse:
        """Parse the token endpoint's JSON (missing optional fields are None)."""
        try:
            expires_in = int(data.get("expires_in", 0))
        except (TypeError, ValueError):
            expires_in = 0
        return cls(
            access_token=_str(data, "access_token"),
            token_type=_str(data, "token_type", "Bearer"),
            expires_in=expires_in,
            scope=_str(data, "scope"),
            id_token=data.get("id_token") if isinstance(data.get("id_token"), str) else None,
            refresh_token=data.get("refresh_token") if isinstance(data.get("refresh_token"), str) else None,
        )

    def __repr__(self) -> str:
        """Never show a token."""
        return (
            f"TokenResponse(token_type={self.token_type!r}, expires_in={self.expires_in}, "
            f"scope={self.scope!r}, tokens=<hidden>)"
        )


@dataclasses.dataclass(frozen=True)
class DeviceAuthorization:
    """A ``/oauth/device/code`` answer (RFC 8628 §3.2)."""

    device_code: str = dataclasses.field(repr=False)
    user_code: str
    verification_uri: str
    verification_uri_complete: str | None
    expires_in: int
    interval: int

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> DeviceAuthorization:
        """Parse the device authorization response; interval defaults to 5 s (RFC 8628)."""
        return cls(
            device_code=_str(data, "device_code"),
            user_code=_str(data, "user_code"),
            verification_uri=_str(data, "verification_uri"),
            verification_uri_complete=data.get("verification_uri_complete")
            if isinstance(data.get("verification_uri_complete"), str)
            else None,
            expires_in=int(data.get("expires_in", 900)),
            interval=int(data.get("interval", 5)),
        )


@dataclasses.dataclass(frozen=True)
class RateLimit:
    """The last ``x-ratelimit-*`` headers seen (``reset`` is a UNIX timestamp)."""

    limit: int | None
    remaining: int | None
    reset: float | None
