"""The tenant's users: identities, passwords, linking, and the linked-identity index.

:class:`UserDirectory` is a read-only mapping ``user_id → User`` for everyone else; every change
goes through its methods, which keep the index of linked identities (``provider|id`` of every
non-primary identity → the user that holds it) right, so :meth:`find_identity_owner` is O(1).

The linking rules follow Auth0 (see ``AUTH0_API.md``): linking moves the secondary's identities
into the primary (the first one gains ``profileData``), deletes the secondary user and discards
its ``user_metadata``/``app_metadata``; unlinking recreates the identity as a separate, bare user.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Callable, ItemsView, Iterator, Mapping, ValuesView
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from . import demo
from .model import Identity, ManagementError, User, bare_user, connection_id, is_social, iso
from .snapshots import InitialUsers

if TYPE_CHECKING:
    from .applications import Connection


class UserDirectory(Mapping[str, User]):
    """Users by ID (read-only as a mapping), their passwords and the linked-identity index."""

    def __init__(self, now: Callable[[], float], registry: Mapping[str, Connection] | None = None) -> None:
        """Start empty; ``now`` is the tenant clock, ``registry`` the tenant's connections (live)."""
        self._now = now
        self.registry: Mapping[str, Connection] = registry if registry is not None else {}
        self._users: dict[str, User] = {}
        self._passwords: dict[str, str] = {}  # "auth0|…" identity -> password
        self._linked: dict[str, str] = {}
        self._connections: dict[str, str] = {}  # every connection name in use -> its ID
        self.passwords: Mapping[str, str] = MappingProxyType(self._passwords)  # read-only view
        self.initial = InitialUsers(self)  # the users :meth:`Tenant.reset` goes back to

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
        self._passwords.clear()
        self._passwords.update(passwords)
        self._linked = {}
        self._connections = {}
        for user in self._users.values():
            self._index(user)

    def connection_named(self, con_id: str) -> str | None:
        """The name of the connection with ID ``con_id`` among those in use or the demo ones."""
        registered = {n: c.id for n, c in self.registry.items()}
        demo_ids = {n: c[2] for n, c in demo.CONNECTIONS.items()}
        for name, known in {**demo_ids, **registered, **self._connections}.items():
            if known == con_id:
                return name
        return None

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

    def by_email(self, email: str) -> list[User]:
        """Users whose ``email`` equals ``email`` (Auth0 documents this lookup as exact)."""
        return [u for u in self._users.values() if u.email == email]

    # -- changes --------------------------------------------------------------------------------

    def add(self, spec: dict[str, Any]) -> User:
        """Create a user from a users-file entry (``ValueError`` for a bad one).

        ``spec`` has ``user_id`` (``provider|id``) and either ``identities`` (an export's or
        a state's array, linked identities included; the first is the user's own) or an optional
        ``connection`` (default: the provider's demo connection, else the provider's name, as
        social connections are named). Any connection name is accepted: users of connections
        the emulator cannot log in to still serve the Management API (``--users`` from a real
        tenant's export). ``extra`` holds root attributes kept as they are.
        """
        self.initial.before_change()
        user_id = spec.get("user_id")
        if not isinstance(user_id, str) or "|" not in user_id:
            raise ValueError(f"user_id must look like 'provider|id', got {user_id!r}")
        provider, _, raw_id = user_id.partition("|")
        if "identities" in spec:
            identities = [Identity.from_json(item) for item in spec["identities"]]
            if not identities or identities[0].full_id != user_id:
                raise ValueError(f"identities[0] of {user_id!r} must be its own (provider and user_id)")
        else:
            connection = str(spec.get("connection") or self._default_connection(provider))
            identities = [Identity(connection, provider, raw_id, self._is_social(connection, provider))]
        full_ids = [identity.full_id for identity in identities]
        taken = [i for i in full_ids if self.find_identity_owner(*i.split("|", 1)) is not None]
        if taken or len(set(full_ids)) != len(full_ids):
            raise ValueError(f"duplicate user_id {(taken or full_ids)[0]!r}")
        if "password" in spec and provider != "auth0":
            raise ValueError(f"only database (auth0|…) users have a password: {user_id!r}")
        user = self._new_user(spec, identities)
        if "password" in spec:
            self._passwords[user_id] = str(spec["password"])
        self._users[user_id] = user
        self._index(user)
        return user

    def _default_connection(self, provider: str) -> str:
        """The tenant's first connection of ``provider``, else the demo one, else the provider."""
        known = next((c.name for c in self.registry.values() if c.provider == provider), None)
        return known or demo.PROVIDER_TO_CONNECTION.get(provider) or provider

    def _is_social(self, connection: str, provider: str) -> bool:
        known = self.registry.get(connection)
        return known.is_social if known is not None else is_social(connection, provider)

    def connection_id(self, name: str) -> str:
        """The ``con_…`` ID of the connection ``name`` (the tenant's, else derived)."""
        known = self.registry.get(name)
        return known.id if known is not None else connection_id(name)

    def _index(self, user: User) -> None:
        """Record the user's linked identities and connections in the lookup tables."""
        for identity in user.identities[1:]:
            self._linked[identity.full_id] = user.user_id
        for identity in user.identities:
            if identity.connection not in self._connections:
                self._connections[identity.connection] = self.connection_id(identity.connection)

    def _new_user(self, spec: dict[str, Any], identities: list[Identity]) -> User:
        created, updated = spec.get("created_at"), spec.get("updated_at")
        stamp = "" if created and updated else iso(self._now())
        email = spec.get("email")
        raw_id = identities[0].user_id
        return User(
            user_id=identities[0].full_id,
            identities=identities,
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
            created_at=str(created or stamp),
            updated_at=str(updated or stamp),
            last_login=spec.get("last_login"),
            logins_count=int(spec.get("logins_count") or 0),
            extra=dict(spec.get("extra") or {}),
        )

    def record_login(self, user: User) -> None:
        """Bump ``logins_count`` and ``last_login`` as a successful login does."""
        self.initial.before_change()
        user.logins_count += 1
        user.last_login = iso(self._now())

    def patch(self, user: User, body: dict[str, Any]) -> None:
        """Apply a PATCH body: top-level merge of ``*_metadata`` (``null`` deletes a key)."""
        self.initial.before_change()
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
        _patch_attributes(user, body)
        user.updated_at = iso(self._now())
        if "password" in body:
            self.set_password(user, str(body["password"]))

    def set_password(self, user: User, password: str) -> None:
        """A database user's new password, and ``last_password_reset`` as Auth0 then shows it."""
        self.initial.before_change()
        self._passwords[user.user_id] = password
        user.extra["last_password_reset"] = iso(self._now())

    def delete(self, user_id: str) -> bool:
        """Delete a user and every identity linked to it; ``False`` if there was none."""
        self.initial.before_change()
        user = self._users.pop(user_id, None)
        if user is None:
            return False
        for identity in user.identities[1:]:
            self._linked.pop(identity.full_id, None)
        self._passwords.pop(user_id, None)
        return True

    # -- linking --------------------------------------------------------------------------------

    def link(
        self, primary_id: str, provider: str, raw_id: str, con_id: str | None = None
    ) -> list[dict[str, Any]]:
        """Link ``provider|raw_id`` into ``primary_id``; return the new identities array."""
        self.initial.before_change()
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
        if con_id is not None and self.connection_id(secondary.identities[0].connection) != con_id:
            raise ManagementError(
                400, f"The connection {con_id} does not match the secondary user's.", "invalid_body"
            )
        moved = [dataclasses.replace(i) for i in secondary.identities]
        moved[0].profile_data = secondary.profile()
        primary.identities.extend(moved)
        for identity in moved:
            self._linked[identity.full_id] = primary.user_id
        primary.updated_at = iso(self._now())
        del self._users[secondary_id]  # its user_metadata/app_metadata are discarded
        return primary.identities_answer()

    def unlink(self, primary_id: str, provider: str, raw_id: str) -> list[dict[str, Any]]:
        """Unlink ``provider|raw_id`` from ``primary_id``; it becomes a separate bare user."""
        self.initial.before_change()
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
        self._users[identity.full_id] = bare_user(identity, stamp)
        return primary.identities_answer()


def _patch_attributes(user: User, body: dict[str, Any]) -> None:
    """The root attributes of a PATCH body (given/family name and blocked kept as extras)."""
    for attr in ("name", "nickname", "picture"):
        if attr in body:
            setattr(user, attr, str(body[attr]))
    for attr in ("given_name", "family_name"):
        if attr in body:
            user.extra[attr] = str(body[attr])
    if "blocked" in body:
        user.extra["blocked"] = bool(body["blocked"])
    if "email_verified" in body:
        user.email_verified = bool(body["email_verified"])
    if "email" in body:
        user.email = str(body["email"]).lower()
