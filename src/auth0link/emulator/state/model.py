"""The tenant's records: users and identities, SSO sessions, codes, refresh tokens.

Plain dataclasses with no knowledge of HTTP. Users and identities serialise exactly as the
Management API shows them (``to_json``); the other records live only in memory, except refresh
tokens, which ``--state`` keeps (see :mod:`.persistence`). Clients and connections are in
:mod:`.applications`.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, field
from typing import Any

from . import demo


def json_type(value: Any) -> str:
    """The JSON name of a decoded value's type (object, array, string, …), for error messages."""
    names = {dict: "object", list: "array", str: "string", bool: "boolean", int: "integer", float: "number"}
    return names.get(type(value), "null")


def iso(ts: float) -> str:
    """Format a UNIX time the way Auth0 does (``2024-03-12T10:00:00.000Z``)."""
    dt = datetime.datetime.fromtimestamp(ts, tz=datetime.UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


# Strategies that are not social (database, passwordless, enterprise); any other provider is a
# social connection (google-oauth2, github, facebook, windowslive, …).
NON_SOCIAL = frozenset(
    ("auth0", "email", "sms", "samlp", "waad", "adfs", "ad", "auth0-adldap", "oidc", "okta", "pingfederate")
)
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def is_social(connection: str, provider: str) -> bool:
    """``isSocial`` of an identity: the demo connection's flag, else by its provider."""
    known = demo.CONNECTIONS.get(connection)
    return known[1] if known is not None else provider not in NON_SOCIAL


def connection_id(name: str) -> str:
    """The ``con_…`` ID of a connection: the demo one's, else derived from its name.

    Connections met only in a loaded users file get a stable ID (``con_`` and 16 base-62
    characters of the SHA-256 of the name), so an export job can target them by ID.
    """
    known = demo.CONNECTIONS.get(name)
    if known is not None:
        return known[2]
    number = int.from_bytes(hashlib.sha256(name.encode()).digest()[:12], "big")
    chars = []
    for _ in range(16):
        number, digit = divmod(number, 62)
        chars.append(_BASE62[digit])
    return "con_" + "".join(chars)


class ManagementError(Exception):
    """A Management API failure with Auth0's error body fields."""

    def __init__(self, status: int, message: str, error_code: str) -> None:
        """Keep the HTTP status, the message and Auth0's ``errorCode``."""
        super().__init__(message)
        self.status = status
        self.message = message
        self.error_code = error_code


@dataclass
class Identity:
    """One entry of a user's ``identities`` array."""

    connection: str
    provider: str
    user_id: str
    is_social: bool
    profile_data: dict[str, Any] | None = None

    @property
    def full_id(self) -> str:
        """``provider|user_id``, the user ID this identity had (or has) as its own user."""
        return f"{self.provider}|{self.user_id}"

    def to_json(self) -> dict[str, Any]:
        """The identity as the Management API shows it."""
        body: dict[str, Any] = {
            "connection": self.connection,
            "provider": self.provider,
            "user_id": self.user_id,
            "isSocial": self.is_social,
        }
        if self.profile_data is not None:
            body["profileData"] = dict(self.profile_data)
        return body

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Identity:
        """Inverse of :meth:`to_json`."""
        profile = data.get("profileData")
        if profile is not None and not isinstance(profile, dict):
            raise TypeError("profileData must be an object")
        return cls(
            connection=str(data["connection"]),
            provider=str(data["provider"]),
            user_id=str(data["user_id"]),
            is_social=bool(data.get("isSocial", False)),
            profile_data=profile,
        )


# profileData's keys in Auth0's order, from a real tenant's link answer (auth0/go-auth0,
# test/data/recordings/TestUserManager_Link.yaml): a database user's profile without ``name``
# (Auth0 derives that one); other providers' profiles (social, passwordless) keep ``name``.
_PROFILE_KEYS = (
    "email",
    "name",
    "given_name",
    "family_name",
    "username",
    "nickname",
    "picture",
    "email_verified",
    "phone_number",
    "phone_verified",
)


@dataclass
class User:
    """A tenant user, serialised exactly as ``GET /api/v2/users/{id}`` returns it."""

    user_id: str
    identities: list[Identity]
    email: str | None = None
    email_verified: bool = False
    phone_number: str | None = None
    phone_verified: bool = False
    name: str = ""
    nickname: str = ""
    picture: str = ""
    user_metadata: dict[str, Any] = field(default_factory=dict)
    app_metadata: dict[str, Any] = field(default_factory=dict)
    created_at: str = ""
    updated_at: str = ""
    last_login: str | None = None
    logins_count: int = 0
    # Root attributes the emulator keeps but does not interpret (given_name, family_name,
    # username, blocked, last_ip, multifactor, …), from --users files, exports and PATCH.
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The Management API representation.

        Like Auth0, ``user_metadata``/``app_metadata`` are omitted while empty, ``last_login``
        and ``logins_count`` before the first login, and ``email``/``phone_number`` when the user
        has none; the :attr:`extra` attributes come after the ones the emulator knows.
        """
        body: dict[str, Any] = {"user_id": self.user_id}
        if self.email is not None:
            body["email"] = self.email
            body["email_verified"] = self.email_verified
        if self.phone_number is not None:
            body["phone_number"] = self.phone_number
            body["phone_verified"] = self.phone_verified
        body.update(
            name=self.name,
            nickname=self.nickname,
            picture=self.picture,
            created_at=self.created_at,
            updated_at=self.updated_at,
            identities=[identity.to_json() for identity in self.identities],
        )
        if self.logins_count:  # absent until the first login (a real tenant's new users have none)
            body["logins_count"] = self.logins_count
        if self.last_login is not None:
            body["last_login"] = self.last_login
        if self.user_metadata:
            body["user_metadata"] = self.user_metadata
        if self.app_metadata:
            body["app_metadata"] = self.app_metadata
        if self.extra:
            body.update(self.extra)
        return body

    def profile(self) -> dict[str, Any]:
        """The user's ``profileData``: its own identity's profile, as a link answer shows it.

        The keys the user has, in Auth0's order (:data:`_PROFILE_KEYS`); ``name`` only for
        identities that are not a database's, empty strings left out.
        """
        body = self.to_json()
        database = self.identities[0].provider == "auth0"
        return {
            key: body[key]
            for key in _PROFILE_KEYS
            if key in body and body[key] != "" and not (database and key == "name")
        }

    def identities_answer(self) -> list[dict[str, Any]]:
        """The identities a link or unlink answers with: each with its ``profileData``.

        A real tenant shows the primary's own identity with the primary's profile too
        (auth0/go-auth0, test/data/recordings/TestUserManager_Link.yaml and
        TestUserManager_Unlink.yaml), though ``GET /users/{id}`` leaves it off.
        """
        own, *linked = self.identities
        first = Identity(own.connection, own.provider, own.user_id, own.is_social, self.profile())
        return [first.to_json(), *(identity.to_json() for identity in linked)]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> User:
        """Inverse of :meth:`to_json` (other keys become :attr:`extra`; at least one identity)."""
        identities = [Identity.from_json(i) for i in data["identities"]]
        if not identities:
            raise ValueError(f"user {data['user_id']!r} has no identities")
        return cls(
            user_id=str(data["user_id"]),
            identities=identities,
            email=data.get("email"),
            email_verified=bool(data.get("email_verified", False)),
            phone_number=data.get("phone_number"),
            phone_verified=bool(data.get("phone_verified", False)),
            name=str(data.get("name", "")),
            nickname=str(data.get("nickname", "")),
            picture=str(data.get("picture", "")),
            user_metadata=dict(data.get("user_metadata") or {}),
            app_metadata=dict(data.get("app_metadata") or {}),
            created_at=str(data.get("created_at", "")),
            updated_at=str(data.get("updated_at", "")),
            last_login=data.get("last_login"),
            logins_count=int(data.get("logins_count", 0)),
            extra={key: value for key, value in data.items() if key not in USER_FIELDS},
        )


# The keys of a user body that map to User attributes (everything else is User.extra).
USER_FIELDS = frozenset(
    (
        "user_id",
        "identities",
        "email",
        "email_verified",
        "phone_number",
        "phone_verified",
        "name",
        "nickname",
        "picture",
        "user_metadata",
        "app_metadata",
        "created_at",
        "updated_at",
        "last_login",
        "logins_count",
    )
)


@dataclass
class SsoSession:
    """The browser's SSO session (cookie ``auth0`` holds ``sid``)."""

    sid: str
    user_id: str
    auth_time: int
    connection: str


@dataclass
class AuthCode:
    """An authorization code (single use, 60 s; undocumented lifetime, 60 s is common)."""

    client_id: str
    redirect_uri: str
    code_challenge: str | None
    user_id: str
    scope: str
    audience: str | None
    nonce: str | None
    sid: str
    auth_time: int
    include_auth_time: bool
    expires: float


@dataclass
class DeviceCode:
    """A device authorization (RFC 8628): pending → approved | denied → used."""

    device_code: str
    user_code: str
    client_id: str
    scope: str
    audience: str | None
    expires: float
    status: str = "pending"  # pending | approved | denied | used
    user_id: str | None = None
    sid: str | None = None
    auth_time: int | None = None
    last_poll: float | None = None
    expired_reported: bool = False

    def awaiting_user(self, now: float) -> bool:
        """Still waiting for the user at ``/activate`` (pending and unexpired)."""
        return self.status == "pending" and self.expires > now

    def approve(self, session: SsoSession) -> None:
        """The user confirmed and is logged in: the next poll gets tokens for ``session``."""
        self.status = "approved"
        self.user_id = session.user_id
        self.sid = session.sid
        self.auth_time = session.auth_time

    def deny(self) -> None:
        """The user cancelled the confirmation."""
        self.status = "denied"

    def poll(self, now: float, interval: int) -> str:
        """Account for one token-endpoint poll and return its outcome.

        One of ``invalid``, ``expired`` (reported once, then ``invalid``), ``denied``,
        ``slow_down`` (sooner than 80 % of the interval: an undocumented tolerance), ``pending``
        or ``approved``; ``denied`` and ``approved`` use the code up.
        """
        if self.status == "used":
            return "invalid"
        if now >= self.expires and self.status != "approved":
            if self.expired_reported:
                return "invalid"
            self.expired_reported = True
            return "expired"
        if self.status == "denied":
            self.status = "used"
            return "denied"
        if self.status == "pending":
            last, self.last_poll = self.last_poll, now
            return "slow_down" if last is not None and now - last < interval * 0.8 else "pending"
        self.status = "used"
        return "approved"


@dataclass
class RefreshToken:
    """A rotating refresh token; tokens of one login share a ``family``."""

    client_id: str
    user_id: str
    scope: str
    audience: str | None
    family: str
    sid: str | None = None
    used_at: float | None = None

    def to_json(self) -> dict[str, Any]:
        """For the state file."""
        return dict(self.__dict__)


def bare_user(identity: Identity, stamp: str) -> User:
    """The separate user an unlinked identity becomes: its profileData, no metadata."""
    profile = dict(identity.profile_data or {})
    return User(
        user_id=identity.full_id,
        identities=[Identity(identity.connection, identity.provider, identity.user_id, identity.is_social)],
        email=profile.get("email"),
        email_verified=bool(profile.get("email_verified", False)),
        phone_number=profile.get("phone_number"),
        phone_verified=bool(profile.get("phone_verified", False)),
        name=str(profile.get("name") or profile.get("email") or profile.get("phone_number") or ""),
        nickname=str(profile.get("nickname", "")),
        picture=str(profile.get("picture", "")),
        created_at=stamp,
        updated_at=stamp,
        extra={key: profile[key] for key in ("given_name", "family_name", "username") if key in profile},
    )
