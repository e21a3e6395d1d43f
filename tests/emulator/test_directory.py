"""The user directory: linking chains, profile data, sign-ups, metadata patches, the linked index."""

from __future__ import annotations

import pytest

from auth0link.emulator.keys import SigningKey
from auth0link.emulator.model import ManagementError
from auth0link.emulator.persistence import apply_state, build_tenant, decode_state, state_json
from auth0link.emulator.tenant import Tenant
from tests.emulator.conftest import ALICE, BASE, BOB, GITHUB, GOOGLE


def test_linking_a_user_with_linked_identities_moves_them_all() -> None:
    """A secondary that has its own linked identities brings all of them to the primary."""
    tenant = build_tenant(BASE)
    tenant.users.link(BOB, "github", "4242424")
    identities = tenant.users.link(ALICE, "auth0", BOB.split("|")[1])
    assert [i["user_id"] for i in identities] == [ALICE.split("|")[1], BOB.split("|")[1], "4242424"]
    assert identities[1]["profileData"]["email"] == "bob@example.com"
    assert BOB not in tenant.users
    assert tenant.users.find_identity_owner("github", "4242424") is tenant.users[ALICE]


def test_unlinked_identity_keeps_only_its_profile() -> None:
    """After unlink the recreated user has the profileData attributes and no metadata."""
    tenant = build_tenant(BASE)
    tenant.users.link(ALICE, "google-oauth2", GOOGLE.split("|")[1])
    tenant.users.unlink(ALICE, "google-oauth2", GOOGLE.split("|")[1])
    restored = tenant.users[GOOGLE].to_json()
    assert restored["name"] == "Alice Example (Google)"
    assert "user_metadata" not in restored
    assert "profileData" not in restored["identities"][0]


def test_patch_user_metadata_null_clears_and_app_metadata_merges() -> None:
    """user_metadata null removes all keys; app_metadata merges like user_metadata."""
    tenant = build_tenant(BASE)
    alice = tenant.users[ALICE]
    tenant.users.patch(alice, {"user_metadata": None, "app_metadata": {"roles": ["admin"]}})
    assert alice.user_metadata == {}
    assert alice.app_metadata == {"plan": "pro", "roles": ["admin"]}


def test_sign_up_creates_provider_shaped_ids() -> None:
    """New social/passwordless users get Auth0-like IDs for their provider."""
    tenant = build_tenant(BASE)
    google = tenant.users.create_social_user("google-oauth2", "n@example.com")
    assert google.user_id.startswith("google-oauth2|")
    assert google.user_id.split("|")[1].isdigit()
    sms = tenant.users.create_social_user("sms", "+15550001111")
    assert sms.phone_number == "+15550001111"
    assert sms.email is None


def test_duplicate_or_malformed_users_are_rejected() -> None:
    """Users files may not repeat an ID, give passwords to social users or omit the provider."""
    tenant = build_tenant(BASE)
    with pytest.raises(ValueError, match="duplicate"):
        tenant.users.add({"user_id": GITHUB})
    with pytest.raises(ValueError, match="only database"):
        tenant.users.add({"user_id": "github|1", "password": "x"})
    with pytest.raises(ValueError, match="provider"):
        tenant.users.add({"user_id": "nopipe"})


def test_errors_carry_auth0_fields() -> None:
    """ManagementError keeps the status, message and errorCode."""
    tenant = build_tenant(BASE)
    with pytest.raises(ManagementError) as caught:
        tenant.users.get_user("auth0|missing")
    assert (caught.value.status, caught.value.error_code) == (404, "inexistent_user")


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
