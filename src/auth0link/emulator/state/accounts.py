"""A connection's accounts: finding one by its profile, checking a password, signing one up.

What the login pages, the password-realm and passwordless OTP grants, sign-up and
``POST /api/v2/users`` share, on top of :class:`~.directory.UserDirectory` (which keeps the
users and their passwords).
"""

from __future__ import annotations

import hmac
import secrets
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .directory import UserDirectory
    from .model import User


def find(users: UserDirectory, connection: str, key: str, value: str) -> User | None:
    """The user holding the ``connection`` identity whose profile ``key`` is ``value``."""
    for identity, owner in users.accounts_for(connection):
        if users.identity_profile(identity, owner).get(key) == value:
            return owner
    return None


def check_password(users: UserDirectory, connection: str, login: str, password: str) -> User | None:
    """The user whose ``connection`` (database) identity has this password and ``login``.

    ``login`` is what the user typed: an email (any case), a username or a phone number, as a
    connection with those identifiers takes them.
    """
    email = login.strip().lower()
    for identity, owner in users.accounts_for(connection):
        expected = users.password(identity.full_id)
        profile = users.identity_profile(identity, owner)
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
