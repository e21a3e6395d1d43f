"""``auth0link logout``: revoke the refresh token, delete the stored session, drop it from the index."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from auth0link.errors import Auth0LinkError, clause
from auth0link.models import LogoutResult

if TYPE_CHECKING:
    from collections.abc import Callable

    from auth0link.auth.discovery import Endpoints
    from auth0link.client import Auth0Client
    from auth0link.infra.session_index import IndexEntry, SessionIndex
    from auth0link.session import SessionLock
    from auth0link.tokens import TokenStore


def logout(
    entry: IndexEntry,
    *,
    store: TokenStore,
    client_factory: Callable[[str], Auth0Client],
    endpoints_for: Callable[[Auth0Client], Endpoints],
    index: SessionIndex,
    lock: SessionLock | None = None,
) -> LogoutResult:
    """Delete the stored session, drop it from the index, revoke its refresh token (best effort).

    With ``lock`` (the session's :class:`~auth0link.session.SessionLock`), the deletion waits for
    a refresh in progress and renews the generation first, so no save in flight brings it back.
    """
    with lock.hold() if lock is not None else contextlib.nullcontext():
        if lock is not None:
            lock.renew()
        tokens = store.load(entry.key)
        had = store.delete(entry.key) or tokens is not None
    index.remove(entry.key)
    revoked = False
    warning = None
    if tokens is not None and tokens.refresh_token:
        try:
            client = client_factory(entry.domain)
            endpoints = endpoints_for(client)
            client.revoke(
                {"client_id": entry.client_id, "token": tokens.refresh_token},
                endpoint=endpoints.revocation_endpoint or "/oauth/revoke",
            )
            revoked = True
        except Auth0LinkError as exc:
            warning = f"could not revoke the refresh token ({clause(exc.message)}); it was deleted locally"
    return LogoutResult(entry.profile, entry.domain, had, revoked, warning)
