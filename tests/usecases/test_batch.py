"""batch-link against the emulator in process: outcomes, backups, races, lost answers, requests per pair."""

from __future__ import annotations

import json
import threading
from typing import TYPE_CHECKING, Any

import pytest

from auth0link.errors import UsageError
from auth0link.infra.pipe_format import InvalidLine
from tests.support.batch import BatchTenant, lines_for, path_of
from tests.support.tenant import Crash
from tests.support.tenants import duplicate_pairs, pair_email, primary_id, secondary_id

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    import httpx

    Tenants = Callable[[list[dict[str, Any]]], BatchTenant]

POST_LINK = "/api/v2/users/*/identities"


@pytest.fixture
def tenants() -> Iterator[Tenants]:
    """Make emulator tenants from users-file entries; all closed after the test."""
    made: list[BatchTenant] = []

    def make(users: list[dict[str, Any]]) -> BatchTenant:
        made.append(BatchTenant(users))
        return made[-1]

    yield make
    for tenant in made:
        tenant.close()


def linked_once(tenant: BatchTenant, pairs: range) -> bool:
    """Each pair's primary holds its secondary exactly once, and the secondary is no user."""
    return all(
        tenant.identities(primary_id(i)) == [primary_id(i), secondary_id(i)]
        and tenant.local.user(secondary_id(i)) is None
        for i in pairs
    )


def user(user_id: str, email: str, *, verified: bool = True, **meta: Any) -> dict[str, Any]:
    """A users-file entry."""
    return {"user_id": user_id, "email": email, "email_verified": verified, "user_metadata": meta}


def test_links_every_pair_merging_metadata_primary_wins(tenants: Tenants, tmp_path: Path) -> None:
    """All pairs linked once; the secondary's keys are added, the primary's values kept."""
    tenant = tenants(duplicate_pairs(5))
    run = tenant.run(lines_for(range(5)), tmp_path, workers=3)
    assert (run.summary.linked, run.summary.failed) == (5, 0)
    assert linked_once(tenant, range(5))
    assert tenant.state()[primary_id(3)][1] == {"theme": "light", "n": 3, "locale": "fr", "g": 3}
    assert set(tenant.state()) == {primary_id(i) for i in range(5)}


def test_prefer_secondary_metadata(tenants: Tenants, tmp_path: Path) -> None:
    """With prefer_secondary the secondary's value wins on a conflicting key."""
    tenant = tenants(duplicate_pairs(1))
    tenant.run(lines_for(range(1)), tmp_path, prefer_secondary=True)
    assert tenant.state()[primary_id(0)][1]["theme"] == "dark"


def test_backup_holds_both_users_before_change_and_is_0600(tenants: Tenants, tmp_path: Path) -> None:
    """The backup line has both users as they were, and the backup and journal files are private."""
    tenant = tenants(duplicate_pairs(1))
    run = tenant.run(lines_for(range(1)), tmp_path)
    assert run.backup is not None
    assert run.journal is not None
    record = json.loads(run.backup.read_text().splitlines()[0])
    assert record["kept"]["user_metadata"] == {"theme": "light", "n": 0}
    assert record["absorbed"]["user_metadata"] == {"theme": "dark", "locale": "fr", "g": 0}
    assert record["journal"] == str(run.journal)
    assert run.backup.stat().st_mode & 0o777 == 0o600
    assert run.journal.stat().st_mode & 0o777 == 0o600


def test_backup_is_written_before_any_change(tenants: Tenants, tmp_path: Path) -> None:
    """When the run dies at its first write, the backup of both users is already on disk."""
    tenant = tenants(duplicate_pairs(1))
    before = tenant.state()
    tenant.faults.fail("PATCH", f"/api/v2/users/{primary_id(0)}", "crash")
    with pytest.raises(Crash):
        tenant.run(lines_for(range(1)), tmp_path)
    assert tenant.state() == before
    (backup,) = (tmp_path / "backups").iterdir()
    record = json.loads(backup.read_text())
    assert (record["kept"]["user_id"], record["absorbed"]["user_id"]) == (primary_id(0), secondary_id(0))


def test_unverified_and_mismatched_emails_are_skipped(tenants: Tenants, tmp_path: Path) -> None:
    """An unverified secondary or different emails are skipped (and not linked) by default."""
    tenant = tenants(
        [
            user("auth0|p", "a@x.com"),
            user("github|1", "a@x.com", verified=False),
            user("google-oauth2|2", "other@x.com"),
        ]
    )
    run = tenant.run(["auth0|p\tgithub|1", "auth0|p\tgoogle-oauth2|2"], tmp_path)
    assert sorted(run.recorder.done) == [("github|1", "skipped"), ("google-oauth2|2", "skipped")]
    assert "not verified" in run.recorder.details["github|1"]
    assert "the emails differ" in run.recorder.details["google-oauth2|2"]
    assert run.summary.skipped == 2
    assert tenant.identities("auth0|p") == ["auth0|p"]
    assert tenant.faults.writes() == []


def test_include_unverified_links_what_the_default_skips(tenants: Tenants, tmp_path: Path) -> None:
    """include_unverified links an unverified secondary (the override the skip message names)."""
    tenant = tenants([user("auth0|p", "a@x.com"), user("github|1", "a@x.com", verified=False)])
    run = tenant.run(["auth0|p\tgithub|1\ta@x.com"], tmp_path, include_unverified=True)
    assert run.summary.linked == 1
    assert tenant.identities("auth0|p") == ["auth0|p", "github|1"]


def test_secondary_with_linked_identities_is_skipped(tenants: Tenants, tmp_path: Path) -> None:
    """A secondary that is itself a primary of other identities is skipped, nothing changed."""
    tenant = tenants(
        [user("auth0|p", "a@x.com"), user("google-oauth2|s", "a@x.com"), user("github|g", "a@x.com")]
    )
    tenant.client().link_identity("google-oauth2|s", provider="github", user_id="g")
    run = tenant.run(["auth0|p\tgoogle-oauth2|s\ta@x.com"], tmp_path)
    assert run.recorder.done == [("google-oauth2|s", "skipped")]
    assert "linked identities of its own" in run.recorder.details["google-oauth2|s"]
    assert tenant.identities("auth0|p") == ["auth0|p"]


def test_already_linked_is_reported_not_relinked(tenants: Tenants, tmp_path: Path) -> None:
    """A pair linked outside this journal counts as already linked, with no second link."""
    tenant = tenants(duplicate_pairs(1))
    tenant.run(lines_for(range(1)), tmp_path / "first")
    tenant.faults.requests.clear()
    run = tenant.run(lines_for(range(1)), tmp_path / "second")
    assert (run.summary.already_linked, run.summary.linked) == (1, 0)
    assert linked_once(tenant, range(1))
    assert tenant.faults.writes() == []


def test_pair_linked_by_someone_else_meanwhile_counts_as_already_linked(
    tenants: Tenants, tmp_path: Path
) -> None:
    """A 409 to this run's own POST is "already linked" (what the tenant said), never "linked"."""
    tenant = tenants(duplicate_pairs(5))
    someone_else = tenant.client()

    def race(request: httpx.Request, _n: int) -> None:
        if request.method == "POST" and path_of(request).endswith("/identities"):
            body = json.loads(request.content)
            primary = path_of(request).split("/")[-2]
            someone_else.link_identity(primary, provider=body["provider"], user_id=body["user_id"])

    run = tenant.run(lines_for(range(5)), tmp_path, hook=race)
    assert (run.summary.linked, run.summary.already_linked, run.summary.failed) == (0, 5, 0)
    assert {outcome for _, outcome in run.recorder.done} == {"already_linked"}
    assert linked_once(tenant, range(5))


def test_concurrent_runs_on_different_journals_count_each_link_once(tenants: Tenants, tmp_path: Path) -> None:
    """Two runs over the same pairs at once: "linked" adds up to the number of pairs, not more."""
    tenant = tenants(duplicate_pairs(60))
    summaries = []

    def one(name: str) -> None:
        summaries.append(tenant.run(lines_for(range(60)), tmp_path / name, workers=4).summary)

    threads = [threading.Thread(target=one, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(summaries) == 2
    assert sum(s.linked for s in summaries) == 60
    assert sum(s.linked + s.already_linked for s in summaries) == 120
    assert sum(s.failed for s in summaries) == 0
    assert linked_once(tenant, range(60))


@pytest.mark.parametrize("fault", ["lost", "garbled", "late:2"])
def test_dropped_link_answer_is_read_back_before_deciding(
    tenants: Tenants, tmp_path: Path, fault: str
) -> None:
    """A link whose answer was lost, garbled or late, but which the tenant shows, is "linked"."""
    tenant = tenants(duplicate_pairs(3))
    tenant.faults.fail("POST", POST_LINK, fault, count=3)
    run = tenant.run(lines_for(range(3)), tmp_path)
    assert (run.summary.linked, run.summary.failed) == (3, 0)
    assert linked_once(tenant, range(3))
    assert run.journal is not None
    journal = [json.loads(line) for line in run.journal.read_text().splitlines()]
    assert [r["step"] for r in journal if r.get("step") == "linked"] == ["linked"] * 3


def test_unknown_link_outcome_fails_then_resume_counts_it_once(tenants: Tenants, tmp_path: Path) -> None:
    """A link not shown by any read-back is "failed" (unknown); applied later, resume counts it linked."""
    tenant = tenants(duplicate_pairs(1))
    tenant.faults.fail("POST", POST_LINK, "late:6")
    first = tenant.run(lines_for(range(1)), tmp_path)
    assert (first.summary.linked, first.summary.failed) == (0, 1)
    assert "unknown" in first.recorder.details[secondary_id(0)]
    resumed = tenant.run(lines_for(range(1)), tmp_path, resume=True)
    assert (resumed.summary.linked, resumed.summary.already_linked, resumed.summary.failed) == (1, 0, 0)
    assert linked_once(tenant, range(1))


def test_a_429_pauses_and_the_write_is_sent_again(tenants: Tenants, tmp_path: Path) -> None:
    """A 429 to the link is not a failure: the pacer waits for the reset and sends it again."""
    tenant = tenants(duplicate_pairs(1))
    tenant.faults.fail("POST", POST_LINK, "429")
    run = tenant.run(lines_for(range(1)), tmp_path)
    assert (run.summary.linked, run.summary.rate_limited, run.summary.requests) == (1, 1, 4)
    assert linked_once(tenant, range(1))


def test_missing_users_fail_and_invalid_lines_are_counted(tenants: Tenants, tmp_path: Path) -> None:
    """A pair whose users do not exist fails; invalid lines are reported and skipped."""
    tenant = tenants(duplicate_pairs(1))
    run = tenant.run(["auth0|nope\tgoogle-oauth2|none", "garbage", *lines_for(range(1))[1:]], tmp_path)
    assert (run.summary.failed, run.summary.invalid, run.summary.linked) == (1, 1, 1)
    assert run.recorder.invalid == [InvalidLine(2, "expected primary_id<TAB>secondary_id")]
    assert "could be read" in run.recorder.details["google-oauth2|none"]


def test_strict_stops_at_the_first_invalid_line(tenants: Tenants, tmp_path: Path) -> None:
    """--strict turns an invalid line into a UsageError naming the line."""
    with pytest.raises(UsageError, match="Line 3"):
        tenants(duplicate_pairs(1)).run([*lines_for(range(1)), "garbage"], tmp_path, strict=True)


def test_dry_run_changes_nothing(tenants: Tenants, tmp_path: Path) -> None:
    """--dry-run plans every valid pair, writes no file and makes no request."""
    tenant = tenants(duplicate_pairs(3))
    run = tenant.run([*lines_for(range(3)), "bad"], tmp_path, dry_run=True)
    assert (run.summary.planned, run.summary.invalid, tenant.faults.requests) == (3, 1, [])
    assert [p.secondary_id for p in run.recorder.plan] == [secondary_id(i) for i in range(3)]
    assert list(tmp_path.iterdir()) == []


# -- requests per pair (#15) ----------------------------------------------------------------------


def by_email_then(*writes: str) -> list[tuple[str, str]]:
    """One pair's expected requests: users-by-email, then ``writes`` ("PATCH p", "POST p")."""
    sent = [("GET", "/api/v2/users-by-email")]
    for write in writes:
        method, user_id = write.split()
        sent.append((method, f"/api/v2/users/{user_id}" + ("/identities" if method == "POST" else "")))
    return sent


def test_three_requests_per_pair_with_a_merge(tenants: Tenants, tmp_path: Path) -> None:
    """With the email on the line and keys to add: users-by-email, PATCH, POST; nothing else."""
    tenant = tenants(duplicate_pairs(4))
    run = tenant.run(lines_for(range(4)), tmp_path)
    assert tenant.faults.requests == [
        r for i in range(4) for r in by_email_then(f"PATCH {primary_id(i)}", f"POST {primary_id(i)}")
    ]
    assert (run.summary.requests, run.summary.linked) == (12, 4)
    assert linked_once(tenant, range(4))


def test_two_requests_per_pair_when_the_merge_adds_nothing(tenants: Tenants, tmp_path: Path) -> None:
    """Nothing to add (the primary wins every conflict): no PATCH, users-by-email and POST only."""
    users = duplicate_pairs(4)
    for secondary in users[1::2]:
        secondary["user_metadata"] = {"theme": "dark"}
    tenant = tenants(users)
    run = tenant.run(lines_for(range(4)), tmp_path)
    assert tenant.faults.requests == [r for i in range(4) for r in by_email_then(f"POST {primary_id(i)}")]
    assert (run.summary.requests, run.summary.linked) == (8, 4)
    assert tenant.state()[primary_id(2)][1] == {"theme": "light", "n": 2}


def test_without_an_email_on_the_line_both_users_are_read_by_id(tenants: Tenants, tmp_path: Path) -> None:
    """No email on the line: one GET per user, then PATCH and POST (4 requests per pair)."""
    tenant = tenants(duplicate_pairs(2))
    run = tenant.run(lines_for(range(2), email=False), tmp_path)
    assert tenant.faults.requests == [
        r
        for i in range(2)
        for r in [
            ("GET", f"/api/v2/users/{secondary_id(i)}"),
            ("GET", f"/api/v2/users/{primary_id(i)}"),
            ("PATCH", f"/api/v2/users/{primary_id(i)}"),
            ("POST", f"/api/v2/users/{primary_id(i)}/identities"),
        ]
    ]
    assert (run.summary.requests, run.summary.linked) == (8, 2)


def test_a_user_missing_from_the_by_email_answer_is_read_by_id(tenants: Tenants, tmp_path: Path) -> None:
    """users-by-email without the secondary (another email): one GET for it, 4 requests in all."""
    tenant = tenants([user("auth0|p", "a@x.com", n=1), user("github|1", "b@x.com", g=1)])
    run = tenant.run(["auth0|p\tgithub|1\ta@x.com"], tmp_path, include_unverified=True)
    assert tenant.faults.requests == [
        ("GET", "/api/v2/users-by-email"),
        ("GET", "/api/v2/users/github|1"),
        ("PATCH", "/api/v2/users/auth0|p"),
        ("POST", "/api/v2/users/auth0|p/identities"),
    ]
    assert (run.summary.requests, run.summary.linked) == (4, 1)
    assert tenant.state()["auth0|p"][1] == {"n": 1, "g": 1}


def test_email_on_the_line_is_the_lookup_key(tenants: Tenants, tmp_path: Path) -> None:
    """The users-by-email request asks for the email the line names."""
    tenant = tenants(duplicate_pairs(1))
    urls: list[str] = []
    tenant.run(lines_for(range(1)), tmp_path, hook=lambda request, _n: urls.append(str(request.url)))
    assert urls[0].endswith("/api/v2/users-by-email?email=" + pair_email(0).replace("@", "%40"))
