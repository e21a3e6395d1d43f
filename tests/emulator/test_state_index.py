"""The linked-identity index keeps find_identity_owner right (and fast) through link, unlink and restore."""

from __future__ import annotations

from auth0link.emulator.keys import SigningKey
from auth0link.emulator.persistence import apply_state, decode_state, state_json
from auth0link.emulator.tenant import Tenant


def _tenant() -> Tenant:
    """A tenant with a database user and a Google user."""
    tenant = Tenant("http://127.0.0.1:1", SigningKey.generate())
    tenant.users.load(
        [
            {"user_id": "auth0|p1", "email": "a@example.com", "email_verified": True, "password": "pw-1"},
            {"user_id": "google-oauth2|g1", "email": "a@example.com", "email_verified": True},
        ]
    )
    return tenant


def test_owner_follows_link_unlink_and_restore() -> None:
    """After a link the secondary's identity is owned by the primary; after unlink by itself; restore rebuilds it."""
    tenant = _tenant()
    tenant.users.link("auth0|p1", "google-oauth2", "g1")
    owner = tenant.users.find_identity_owner("google-oauth2", "g1")
    assert owner is not None
    assert owner.user_id == "auth0|p1"

    restored = Tenant(tenant.base_url, tenant.key)
    apply_state(restored, decode_state(state_json(tenant)))
    again = restored.users.find_identity_owner("google-oauth2", "g1")
    assert again is not None
    assert again.user_id == "auth0|p1"

    tenant.users.unlink("auth0|p1", "google-oauth2", "g1")
    back = tenant.users.find_identity_owner("google-oauth2", "g1")
    assert back is not None
    assert back.user_id == "google-oauth2|g1"
    assert "google-oauth2|g1" not in tenant.users.linked_index()
