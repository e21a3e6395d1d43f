"""Refresh tokens: issued in families, rotated, revoked a family at a time, saved with ``--state``."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from .model import RefreshToken

if TYPE_CHECKING:
    from collections.abc import Iterable


class RefreshTokens:
    """The live refresh tokens and the revoked families (``tenant.refresh_tokens``)."""

    def __init__(self) -> None:
        """No tokens yet."""
        self._tokens: dict[str, RefreshToken] = {}
        self._revoked: set[str] = set()

    def __len__(self) -> int:
        """How many live refresh tokens are held."""
        return len(self._tokens)

    def issue(
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
        self._tokens[token] = RefreshToken(
            client_id=client_id,
            user_id=user_id,
            scope=scope,
            audience=audience,
            family=family or secrets.token_hex(8),
            sid=sid,
        )
        return token

    def get(self, token: str) -> RefreshToken | None:
        """The refresh token's record, if it is live."""
        return self._tokens.get(token)

    def revoke_family(self, family: str) -> None:
        """Revoke every refresh token of ``family`` (reuse detection, /oauth/revoke)."""
        self._revoked.add(family)
        for token in [t for t, r in self._tokens.items() if r.family == family]:
            del self._tokens[token]

    def drop_user(self, user_id: str) -> None:
        """Forget a deleted user's tokens."""
        for token in [t for t, r in self._tokens.items() if r.user_id == user_id]:
            del self._tokens[token]

    def live(self) -> dict[str, RefreshToken]:
        """A copy of the live refresh tokens (for ``--state``)."""
        return dict(self._tokens)

    def revoked(self) -> set[str]:
        """A copy of the revoked families (for ``--state``)."""
        return set(self._revoked)

    def restore(self, tokens: dict[str, RefreshToken], revoked: Iterable[str]) -> None:
        """Replace the refresh tokens and revoked families (from ``--state``)."""
        self._tokens = dict(tokens)
        self._revoked = set(revoked)

    def clear(self) -> None:
        """Forget every token and revoked family."""
        self._tokens.clear()
        self._revoked.clear()
