"""suggest: pairs among users sharing an email, the documented primary rule, every user through an export."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from auth0link.errors import ApiError
from auth0link.infra.export_file import ExportReader
from auth0link.infra.export_job import ExportRun
from auth0link.infra.pacer import Pacer
from auth0link.usecases.suggest import (
    Candidate,
    suggest_for_email,
    suggest_from_export,
    suggest_group,
)
from tests.support.tenant import LocalTenant
from tests.support.tenants import duplicate_pairs, pair_email, primary_id, secondary_id

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from auth0link.client import Auth0Client
    from auth0link.infra.pipe_format import Suggestion


def cand(
    user_id: str, created: str, *, identities: int = 1, verified: bool = True, connection: str = ""
) -> Candidate:
    """A compact candidate."""
    return Candidate(user_id, connection or user_id.split("|", maxsplit=1)[0], created, verified, identities)


def user(
    user_id: str, email: str, *, verified: bool = True, created_at: str = "2020-01-01T00:00:00.000Z"
) -> dict[str, Any]:
    """A users-file entry."""
    return {"user_id": user_id, "email": email, "email_verified": verified, "created_at": created_at}


def export_pairs(
    tenant: LocalTenant, client: Auth0Client, tmp_path: Path, *, include_unverified: bool = False
) -> list[Suggestion]:
    """``suggest --all``'s use cases: the export job (the tenant clock moved, not slept), then the pairs."""

    def sleep(seconds: float) -> None:
        assert tenant.emulator.tenant.exports.wait(30)
        tenant.emulator.tenant.clock.advance(seconds)

    client.max_rate_limit_retries = 0
    ExportRun(client, Pacer(), sleep=sleep).fetch(tmp_path / "export.json.gz")
    reader = ExportReader(tmp_path / "export.json.gz")
    return list(suggest_from_export(reader, include_unverified=include_unverified, workdir=tmp_path))


@pytest.fixture
def admin() -> Iterator[tuple[LocalTenant, Auth0Client]]:
    """An emulator tenant of three email groups, and an admin client on it."""
    tenant = LocalTenant(
        users=[
            user("auth0|a1", "a@x.com"),
            user("google-oauth2|a2", "a@x.com", created_at="2021-01-01T00:00:00.000Z"),
            user("github|a3", "a@x.com", verified=False),
            user("auth0|b1", "b@x.com"),
            user("auth0|c1", "c@x.com"),
            user("github|c2", "c@x.com", created_at="2022-01-01T00:00:00.000Z"),
        ]
    )
    client = tenant.client(tenant.m2m_token())
    yield tenant, client
    client.close()
    tenant.close()


def test_oldest_database_account_is_primary() -> None:
    """A database account wins over an older social one; every other member pairs with it."""
    pairs = suggest_group(
        "a@x.com",
        [cand("google-oauth2|1", "2019"), cand("auth0|new", "2022"), cand("auth0|old", "2021")],
    )
    assert [(p.primary_id, p.secondary_id) for p in pairs] == [
        ("auth0|old", "auth0|new"),
        ("auth0|old", "google-oauth2|1"),
    ]
    assert pairs[0].reason == "same verified email; primary: oldest database account"


def test_existing_primary_and_preferred_connection_win() -> None:
    """A user with linked identities beats a database account; --prefer-connection beats both."""
    members = [
        cand("auth0|db", "2019"),
        cand("github|7", "2023", identities=2),
        cand("google-oauth2|1", "2024"),
    ]
    assert suggest_group("a@x.com", members)[0].primary_id == "github|7"
    preferred = suggest_group("a@x.com", members, prefer_connection="google-oauth2")
    assert preferred[0].primary_id == "google-oauth2|1"
    assert preferred[0].reason.endswith("preferred connection google-oauth2")


def test_single_user_gives_no_pair() -> None:
    """A group of one suggests nothing."""
    assert suggest_group("a@x.com", [cand("auth0|a", "2020")]) == []


def test_all_reads_an_export_and_skips_unverified(
    admin: tuple[LocalTenant, Auth0Client], tmp_path: Path
) -> None:
    """--all groups the export's users by email; unverified users are left out by default."""
    tenant, client = admin
    found = export_pairs(tenant, client, tmp_path)
    assert [(s.primary_id, s.secondary_id, s.email) for s in found] == [
        ("auth0|a1", "google-oauth2|a2", "a@x.com"),
        ("auth0|c1", "github|c2", "c@x.com"),
    ]
    assert [s.row() for s in found] == [s.row() for s in suggest_for_email(client, "a@x.com")] + [
        s.row() for s in suggest_for_email(client, "c@x.com")
    ]


def test_all_groups_emails_whatever_their_case(
    admin: tuple[LocalTenant, Auth0Client], tmp_path: Path
) -> None:
    """An email stored with capitals (as an IdP sent it) groups with its lower-case twin."""
    tenant, client = admin
    tenant.emulator.tenant.users["github|c2"].email = "C@X.com"
    found = export_pairs(tenant, client, tmp_path)
    assert ("auth0|c1", "github|c2", "c@x.com") in [(s.primary_id, s.secondary_id, s.email) for s in found]


def test_include_unverified_says_so_in_the_reason(admin: tuple[LocalTenant, Auth0Client]) -> None:
    """With unverified users included, a pair with an unverified user says so; a fully verified pair does not."""
    _, client = admin
    verified = suggest_for_email(client, "a@x.com")
    assert [(s.primary_id, s.secondary_id) for s in verified] == [("auth0|a1", "google-oauth2|a2")]
    assert verified[0].reason.startswith("same verified email")
    found = suggest_for_email(client, "a@x.com", include_unverified=True)
    assert [(s.primary_id, s.secondary_id) for s in found] == [
        ("auth0|a1", "github|a3"),  # older than the Google account
        ("auth0|a1", "google-oauth2|a2"),
    ]
    assert found[0].reason.startswith("same email, NOT both verified")
    assert found[1].reason.startswith("same verified email")  # both of this pair are verified


def test_all_with_unverified_users_finds_their_pairs(
    admin: tuple[LocalTenant, Auth0Client], tmp_path: Path
) -> None:
    """--all --include-unverified reads every user with an email and pairs the unverified too."""
    tenant, client = admin
    found = export_pairs(tenant, client, tmp_path, include_unverified=True)
    assert ("auth0|a1", "github|a3") in [(s.primary_id, s.secondary_id) for s in found]
    reasons = {s.secondary_id: s.reason for s in found if s.email == "a@x.com"}
    assert reasons["github|a3"].startswith("same email, NOT both verified")
    assert reasons["google-oauth2|a2"].startswith("same verified email")


def test_all_finds_every_pair_past_the_search_window(tmp_path: Path) -> None:
    """A tenant of 3,000 users: the search stops at 1,000 (invalid_paging), --all finds all 1,500 pairs."""
    pairs = 1500
    tenant = LocalTenant(users=duplicate_pairs(pairs))
    client = tenant.client(tenant.m2m_token(), max_rate_limit_retries=0)
    try:
        _, total = client.search_users("email_verified:true", page=0, per_page=100)
        assert total == 1000  # the capped total the old scan trusted
        with pytest.raises(ApiError) as caught:
            client.search_users("email_verified:true", page=10, per_page=100)
        assert caught.value.error_code == "invalid_paging"
        assert "suggest --all" in (caught.value.hint or "")
        found = export_pairs(tenant, client, tmp_path)
    finally:
        client.close()
        tenant.close()
    assert [(s.primary_id, s.secondary_id, s.email) for s in found] == [
        (primary_id(i), secondary_id(i), pair_email(i)) for i in range(pairs)
    ]
