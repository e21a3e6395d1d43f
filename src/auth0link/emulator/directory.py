"""The tenant's users: identities, passwords, linking, and the linked-identity index.

:class:`UserDirectory` is a read-only mapping ``user_id → User`` for everyone else; every change
goes through its methods, which keep the index of linked identities (``provider|id`` of every
non-primary identity → the user that holds it) right, so :meth:`find_identity_owner` is O(1).

The linking rules follow Auth0 (see ``AUTH0_API.md``): linking moves the secondary's identities
into the primary (the first one gains ``profileData``), deletes the secondary user and discards
its ``user_metadata``/``app_metadata``; unlinking recreates the identity as a separate, bare user.
"""

from __future__ import annotations

import copy
import hmac
import secrets
from collections.abc import Callable, ItemsView, Iterator, Mapping, ValuesView
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from auth0link.emulator.model import Identity, ManagementError, User, iso

if TYPE_CHECKING:
    from auth0link.emulator.applications import Connection

Snapshot = tuple[dict[str, User], dict[str, str]]


class UserDirectory(Mapping[str, User]):
    """Users by ID (read-only as a mapping), their passwords and the linked-identity index."""

    def __init__(self, now: Callable[[], float], connections: Mapping[str, Connection]) -> None:
        """Start empty; ``now`` is the tenant clock, ``connections`` the tenant's (a live view)."""
        self._now = now
        self._connections = connections
        self._users: dict[str, User] = {}
        self._passwords: dict[str, str] = {}  # "auth0|…" identity -> password
        self._linked: dict[str, str] = {}

    # -- the mapping ----------------------------------------------------------------------------

    def __getitem__(self, user_id: str) -> User:
        """The user with this ID (``KeyError`` if none)."""
        return self._users[user_id]

    def __iter__(self) -> Iterator[str]:
        """User IDs, in creation order."""
        return iter(self._users)

    def __len__(self) -> int:
        """How many users."""
        return len(self._users)

    def __contains__(self, user_id: object) -> bool:
        """Whether a user has this ID."""
        return user_id in self._users

    def values(self) -> ValuesView[User]:
        """The users, in creation order (the dict's own view: no lookup per user)."""
        return self._users.values()

    def items(self) -> ItemsView[str, User]:
        """``(user_id, user)`` pairs, in creation order."""
        return self._users.items()

    def get_user(self, user_id: str) -> User:
        """The user, or a 404 ``inexistent_user``."""
        user = self._users.get(user_id)
        if user is None:
            raise ManagementError(404, "The user does not exist.", "inexistent_user")
        return user

    # -- bulk -----------------------------------------------------------------------------------

    def load(self, specs: list[dict[str, Any]]) -> None:
        """Replace all users with users-file entries (see :data:`demo.DEMO_USERS`)."""
        self.replace([], {})
        for spec in specs:
            self.add(spec)

    def replace(self, users: list[User], passwords: dict[str, str]) -> None:
        """Replace all users and passwords (from a state file) and rebuild the index."""
        self._users = {user.user_id: user for user in users}
        self._passwords = dict(passwords)
        self._linked = {
            identity.full_id: user.user_id
            for user in self._users.values()
            for identity in user.identities[1:]
        }

    def snapshot(self) -> Snapshot:
        """A deep copy of the users and passwords, for :meth:`restore`."""
        return copy.deepcopy(self._users), dict(self._passwords)

    def restore(self, snapshot: Snapshot) -> None:
        """Back to a :meth:`snapshot` (the snapshot stays reusable)."""
        users, passwords = copy.deepcopy(snapshot)
        self.replace(list(users.values()), passwords)

    def passwords(self) -> dict[str, str]:
        """A copy of every database identity's password."""
        return dict(self._passwords)

    def password(self, full_id: str) -> str | None:
        """The password of the database identity ``auth0|…``, if it has one."""
        return self._passwords.get(full_id)

    def linked_index(self) -> Mapping[str, str]:
        """A read-only view of the linked-identity index (``provider|id`` → holder)."""
        return MappingProxyType(self._linked)

    # -- lookups --------------------------------------------------------------------------------

    def find_identity_owner(self, provider: str, raw_id: str) -> User | None:
        """The user (primary) that holds the identity ``provider|raw_id``, if any."""
        direct = self._users.get(f"{provider}|{raw_id}")
        if direct is not None:
            return direct
        owner = self._linked.get(f"{provider}|{raw_id}")
        return self._users.get(owner) if owner is not None else None

    def accounts_for(self, connection: str) -> list[tuple[Identity, User]]:
        """Every identity of ``connection`` with its owning user (for account choosers)."""
        return [
            (identity, user)
            for user in self._users.values()
            for identity in user.identities
            if identity.connection == connection
        ]

    @staticmethod
    def identity_profile(identity: Identity, owner: User) -> dict[str, Any]:
        """The profile the identity provider knows for ``identity`` (own user or profileData)."""
        if identity.profile_data is not None:
            return identity.profile_data
        return owner.profile()

    def account(self, connection: str, key: str, value: str) -> User | None:
        """The user holding the ``connection`` identity whose profile ``key`` is ``value``."""
        for identity, owner in self.accounts_for(connection):
            if self.identity_profile(identity, owner).get(key) == value:
                return owner
        return None

    def verify_password(self, connection: str, email: str, password: str) -> User | None:
        """The user whose ``connection`` (database) identity has this email and password."""
        for identity, owner in self.accounts_for(connection):
            expected = self._passwords.get(identity.full_id)
            if (
                self.identity_profile(identity, owner).get("email") == email
                and expected is not None
                and hmac.compare_digest(expected.encode(), password.encode())
            ):
                return owner
        return None

    def by_email(self, email: str) -> list[User]:
        """Users whose ``email`` equals ``email`` (Auth0 documents this lookup as exact)."""
        return [u for u in self._users.values() if u.email == email]

    # -- changes --------------------------------------------------------------------------------

    def add(self, spec: dict[str, Any]) -> User:
        """Create a user from a users-file entry (``ValueError`` for a bad one)."""
        user_id = spec.get("user_id")
        if not isinstance(user_id, str) or "|" not in user_id:
            raise ValueError(f"user_id must look like 'provider|id', got {user_id!r}")
        provider, _, raw_id = user_id.partition("|")
        connection = spec.get("connection") or next(
            (c.name for c in self._connections.values() if c.provider == provider), None
        )
        conn = self._connections.get(connection) if isinstance(connection, str) else None
        if conn is None:
            raise ValueError(f"unknown connection for {user_id!r}: {connection!r}")
        if user_id in self._users or self.find_identity_owner(provider, raw_id) is not None:
            raise ValueError(f"duplicate user_id {user_id!r}")
        if "password" in spec and provider != "auth0":
            raise ValueError(f"only database (auth0|…) users have a password: {user_id!r}")
        user = self._new_user(spec, Identity(conn.name, provider, raw_id, conn.is_social))
        if "password" in spec:
            self._passwords[user_id] = str(spec["password"])
        self._users[user_id] = user
        return user

    def _new_user(self, spec: dict[str, Any], identity: Identity) -> User:
        stamp = iso(self._now())
        email = spec.get("email")
        raw_id = identity.user_id
        return User(
            user_id=identity.full_id,
            identities=[identity],
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

    def create_social_user(self, connection: str, email: str) -> User:
        """First login of an unknown account at a social/passwordless connection (a sign-up)."""
        provider = self._connections[connection].provider
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
        return self.add(spec)

    def create_in(self, connection: str, spec: dict[str, Any], raw_id: str | None = None) -> User:
        """A new user of ``connection`` (sign-up, ``POST /api/v2/users``): ``provider|raw_id``.

        Auth0 IDs database users with 24 hex digits unless a ``user_id`` is given.
        """
        provider = self._connections[connection].provider
        user_id = f"{provider}|{raw_id or secrets.token_hex(12)}"
        return self.add({**spec, "user_id": user_id, "connection": connection})

    def record_login(self, user: User) -> None:
        """Bump ``logins_count`` and ``last_login`` as a successful login does."""
        user.logins_count += 1
        user.last_login = iso(self._now())

    def patch(self, user: User, body: dict[str, Any]) -> None:
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
        user.updated_at = iso(self._now())

    def delete(self, user_id: str) -> bool:
        """Delete a user and every identity linked to it; ``False`` if there was none."""
        user = self._users.pop(user_id, None)
        if user is None:
            return False
        for identity in user.identities[1:]:
            self._linked.pop(identity.full_id, None)
        self._passwords.pop(user_id, None)
        return True

    # -- linking --------------------------------------------------------------------------------

    def link(
        self, primary_id: str, provider: str, raw_id: str, connection_id: str | None = None
    ) -> list[dict[str, Any]]:
        """Link ``provider|raw_id`` into ``primary_id``; return the new identities array."""
        primary = self.get_user(primary_id)
        secondary_id = f"{provider}|{raw_id}"
        if secondary_id == primary_id:
            # Auth0's message for linking a user to itself.
            raise ManagementError(400, "Main identity and the new one are the same.", "invalid_body")
        if any(i.provider == provider and i.user_id == raw_id for i in primary.identities):
            # Undocumented: an identity already linked to this primary. 409 is the most
            # plausible (the state conflicts with the request) and what `Conflict` expects.
            raise ManagementError(409, "The identity is already linked to this user.", "identity_conflict")
        secondary = self._users.get(secondary_id)
        if secondary is None:
            if self.find_identity_owner(provider, raw_id) is not None:
                # Undocumented: the identity is already linked to another primary.
                raise ManagementError(
                    409,
                    f"The identity {secondary_id} is already linked to another user.",
                    "identity_conflict",
                )
            raise ManagementError(404, "The user does not exist.", "inexistent_user")
        if connection_id is not None:
            conn = self._connections.get(secondary.identities[0].connection)
            if conn is None or conn.id != connection_id:
                raise ManagementError(
                    400,
                    f"The connection {connection_id} does not match the secondary user's.",
                    "invalid_body",
                )
        moved = [Identity(**i.__dict__) for i in secondary.identities]
        moved[0].profile_data = secondary.profile()
        primary.identities.extend(moved)
        for identity in moved:
            self._linked[identity.full_id] = primary.user_id
        primary.updated_at = iso(self._now())
        del self._users[secondary_id]  # its user_metadata/app_metadata are discarded
        return [identity.to_json() for identity in primary.identities]

    def unlink(self, primary_id: str, provider: str, raw_id: str) -> list[dict[str, Any]]:
        """Unlink ``provider|raw_id`` from ``primary_id``; it becomes a separate bare user."""
        primary = self.get_user(primary_id)
        if primary.identities[0].provider == provider and primary.identities[0].user_id == raw_id:
            # Undocumented text; Auth0 refuses to remove the primary identity with a 400.
            raise ManagementError(400, "Main identity cannot be removed.", "invalid_uri")
        identity = next(
            (i for i in primary.identities if i.provider == provider and i.user_id == raw_id), None
        )
        if identity is None:
            # Undocumented: unlinking an identity the user does not have. A 404 naming the
            # identity is the most plausible (the CLI maps it to NotFound).
            raise ManagementError(
                404, f"The identity {provider}|{raw_id} is not linked to this user.", "inexistent_identity"
            )
        primary.identities.remove(identity)
        self._linked.pop(identity.full_id, None)
        stamp = iso(self._now())
        primary.updated_at = stamp
        self._users[identity.full_id] = _bare_user(identity, stamp)
        return [i.to_json() for i in primary.identities]


def _bare_user(identity: Identity, stamp: str) -> User:
    """The separate user an unlinked identity becomes: its profileData, no metadata."""
    profile = dict(identity.profile_data or {})
    return User(
        user_id=identity.full_id,
        identities=[Identity(identity.connection, identity.provider, identity.user_id, identity.is_social)],
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
