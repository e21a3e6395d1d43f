"""``auth0link status``: each stored session's state, every problem with the command that fixes it."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from auth0link._jwt import unverified_claims
from auth0link.errors import TokenStorageError
from auth0link.models import SessionStatus

if TYPE_CHECKING:
    from collections.abc import Sequence

    from auth0link.tokens import TokenStore
    from auth0link.usecases.session_index import IndexEntry


def session_status(
    entry: IndexEntry, *, store: TokenStore, active: bool, now: float, wanted_scopes: Sequence[str] = ()
) -> SessionStatus:
    """Read one session without refreshing it; every problem names the command that fixes it."""
    profile_flag = "" if entry.profile == "default" else f" --profile {entry.profile}"
    base = SessionStatus(
        profile=entry.profile,
        domain=entry.domain,
        client_id=entry.client_id,
        active=active,
        logged_in=False,
        storage=store.description,
    )
    try:
        tokens = store.load(entry.key)
    except TokenStorageError as exc:
        fix = f"unlock the keyring, or run: auth0link login{profile_flag} --insecure-storage"
        return dataclasses.replace(base, storage=store.description, problems=(f"{exc.message} Fix: {fix}",))
    if tokens is None:
        return dataclasses.replace(
            base, storage=store.description, problems=(f"Not logged in. Fix: auth0link login{profile_flag}",)
        )
    expired = tokens.is_expired(now, leeway=0)
    problems: list[str] = []
    if expired and not tokens.refresh_token:
        problems.append(f"The session expired and cannot be refreshed. Fix: auth0link login{profile_flag}")
    missing = [s for s in wanted_scopes if s not in tokens.scopes]
    if missing:
        problems.append(
            f"Missing scopes: {' '.join(missing)}. Fix: auth0link login{profile_flag} "
            f"--scopes '{' '.join(sorted(tokens.scopes | set(missing)))}'"
        )
    claims = unverified_claims(tokens.id_token) if tokens.id_token else {}
    return dataclasses.replace(
        base,
        logged_in=True,
        storage=store.description,
        user_id=tokens.user_id,
        email=claims.get("email") if isinstance(claims.get("email"), str) else None,
        scopes=tuple(sorted(tokens.scopes)),
        expires_at=tokens.expires_at,
        expired=expired,
        refreshable=bool(tokens.refresh_token),
        problems=tuple(problems),
    )
