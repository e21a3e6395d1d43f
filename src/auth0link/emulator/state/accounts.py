"""A connection's accounts: finding one by its profile, checking a password, signing one up.

What the login pages, the password-realm and passwordless OTP grants, sign-up and
``POST /api/v2/users`` share, on top of :class:`~.directory.UserDirectory` (which keeps the
users and their passwords).
"""

from __future__ import annotations

import hmac
import secrets
from typing import TYPE_CHECKING, Any

from . import demo

if TYPE_CHECKING:
    from .directory import UserDirectory
    from .model import Identity, User


def accounts_for(users: UserDirectory, connection: str) -> list[tuple[Identity, User]]:
    """Every identity of ``connection`` with its owning user (for account choosers)."""
    return [
        (identity, user)
        for user in users.values()
        for identity in user.identities
        if identity.connection == connection
    ]


def identity_profile(identity: Identity, owner: User) -> dict[str, Any]:
    """The profile the identity provider knows for ``identity`` (own user or profileData)."""
    if identity.profile_data is not None:
        return identity.profile_data
    return owner.profile()


def create_social_user(users: UserDirectory, connection: str, email: str) -> User:
    """First login of an unknown account at a social/passwordless connection (a sign-up)."""
    known = users.registry.get(connection)
    provider = known.provider if known is not None else demo.CONNECTIONS[connection][0]
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
    return users.add(spec)


def find(users: UserDirectory, connection: str, key: str, value: str) -> User | None:
    """The user holding the ``connection`` identity whose profile ``key`` is ``value``."""
    for identity, owner in accounts_for(users, connection):
        if identity_profile(identity, owner).get(key) == value:
            return owner
    return None


def check_password(users: UserDirectory, connection: str, login: str, password: str) -> User | None:
    """The user whose ``connection`` (database) identity has this password and ``login``.

    ``login`` is what the user typed: an email (any case), a username or a phone number, as a
    connection with those identifiers takes them.
    """
    email = login.strip().lower()
    for identity, owner in accounts_for(users, connection):
        expected = users.passwords.get(identity.full_id)
        profile = identity_profile(identity, owner)
        if (
            login.strip() in (profile.get("username"), profile.get("phone_number"))
            or profile.get("email") == email
        ) and (expected is not None and hmac.compare_digest(expected.encode(), password.encode())):
            return owner
    return None


def sign_up(users: UserDirectory, connection: str, spec: dict[str, Any], raw_id: str | None = None) -> User:
    """A new user of ``connection`` (sign-up, ``POST /api/v2/users``): ``provider|raw_id``.

    Auth0 IDs database users with 24 hex digits unless a ``user_id`` is given.
    """
    provider = users.registry[connection].provider
    user_id = f"{provider}|{raw_id or secrets.token_hex(12)}"
    return users.add({**spec, "user_id": user_id, "connection": connection})
