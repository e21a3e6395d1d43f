"""The ``identities`` use-case: whose identities, fetched once."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from auth0link.client import Auth0Client
    from auth0link.models import User


def fetch_identities(client: Auth0Client, user_id: str) -> User:
    """``GET /api/v2/users/{id}`` once; the caller renders ``user.identities``."""
    return client.get_user(user_id)
