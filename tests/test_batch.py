"""batch-link: parsing, outcomes, journal/resume after a crash at any point, Ctrl-C, locking."""

from __future__ import annotations

import json
import threading
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auth0link.errors import Conflict, UsageError
from auth0link.usecases.batch import BatchLinker, BatchOptions, InvalidLine, Pair, parse_line, read_pairs
from auth0link.usecases.journal import AppendFile, Journal, pair_key
from auth0link.usecases.pacer import Pacer
from tests.support.admin_tenant import AdminTenant, Crash, user

if TYPE_CHECKING:
    from pathlib import Path


class Recorder:
    """A Reporter that remembers everything."""

    def __init__(self) -> None:
        """Start empty."""
        self.done: list[tuple[str, str]] = []
        self.invalid: list[InvalidLine] = []
        self.plan: list[Pair] = []

    def pair_done(self, pair: Pair, outcome: str, detail: str) -> None:  # noqa: ARG002 - protocol
        """Remember the outcome."""
        self.done.append((pair.secondary_id, outcome))

    def invalid_line(self, item: InvalidLine) -> None:
        """Remember the line."""
        self.invalid.append(item)

    def planned(self, pair: Pair) -> None:
        """Remember the plan."""
        self.plan.append(pair)


def tenant_of(n: int) -> AdminTenant:
    """N duplicate pairs: a database primary and a Google secondary with overlapping metadata."""
    users = []
    for i in range(n):
        email = f"u{i}@example.com"
        users.append(user(f"auth0|p{i}", email=email, theme="light", n=i))
        users.append(user(f"google-oauth2|s{i}", email=email, theme="dark", locale="fr", g=i))
    return AdminTenant(*users)


def lines_for(n: int) -> list[str]:
    """TSV input for :func:`tenant_of`."""
    return ["primary_id\tsecondary_id\temail\treason"] + [
        f"auth0|p{i}\tgoogle-oauth2|s{i}\tu{i}@example.com\tsame verified email" for i in range(n)
    ]


def run(
    tenant: AdminTenant,
    lines: list[str],
    tmp_path: Path,
    *,
    resume: bool = False,
    workers: int = 1,
    **options: Any,
) -> tuple[BatchLinker, Recorder]:
    """One batch-link run (journal and backup in tmp_path), closing files even on a crash."""
    journal = Journal(tmp_path / "journal.jsonl", backup_path=tmp_path / "backup.jsonl", resume=resume)
    backups = AppendFile(journal.backup_path or tmp_path / "backup.jsonl")
    recorder = Recorder()
    linker = BatchLinker(
        tenant.client(),
        journal=journal,
        backups=backups,
        pacer=Pacer(),
        reporter=recorder,
        options=BatchOptions(workers=workers, **options),
    )
    try:
        linker.run(read_pairs(lines))
    finally:
        journal.close()
        backups.close()
    return linker, recorder


def test_parse_tsv_json_header_and_comments() -> None:
    """TSV and JSON lines parse; the header, comments and blank lines are ignored."""
    assert parse_line("primary_id\tsecondary_id\temail\treason", 1) is None
    assert parse_line("# comment", 2) is None
    assert parse_line("   ", 3) is None
    assert parse_line("auth0|a\tgoogle-oauth2|1\ta@x\twhy", 4) == Pair("auth0|a", "google-oauth2|1", 4, "a@x")
    assert parse_line('{"primary_id": "auth0|a", "secondary_id": "github|2"}', 5) == Pair(
        "auth0|a", "github|2", 5, None
    )


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("auth0|a", "expected primary_id<TAB>secondary_id"),
        ("auth0|a\tnot-an-id", "user IDs must look like provider|id"),
        ("auth0|a\tauth0|a", "primary and secondary are the same user"),
        ("{bad json", "not valid JSON"),
        ("[1, 2]", "expected primary_id<TAB>secondary_id"),
    ],
)
def test_invalid_lines_carry_their_number(text: str, reason: str) -> None:
    """Each kind of bad line becomes an InvalidLine with its line number and reason."""
    assert parse_line(text, 7) == InvalidLine(7, reason)


def test_links_every_pair_merging_metadata_primary_wins(tmp_path: Path) -> None:
    """All pairs linked once; the secondary's keys are added, the primary's values kept."""
    tenant = tenant_of(5)
    linker, _ = run(tenant, lines_for(5), tmp_path, workers=3)
    assert linker.summary.linked == 5
    assert linker.summary.failed == 0
    assert tenant.links == {f"google-oauth2|s{i}": 1 for i in range(5)}
    assert tenant.users["auth0|p3"]["user_metadata"] == {"theme": "light", "n": 3, "locale": "fr", "g": 3}
    assert set(tenant.users) == {f"auth0|p{i}" for i in range(5)}


def test_prefer_secondary_metadata(tmp_path: Path) -> None:
    """With prefer_secondary the secondary's value wins on a conflicting key."""
    tenant = tenant_of(1)
    run(tenant, lines_for(1), tmp_path, prefer_secondary=True)
    assert tenant.users["auth0|p0"]["user_metadata"]["theme"] == "dark"


def test_backup_holds_both_users_before_change_and_is_0600(tmp_path: Path) -> None:
    """The backup line has both users as they were, and the file is private."""
    tenant = tenant_of(1)
    run(tenant, lines_for(1), tmp_path)
    record = json.loads((tmp_path / "backup.jsonl").read_text().splitlines()[0])
    assert record["kept"]["user_metadata"] == {"theme": "light", "n": 0}
    assert record["absorbed"]["user_metadata"] == {"theme": "dark", "locale": "fr", "g": 0}
    assert (tmp_path / "backup.jsonl").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "journal.jsonl").stat().st_mode & 0o777 == 0o600


def test_unverified_and_mismatched_emails_are_skipped(tmp_path: Path) -> None:
    """An unverified secondary or different emails are skipped (and not linked) by default."""
    tenant = AdminTenant(
        user("auth0|p", email="a@x.com"),
        user("github|1", email="a@x.com", verified=False),
        user("google-oauth2|2", email="other@x.com"),
    )
    linker, rec = run(tenant, ["auth0|p\tgithub|1", "auth0|p\tgoogle-oauth2|2"], tmp_path)
    assert sorted(rec.done) == [("github|1", "skipped"), ("google-oauth2|2", "skipped")]
    assert linker.summary.skipped == 2
    assert tenant.links == {}


def test_already_linked_is_reported_not_relinked(tmp_path: Path) -> None:
    """A pair linked outside this journal counts as already linked, with no second link."""
    tenant = tenant_of(1)
    run(tenant, lines_for(1), tmp_path / "first")
    linker, _ = run(tenant, lines_for(1), tmp_path / "second")
    assert linker.summary.already_linked == 1
    assert tenant.links == {"google-oauth2|s0": 1}


class RacedTenant(AdminTenant):
    """Another client links each pair just before this run's POST arrives (a concurrent batch run)."""

    def _link(self, primary: dict[str, Any], body: dict[str, Any]) -> httpx.Response:
        super()._link(primary, body)  # "someone else" wins the race
        return super()._link(primary, body)  # this run's POST: 409, already linked


def test_pair_linked_by_someone_else_meanwhile_counts_as_already_linked(tmp_path: Path) -> None:
    """A 409 to this run's own POST is "already linked" (what the tenant said), never "linked"."""
    tenant = RacedTenant(*tenant_of(5).users.values())
    linker, recorder = run(tenant, lines_for(5), tmp_path)
    assert (linker.summary.linked, linker.summary.already_linked, linker.summary.failed) == (0, 5, 0)
    assert {outcome for _, outcome in recorder.done} == {"already_linked"}
    assert all(count == 1 for count in tenant.links.values())


def test_concurrent_runs_on_different_journals_count_each_link_once(tmp_path: Path) -> None:
    """Two runs over the same pairs at once: "linked" adds up to the number of pairs, not more."""
    tenant = tenant_of(60)
    results: list[BatchLinker] = []

    def one(name: str) -> None:
        folder = tmp_path / name
        folder.mkdir()
        results.append(run(tenant, lines_for(60), folder, workers=4)[0])

    threads = [threading.Thread(target=one, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    linked = sum(r.summary.linked for r in results)
    assert linked == 60
    assert sum(r.summary.linked + r.summary.already_linked for r in results) == 120
    assert sum(tenant.links.values()) == 60


class LostAnswerTenant(AdminTenant):
    """Every link is applied, but its answer is lost (a dropped connection)."""

    def _link(self, primary: dict[str, Any], body: dict[str, Any]) -> httpx.Response:
        super()._link(primary, body)
        raise httpx.ReadError("connection reset after the link was applied")


def test_dropped_link_answer_is_read_back_before_deciding(tmp_path: Path) -> None:
    """A link whose answer was lost but which the tenant shows is "linked", not "failed"."""
    tenant = LostAnswerTenant(*tenant_of(3).users.values())
    linker, _ = run(tenant, lines_for(3), tmp_path)
    assert (linker.summary.linked, linker.summary.failed) == (3, 0)
    journal = [json.loads(line) for line in (tmp_path / "journal.jsonl").read_text().splitlines()]
    assert [r["step"] for r in journal if r.get("step") == "linked"] == ["linked"] * 3


def test_missing_users_fail_and_invalid_lines_are_counted(tmp_path: Path) -> None:
    """A pair whose users do not exist fails; invalid lines are reported and skipped."""
    tenant = tenant_of(1)
    linker, rec = run(tenant, ["auth0|nope\tgoogle-oauth2|none", "garbage", *lines_for(1)[1:]], tmp_path)
    assert linker.summary.failed == 1
    assert linker.summary.invalid == 1
    assert linker.summary.linked == 1
    assert rec.invalid == [InvalidLine(2, "expected primary_id<TAB>secondary_id")]


def test_strict_stops_at_the_first_invalid_line(tmp_path: Path) -> None:
    """--strict turns an invalid line into a UsageError naming the line."""
    with pytest.raises(UsageError, match="Line 3"):
        run(tenant_of(1), [*lines_for(1), "garbage"], tmp_path, strict=True)


def test_dry_run_changes_nothing(tmp_path: Path) -> None:
    """--dry-run plans every valid pair and makes no request."""
    tenant = tenant_of(3)
    recorder = Recorder()
    linker = BatchLinker(
        tenant.client(),
        journal=None,
        backups=None,
        pacer=Pacer(),
        reporter=recorder,
        options=BatchOptions(dry_run=True),
    )
    summary = linker.run(read_pairs([*lines_for(3), "bad"]))
    assert (summary.planned, summary.invalid, tenant.requests) == (3, 1, 0)
    assert [p.secondary_id for p in recorder.plan] == [f"google-oauth2|s{i}" for i in range(3)]


def test_second_run_on_a_busy_journal_is_a_conflict(tmp_path: Path) -> None:
    """Two runs may not share a journal: the second gets Conflict (exit 7)."""
    first = Journal(tmp_path / "j.jsonl", backup_path=None, resume=False)
    try:
        with pytest.raises(Conflict) as info:
            Journal(tmp_path / "j.jsonl", backup_path=None, resume=True)
        assert info.value.exit_code == 7
    finally:
        first.close()


def test_new_journal_refuses_an_existing_file(tmp_path: Path) -> None:
    """Starting (not resuming) on an existing journal is refused, pointing at --resume."""
    Journal(tmp_path / "j.jsonl", backup_path=None, resume=False).close()
    with pytest.raises(UsageError, match="already exists"):
        Journal(tmp_path / "j.jsonl", backup_path=None, resume=False)


def test_torn_last_line_is_ignored_on_resume(tmp_path: Path) -> None:
    """A half-written last record (power loss) does not break resuming."""
    journal = Journal(tmp_path / "j.jsonl", backup_path=None, resume=False)
    journal.record(pair_key("auth0|p", "github|1"), "linked")
    journal.close()
    with (tmp_path / "j.jsonl").open("a") as handle:
        handle.write('{"pair": "auth0|p\\tgithub|2", "st')
    resumed = Journal(tmp_path / "j.jsonl", backup_path=None, resume=True)
    resumed.record(pair_key("auth0|p", "github|3"), "linked")
    resumed.close()
    again = Journal(tmp_path / "j.jsonl", backup_path=None, resume=True)
    assert again.is_done(pair_key("auth0|p", "github|1"))
    assert again.is_done(pair_key("auth0|p", "github|3"))
    assert not again.is_done(pair_key("auth0|p", "github|2"))
    again.close()


def test_stop_event_finishes_in_flight_pairs(tmp_path: Path) -> None:
    """Setting stop (Ctrl-C) ends the run after the pair in hand; the journal stays resumable."""
    tenant = tenant_of(6)
    stop = threading.Event()
    recorder = Recorder()
    original = recorder.pair_done

    def pair_done(pair: Pair, outcome: str, detail: str) -> None:
        original(pair, outcome, detail)
        stop.set()

    recorder.pair_done = pair_done  # type: ignore[method-assign]
    journal = Journal(tmp_path / "journal.jsonl", backup_path=tmp_path / "backup.jsonl", resume=False)
    backups = AppendFile(tmp_path / "backup.jsonl")
    linker = BatchLinker(
        tenant.client(),
        journal=journal,
        backups=backups,
        pacer=Pacer(),
        reporter=recorder,
        options=BatchOptions(workers=1),
        stop=stop,
    )
    summary = linker.run(read_pairs(lines_for(6)))
    journal.close()
    backups.close()
    assert summary.interrupted
    assert 1 <= summary.linked < 6
    resumed, _ = run(tenant, lines_for(6), tmp_path, resume=True)
    assert resumed.summary.done_before == summary.linked
    assert tenant.links == {f"google-oauth2|s{i}": 1 for i in range(6)}


PAIRS = 4


def _uninterrupted_state(tmp_path: Path) -> dict[str, Any]:
    tenant = tenant_of(PAIRS)
    run(tenant, lines_for(PAIRS), tmp_path / "reference")
    return tenant.snapshot()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(crash_at=st.integers(min_value=1, max_value=4 * PAIRS), after_apply=st.booleans())
def test_any_crash_then_resume_equals_an_uninterrupted_run(
    tmp_path_factory: pytest.TempPathFactory, crash_at: int, after_apply: bool
) -> None:
    """Crash at any request (before or after it applies), resume: same tenant, no double link, no lost metadata."""
    tmp_path = tmp_path_factory.mktemp("crash")
    expected = _uninterrupted_state(tmp_path)
    tenant = tenant_of(PAIRS)
    tenant.crash_at, tenant.crash_after_apply = crash_at, after_apply
    with pytest.raises(Crash):
        run(tenant, lines_for(PAIRS), tmp_path)
    tenant.crash_at = None
    linker, _ = run(tenant, lines_for(PAIRS), tmp_path, resume=True)
    assert tenant.snapshot() == expected
    assert all(count == 1 for count in tenant.links.values())
    assert linker.summary.failed == 0
    for i in range(PAIRS):
        assert {"locale", "g", "theme", "n"} <= set(tenant.users[f"auth0|p{i}"]["user_metadata"])
    done_now = linker.summary.linked + linker.summary.already_linked + linker.summary.done_before
    assert done_now == PAIRS
