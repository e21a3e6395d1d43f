"""The linked-identity index keeps find_identity_owner right (and fast) through link, unlink and restore."""

from __future__ import annotations

from auth0link.emulator.keys import SigningKey
from auth0link.emulator.state import Tenant


def _tenant() -> Tenant:
    """A tenant with a database user and a Google user."""
    tenant = Tenant(base_url="http://127.0.0.1:1", key=SigningKey.generate())
    tenant.load_users(
        [
            {"user_id": "auth0|p1", "email": "a@example.com", "email_verified": True, "password": "pw-1"},
            {"user_id": "google-oauth2|g1", "email": "a@example.com", "email_verified": True},
        ]
    )
    return tenant


def test_owner_follows_link_unlink_and_restore() -> None:
    """After a link the secondary's identity is owned by the primary; after unlink by itself; restore rebuilds it."""
    tenant = _tenant()
    tenant.link("auth0|p1", "google-oauth2", "g1")
    owner = tenant.find_identity_owner("google-oauth2", "g1")
    assert owner is not None
    assert owner.user_id == "auth0|p1"

    restored = Tenant(base_url=tenant.base_url, key=tenant.key)
    restored.restore(tenant.to_json())
    again = restored.find_identity_owner("google-oauth2", "g1")
    assert again is not None
    assert again.user_id == "auth0|p1"

    tenant.unlink("auth0|p1", "google-oauth2", "g1")
    back = tenant.find_identity_owner("google-oauth2", "g1")
    assert back is not None
    assert back.user_id == "google-oauth2|g1"
    assert "google-oauth2|g1" not in tenant.linked_owners
