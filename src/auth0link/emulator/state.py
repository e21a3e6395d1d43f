"""Tenant state: users and identities, clients, SSO sessions, codes, refresh tokens, outbox.

A :class:`Tenant` holds everything the emulator knows. It is mutated only from the event loop
(all route handlers are ``async`` and never ``await`` in the middle of a change), so it needs no
lock. ``to_json``/``from_json`` round-trip the durable part (signing key, users, passwords,
refresh tokens) for ``--state``; :func:`save_state` writes it atomically with mode 0600.

The linking rules follow Auth0 (see ``AUTH0_API.md``): linking moves the secondary's identities
into the primary (the first one gains ``profileData``), deletes the secondary user and discards
its ``user_metadata``/``app_metadata``; unlinking recreates the identity as a separate, bare user.
"""

from __future__ import annotations

import datetime
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from auth0link.emulator import demo
from auth0link.emulator.keys import SigningKey
from auth0link.errors import ConfigurationError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from pathlib import Path

STATE_VERSION = 1
USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"  # Auth0's default: consonants, no vowels


def iso(ts: float) -> str:
    """Format a UNIX time the way Auth0 does (``2024-03-12T10:00:00.000Z``)."""
    dt = datetime.datetime.fromtimestamp(ts, tz=datetime.UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


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
        return cls(
            connection=str(data["connection"]),
            provider=str(data["provider"]),
            user_id=str(data["user_id"]),
            is_social=bool(data.get("isSocial", False)),
            profile_data=data.get("profileData"),
        )


_PROFILE_FIELDS = ("email", "email_verified", "name", "nickname", "picture", "phone_number")


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

    def to_json(self) -> dict[str, Any]:
        """The Management API representation.

        Like Auth0, ``user_metadata``/``app_metadata`` are omitted while empty, ``last_login``
        before the first login, and ``email``/``phone_number`` when the user has none.
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
            logins_count=self.logins_count,
        )
        if self.last_login is not None:
            body["last_login"] = self.last_login
        if self.user_metadata:
            body["user_metadata"] = self.user_metadata
        if self.app_metadata:
            body["app_metadata"] = self.app_metadata
        return body

    def profile(self) -> dict[str, Any]:
        """The profile attributes copied into ``profileData`` when this user becomes secondary."""
        body = self.to_json()
        return {key: body[key] for key in (*_PROFILE_FIELDS, "phone_verified") if key in body}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> User:
        """Inverse of :meth:`to_json` (extra keys are ignored)."""
        return cls(
            user_id=str(data["user_id"]),
            identities=[Identity.from_json(i) for i in data.get("identities", [])],
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
        )


@dataclass(frozen=True)
class Client:
    """An application registered in the tenant."""

    client_id: str
    name: str
    app_type: str  # "native" | "non_interactive"
    grant_types: tuple[str, ...]
    client_secret: str | None = None
    callbacks: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ()  # Management API scopes it may obtain
    skip_non_verifiable_callback_uri_confirmation_prompt: bool = False


@dataclass
class SsoSession:
    """The browser's SSO session (cookie ``auth0`` holds ``sid``)."""

    sid: str
    user_id: str
    auth_time: int
    connection: str


@dataclass
class Transaction:
    """A login in progress: ``/authorize`` or a device activation, keyed by ``state``."""

    id: str
    kind: str  # "authorize" | "device"
    client_id: str
    params: dict[str, str]
    created: float
    connection: str | None = None  # forced by the request (authorize `connection=`)
    prompted: bool = False  # a login page was answered in this transaction
    user_id: str | None = None  # authenticated user (before the final redirect)
    login_connection: str | None = None
    auth_time: int | None = None
    pending_otp: dict[str, str] | None = None  # {"to", "code", "connection"}
    device_code: str | None = None


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
    """A device authorization (RFC 8628)."""

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


@dataclass
class Tenant:
    """All emulator state. ``base_url`` has no trailing slash; the issuer is ``base_url + '/'``."""

    base_url: str
    key: SigningKey
    clock: Callable[[], float] = time.time
    token_ttl: int = 86400
    id_token_ttl: int = 36000
    device_interval: int = 5
    device_ttl: int = 900
    refresh_leeway: float = 2.0
    skip_callback_confirmation: bool = False
    users: dict[str, User] = field(default_factory=dict)
    passwords: dict[str, str] = field(default_factory=dict)  # "auth0|…" identity -> password
    sessions: dict[str, SsoSession] = field(default_factory=dict)
    transactions: dict[str, Transaction] = field(default_factory=dict)
    codes: dict[str, AuthCode] = field(default_factory=dict)
    device_codes: dict[str, DeviceCode] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshToken] = field(default_factory=dict)
    revoked_families: set[str] = field(default_factory=set)
    outbox: list[dict[str, Any]] = field(default_factory=list)
    clients: dict[str, Client] = field(default_factory=dict)
    # "provider|id" of every linked (non-primary) identity -> the user_id that holds it, so that
    # find_identity_owner is O(1) (loading a tenant of N users was O(N^2) with a scan).
    linked_owners: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Register the two fixed demo clients."""
        if not self.clients:
            native = Client(
                client_id=demo.NATIVE_CLIENT_ID,
                name="auth0link (native)",
                app_type="native",
                grant_types=(
                    "authorization_code",
                    "refresh_token",
                    "urn:ietf:params:oauth:grant-type:device_code",
                ),
                callbacks=demo.CALLBACK_URLS,
                scopes=demo.CURRENT_USER_SCOPES,
                skip_non_verifiable_callback_uri_confirmation_prompt=self.skip_callback_confirmation,
            )
            m2m = Client(
                client_id=demo.M2M_CLIENT_ID,
                name="auth0link (machine to machine)",
                app_type="non_interactive",
                grant_types=("client_credentials",),
                client_secret=demo.M2M_CLIENT_SECRET,
                scopes=demo.M2M_SCOPES,
            )
            self.clients = {native.client_id: native, m2m.client_id: m2m}

    # -- identifiers --------------------------------------------------------------------------

    @property
    def issuer(self) -> str:
        """``BASE/`` (with the trailing slash, as Auth0)."""
        return self.base_url + "/"

    @property
    def api_audience(self) -> str:
        """The Management API audience, ``BASE/api/v2/``."""
        return self.base_url + "/api/v2/"

    def now(self) -> float:
        """The tenant clock (injectable so tests can move time)."""
        return self.clock()

    def new_user_code(self) -> str:
        """A fresh ``BCDF-GHJK``-style user code."""
        while True:
            raw = "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(8))
            code = f"{raw[:4]}-{raw[4:]}"
            if all(d.user_code != code for d in self.device_codes.values()):
                return code

    # -- users --------------------------------------------------------------------------------

    def add_user(self, spec: dict[str, Any]) -> User:
        """Create a user from a users-file entry (see :data:`demo.DEMO_USERS`)."""
        user_id = spec.get("user_id")
        if not isinstance(user_id, str) or "|" not in user_id:
            raise ValueError(f"user_id must look like 'provider|id', got {user_id!r}")
        provider, _, raw_id = user_id.partition("|")
        connection = spec.get("connection") or demo.PROVIDER_TO_CONNECTION.get(provider)
        if connection not in demo.CONNECTIONS:
            raise ValueError(f"unknown connection for {user_id!r}: {connection!r}")
        _, is_social, _ = demo.CONNECTIONS[connection]
        if user_id in self.users or self.find_identity_owner(provider, raw_id) is not None:
            raise ValueError(f"duplicate user_id {user_id!r}")
        stamp = iso(self.now())
        email = spec.get("email")
        user = User(
            user_id=user_id,
            identities=[Identity(connection, provider, raw_id, is_social)],
            email=email.lower() if isinstance(email, str) else None,
            email_verified=bool(spec.get("email_verified", False)),
            phone_number=spec.get("phone_number"),
            phone_verified=bool(spec.get("phone_verified", False)),
            name=str(spec.get("name") or email or spec.get("phone_number") or raw_id),
            nickname=str(spec.get("nickname") or (email or raw_id).split("@")[0]),
            picture=str(
                spec.get("picture") or f"https://s.gravatar.com/avatar/{secrets.token_hex(16)}?s=480&d=retro"
            ),
            user_metadata=dict(spec.get("user_metadata") or {}),
            app_metadata=dict(spec.get("app_metadata") or {}),
            created_at=str(spec.get("created_at") or stamp),
            updated_at=str(spec.get("updated_at") or stamp),
        )
        if "password" in spec:
            if provider != "auth0":
                raise ValueError(f"only database (auth0|…) users have a password: {user_id!r}")
            self.passwords[user_id] = str(spec["password"])
        self.users[user_id] = user
        return user

    def load_users(self, specs: Iterable[dict[str, Any]]) -> None:
        """Replace all users with ``specs``."""
        self.users.clear()
        self.passwords.clear()
        for spec in specs:
            self.add_user(spec)

    def find_identity_owner(self, provider: str, raw_id: str) -> User | None:
        """The user (primary) that holds the identity ``provider|raw_id``, if any."""
        direct = self.users.get(f"{provider}|{raw_id}")
        if direct is not None:
            return direct
        owner = self.linked_owners.get(f"{provider}|{raw_id}")
        return self.users.get(owner) if owner is not None else None

    def reindex_linked(self) -> None:
        """Rebuild :attr:`linked_owners` from the users (after loading state)."""
        self.linked_owners = {
            identity.full_id: user.user_id for user in self.users.values() for identity in user.identities[1:]
        }

    def accounts_for(self, connection: str) -> list[tuple[Identity, User]]:
        """Every identity of ``connection`` with its owning user (for account choosers)."""
        return [
            (identity, user)
            for user in self.users.values()
            for identity in user.identities
            if identity.connection == connection
        ]

    def identity_profile(self, identity: Identity, owner: User) -> dict[str, Any]:
        """The profile the identity provider knows for ``identity`` (own user or profileData)."""
        if identity.profile_data is not None:
            return identity.profile_data
        return owner.profile()

    def get_user(self, user_id: str) -> User:
        """The user, or a 404 ``inexistent_user``."""
        user = self.users.get(user_id)
        if user is None:
            raise ManagementError(404, "The user does not exist.", "inexistent_user")
        return user

    def users_by_email(self, email: str) -> list[User]:
        """Users whose ``email`` equals ``email`` (Auth0 documents this lookup as exact)."""
        return [u for u in self.users.values() if u.email == email]

    def record_login(self, user: User) -> None:
        """Bump ``logins_count`` and ``last_login`` as a successful login does."""
        user.logins_count += 1
        user.last_login = iso(self.now())

    def create_social_user(self, connection: str, email: str) -> User:
        """First login of an unknown account at a social/passwordless connection (a sign-up)."""
        provider, _, _ = demo.CONNECTIONS[connection]
        raw = (
            str(secrets.randbelow(10**20) + 10**20)
            if provider == "google-oauth2"
            else str(secrets.randbelow(10**8) + 10**7)
            if provider == "github"
            else secrets.token_hex(12)
        )
        spec: dict[str, Any] = {"user_id": f"{provider}|{raw}", "connection": connection}
        if provider == "sms":
            spec.update(phone_number=email, phone_verified=True)
        else:
            # A social IdP's email is whatever it asserts; we call new accounts verified
            # except on GitHub, whose demo user models an unverified email.
            spec.update(email=email, email_verified=provider != "github")
        return self.add_user(spec)

    def patch_user(self, user: User, body: dict[str, Any]) -> None:
        """Apply a PATCH body: top-level merge of ``*_metadata`` (``null`` deletes a key)."""
        for meta_key in ("user_metadata", "app_metadata"):
            if meta_key not in body:
                continue
            patch = body[meta_key]
            target = getattr(user, meta_key)
            if patch is None:
                target.clear()
                continue
            for key, value in patch.items():
                if value is None:
                    target.pop(key, None)
                else:
                    target[key] = value
        for attr in ("name", "nickname", "picture"):
            if attr in body:
                setattr(user, attr, str(body[attr]))
        if "email_verified" in body:
            user.email_verified = bool(body["email_verified"])
        if "email" in body:
            user.email = str(body["email"]).lower()
        user.updated_at = iso(self.now())

    def delete_user(self, user_id: str) -> None:
        """Delete a user and every identity linked to it (Auth0 answers 204 even when absent)."""
        user = self.users.pop(user_id, None)
        if user is None:
            return
        for identity in user.identities[1:]:
            self.linked_owners.pop(identity.full_id, None)
        self.passwords.pop(user_id, None)
        for token in [t for t, r in self.refresh_tokens.items() if r.user_id == user_id]:
            del self.refresh_tokens[token]

    # -- linking ------------------------------------------------------------------------------

    def link(
        self, primary_id: str, provider: str, raw_id: str, connection_id: str | None = None
    ) -> list[dict[str, Any]]:
        """Link ``provider|raw_id`` into ``primary_id``; return the new identities array."""
        primary = self.get_user(primary_id)
        secondary_id = f"{provider}|{raw_id}"
        if secondary_id == primary_id or any(
            i.provider == provider and i.user_id == raw_id for i in primary.identities
        ):
            if secondary_id == primary_id:
                # Auth0's message for linking a user to itself.
                raise ManagementError(400, "Main identity and the new one are the same.", "invalid_body")
            # Undocumented: an identity already linked to this primary. 409 is the most
            # plausible (the state conflicts with the request) and what `Conflict` expects.
            raise ManagementError(409, "The identity is already linked to this user.", "identity_conflict")
        secondary = self.users.get(secondary_id)
        if secondary is None:
            owner = self.find_identity_owner(provider, raw_id)
            if owner is not None:
                # Undocumented: the identity is already linked to another primary.
                raise ManagementError(
                    409,
                    f"The identity {secondary_id} is already linked to another user.",
                    "identity_conflict",
                )
            raise ManagementError(404, "The user does not exist.", "inexistent_user")
        if connection_id is not None:
            conn = demo.CONNECTIONS.get(secondary.identities[0].connection)
            if conn is None or conn[2] != connection_id:
                raise ManagementError(
                    400,
                    f"The connection {connection_id} does not match the secondary user's.",
                    "invalid_body",
                )
        moved = [Identity(**i.__dict__) for i in secondary.identities]
        moved[0].profile_data = secondary.profile()
        primary.identities.extend(moved)
        for identity in moved:
            self.linked_owners[identity.full_id] = primary.user_id
        primary.updated_at = iso(self.now())
        del self.users[secondary_id]  # its user_metadata/app_metadata are discarded
        return [identity.to_json() for identity in primary.identities]

    def unlink(self, primary_id: str, provider: str, raw_id: str) -> list[dict[str, Any]]:
        """Unlink ``provider|raw_id`` from ``primary_id``; it becomes a separate bare user."""
        primary = self.get_user(primary_id)
        if primary.identities[0].provider == provider and primary.identities[0].user_id == raw_id:
            # Undocumented text; Auth0 refuses to remove the primary identity with a 400.
            raise ManagementError(400, "Main identity cannot be removed.", "invalid_uri")
        for identity in primary.identities:
            if identity.provider == provider and identity.user_id == raw_id:
                break
        else:
            # Undocumented: unlinking an identity the user does not have. A 404 naming the
            # identity is the most plausible (the CLI maps it to NotFound).
            raise ManagementError(
                404,
                f"The identity {provider}|{raw_id} is not linked to this user.",
                "inexistent_identity",
            )
        primary.identities.remove(identity)
        self.linked_owners.pop(identity.full_id, None)
        primary.updated_at = iso(self.now())
        profile = dict(identity.profile_data or {})
        stamp = iso(self.now())
        restored = User(
            user_id=identity.full_id,
            identities=[
                Identity(identity.connection, identity.provider, identity.user_id, identity.is_social)
            ],
            email=profile.get("email"),
            email_verified=bool(profile.get("email_verified", False)),
            phone_number=profile.get("phone_number"),
            phone_verified=bool(profile.get("phone_verified", False)),
            name=str(profile.get("name", "")),
            nickname=str(profile.get("nickname", "")),
            picture=str(profile.get("picture", "")),
            created_at=stamp,
            updated_at=stamp,
        )
        self.users[restored.user_id] = restored
        return [i.to_json() for i in primary.identities]

    # -- refresh tokens -----------------------------------------------------------------------

    def issue_refresh_token(
        self,
        *,
        client_id: str,
        user_id: str,
        scope: str,
        audience: str | None,
        sid: str | None,
        family: str | None = None,
    ) -> str:
        """Mint a refresh token (a new family unless ``family`` is given)."""
        token = "v1." + secrets.token_urlsafe(48)
        self.refresh_tokens[token] = RefreshToken(
            client_id=client_id,
            user_id=user_id,
            scope=scope,
            audience=audience,
            family=family or secrets.token_hex(8),
            sid=sid,
        )
        return token

    def revoke_family(self, family: str) -> None:
        """Revoke every refresh token of ``family`` (reuse detection, /oauth/revoke)."""
        self.revoked_families.add(family)
        for token in [t for t, r in self.refresh_tokens.items() if r.family == family]:
            del self.refresh_tokens[token]

    # -- outbox -------------------------------------------------------------------------------

    def send_code(self, to: str, connection: str) -> str:
        """Send a one-time code by email/SMS: append it to the outbox and return it."""
        code = f"{secrets.randbelow(10**6):06d}"
        kind = "sms" if connection == "sms" else "email"
        self.outbox.append(
            {
                "to": to,
                "connection": connection,
                "kind": kind,
                "code": code,
                "text": f"Your verification code is: {code}",
                "sent_at": iso(self.now()),
            }
        )
        return code

    # -- persistence --------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """The durable state (``--state``): key, users, passwords, refresh tokens."""
        return {
            "version": STATE_VERSION,
            "signing_key_pem": self.key.to_pem(),
            "users": [user.to_json() for user in self.users.values()],
            "passwords": dict(self.passwords),
            "refresh_tokens": {t: r.to_json() for t, r in self.refresh_tokens.items()},
            "revoked_families": sorted(self.revoked_families),
        }

    def restore(self, data: dict[str, Any]) -> None:
        """Load users, passwords and refresh tokens from :meth:`to_json` output."""
        self.users = {u["user_id"]: User.from_json(u) for u in data.get("users", [])}
        self.reindex_linked()
        self.passwords = {str(k): str(v) for k, v in data.get("passwords", {}).items()}
        self.refresh_tokens = {t: RefreshToken(**r) for t, r in data.get("refresh_tokens", {}).items()}
        self.revoked_families = set(data.get("revoked_families", []))


def read_users_file(path: Path) -> list[dict[str, Any]]:
    """Read a ``--users`` file: a JSON list of user objects, or ``{"users": [...]}``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigurationError(
            f"cannot read the users file {path}: {exc.strerror}; pass an existing JSON file"
        ) from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise ConfigurationError(
            f"the users file {path} is not valid JSON ({exc}); fix it or drop --users"
        ) from exc
    if isinstance(data, dict):
        data = data.get("users")
    if not isinstance(data, list) or not all(isinstance(u, dict) for u in data):
        raise ConfigurationError(
            f'the users file {path} must hold a JSON list of user objects (or {{"users": [...]}})'
        )
    return data


def build_tenant(
    base_url: str,
    *,
    users: list[dict[str, Any]] | None = None,
    state: dict[str, Any] | None = None,
    **settings: Any,
) -> Tenant:
    """Make a tenant: signing key and users from ``state`` if given, else fresh/demo."""
    key = (
        SigningKey.from_pem(state["signing_key_pem"])
        if state and "signing_key_pem" in state
        else SigningKey.generate()
    )
    tenant = Tenant(base_url=base_url, key=key, **settings)
    if state and "users" in state:
        tenant.restore(state)
    else:
        try:
            tenant.load_users(users if users is not None else [dict(u) for u in demo.DEMO_USERS])
        except (ValueError, TypeError, KeyError) as exc:
            raise ConfigurationError(f"invalid users file: {exc}; fix the entry") from exc
    return tenant


def load_state(path: Path) -> dict[str, Any] | None:
    """Read a ``--state`` file if it exists."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigurationError(
            f"cannot read the state file {path}: {exc.strerror}; fix its permissions"
        ) from exc
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ConfigurationError(
            f"the state file {path} is not valid JSON; delete it to start fresh"
        ) from exc
    if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
        raise ConfigurationError(
            f"the state file {path} is not an emulator state file; delete it to start fresh"
        )
    return data


def save_state(path: Path, tenant: Tenant) -> None:
    """Write the state atomically (temp file in the same directory, fsync, rename), mode 0600."""
    from auth0link._files import atomic_write_text

    atomic_write_text(path, json.dumps(tenant.to_json(), indent=1, sort_keys=True), mode=0o600)
