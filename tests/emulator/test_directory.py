"""The user directory: linking chains, profile data, sign-ups, metadata patches, the linked index."""

from __future__ import annotations

import contextlib
import re
from typing import TYPE_CHECKING

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auth0link.emulator.protocol.keys import SigningKey
from auth0link.emulator.state import demo
from auth0link.emulator.state.accounts import create_social_user
from auth0link.emulator.state.model import ManagementError, connection_id
from auth0link.emulator.state.persistence import apply_state, build_tenant, decode_state, state_json
from auth0link.emulator.state.tenant import Tenant
from tests.emulator.conftest import BASE
from tests.support.demo_ids import ALICE, BOB, GITHUB, GOOGLE

if TYPE_CHECKING:
    from auth0link.emulator.state.directory import UserDirectory


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
    google = create_social_user(tenant.users, "google-oauth2", "n@example.com")
    assert google.user_id.startswith("google-oauth2|")
    assert google.user_id.split("|")[1].isdigit()
    sms = create_social_user(tenant.users, "sms", "+15550001111")
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


KEY = SigningKey.generate()
POOL = [
    "auth0|p1",
    "auth0|p2",
    "google-oauth2|g1",
    "google-oauth2|g2",
    "github|h1",
    "email|e1",
    "sms|s1",
]
OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["link", "unlink", "delete"]),
        st.sampled_from(POOL),
        st.sampled_from(POOL),
    ),
    max_size=25,
)


def _index_is_right(users: UserDirectory) -> None:
    """The linked index equals what the users hold, and every identity has at most one owner."""
    expected = {i.full_id: u.user_id for u in users.values() for i in u.identities[1:]}
    assert dict(users.linked_index()) == expected
    holders = [i.full_id for u in users.values() for i in u.identities]
    assert len(holders) == len(set(holders))
    for full_id in POOL:
        provider, _, raw = full_id.partition("|")
        owner = users.find_identity_owner(provider, raw)
        holder = next((u for u in users.values() if any(i.full_id == full_id for i in u.identities)), None)
        assert owner is holder


@settings(max_examples=150, deadline=None)
@given(operations=OPERATIONS)
def test_linked_index_stays_right_through_any_link_unlink_delete(
    operations: list[tuple[str, str, str]],
) -> None:
    """After any sequence of link/unlink/delete (refused ones included) the linked index matches the users."""
    tenant = Tenant("http://127.0.0.1:1", KEY)
    tenant.users.load([{"user_id": full_id, "email": "x@example.com"} for full_id in POOL])
    for operation, first, second in operations:
        provider, _, raw = second.partition("|")
        with contextlib.suppress(ManagementError):
            if operation == "link":
                tenant.users.link(first, provider, raw)
            elif operation == "unlink":
                tenant.users.unlink(first, provider, raw)
            else:
                tenant.delete_user(first)
        _index_is_right(tenant.users)


def test_keep_initial_copies_nothing_until_the_first_change() -> None:
    """reset_to_initial without a change keeps the very same users; after changes it restores, twice."""
    tenant = build_tenant(BASE)
    tenant.keep_initial()
    alice = tenant.users[ALICE]
    tenant.reset()
    assert tenant.users[ALICE] is alice
    for _ in range(2):
        tenant.users.link(ALICE, "github", GITHUB.split("|")[1])
        tenant.users.patch(tenant.users[BOB], {"given_name": "Bob", "blocked": True})
        tenant.reset()
        assert GITHUB in tenant.users
        assert tenant.users.linked_index() == {}
        assert "given_name" not in tenant.users[BOB].to_json()


def test_patch_keeps_given_family_name_and_blocked() -> None:
    """PATCH given_name/family_name/blocked are stored and shown in the user body."""
    tenant = build_tenant(BASE)
    tenant.users.patch(tenant.users[BOB], {"given_name": "Bob", "family_name": "Example", "blocked": 1})
    body = tenant.users[BOB].to_json()
    assert (body["given_name"], body["family_name"], body["blocked"]) == ("Bob", "Example", True)


def test_a_user_with_linked_identities_and_a_foreign_connection_is_added() -> None:
    """add() takes an identities array: linked ones are indexed; any connection name is accepted."""
    tenant = build_tenant(BASE, users=[])
    identities = [
        {"connection": "corp-db", "provider": "auth0", "user_id": "p1", "isSocial": False},
        {"connection": "facebook", "provider": "facebook", "user_id": "77", "isSocial": True},
    ]
    user = tenant.users.add({"user_id": "auth0|p1", "email": "p@example.com", "identities": identities})
    assert tenant.users.find_identity_owner("facebook", "77") is user
    assert tenant.users.linked_index() == {"facebook|77": "auth0|p1"}
    with pytest.raises(ValueError, match=re.escape("duplicate user_id 'facebook|77'")):
        tenant.users.add({"user_id": "facebook|77"})
    fresh = tenant.users.add({"user_id": "windowslive|abc"})
    assert (fresh.identities[0].connection, fresh.identities[0].is_social) == ("windowslive", True)
    assert tenant.users.connection_named(connection_id("corp-db")) == "corp-db"
    assert connection_id("corp-db").startswith("con_")
    assert len(connection_id("corp-db")) == len("con_") + 16
    assert connection_id("github") == "con_Emu1atorGitHub00"


def test_demo_connection_ids_have_auth0s_shape() -> None:
    """Every demo connection ID matches Auth0's ^con_[A-Za-z0-9]{16}$ (an export job checks it)."""
    assert all(re.fullmatch(r"con_[A-Za-z0-9]{16}", cid) for _, _, cid in demo.CONNECTIONS.values())
