"""The ``identities`` use-case: whose identities, fetched once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from auth0link.errors import Fix, LoginRequired, NotFound

if TYPE_CHECKING:
    from auth0link.client import Auth0Client
    from auth0link.models import User


def fetch_identities(client: Auth0Client, user_id: str, *, own_user: bool = False) -> User:
    """``GET /api/v2/users/{id}`` once; the caller renders ``user.identities``.

    ``own_user``: ``user_id`` is the signed-in user's (see :func:`read_own_user`).
    """
    return read_own_user(client, user_id) if own_user else client.get_user(user_id)


def read_own_user(client: Auth0Client, user_id: str) -> User:
    """The signed-in user; a 404 means the session's user is gone, which a new login fixes.

    Auth0 deletes a user that is linked into another one (it lives on as an identity of that
    primary user), so a session of an account that was linked elsewhere reads 404.
    """
    try:
        return client.get_user(user_id)
    except NotFound:
        raise LoginRequired(
            f"The logged-in user {user_id} no longer exists in the tenant (deleted, or linked into "
            "another user).",
            hint=Fix.run("login", note=" (a linked account signs in as the user it was linked into)"),
        ) from None
