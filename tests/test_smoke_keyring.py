"""The real SecretService fixture works: a round trip through gnome-keyring."""

from __future__ import annotations

import pytest

from auth0link.tokens import KeyringTokenStore, TokenSet

pytestmark = pytest.mark.keyring


def test_keyring_round_trip_large_token_set(real_keyring: object) -> None:
    """A token set larger than Windows' limit is chunked, stored and read back intact."""
    store = KeyringTokenStore(timeout=10)
    tokens = TokenSet(access_token="a" * 3000, expires_at=123.0, refresh_token="r" * 100, id_token="i" * 2500)
    store.save("p:https://t.example:cid", tokens)
    assert store.load("p:https://t.example:cid") == tokens
    assert store.delete("p:https://t.example:cid") is True
    assert store.load("p:https://t.example:cid") is None
