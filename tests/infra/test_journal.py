"""The batch journal: locking, torn lines, the run files, and resume after a crash or Ctrl-C."""

from __future__ import annotations

import contextlib
import functools
import json
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from auth0link.cli import exit_code_for
from auth0link.errors import Conflict, ExitCode, UsageError
from auth0link.infra.journal import Journal, open_run_files, pair_key
from auth0link.usecases.backups import find_backups
from tests.support.batch import BatchTenant, Recorder, lines_for, path_of
from tests.support.tenant import Crash
from tests.support.tenants import duplicate_pairs, primary_id, secondary_id

if TYPE_CHECKING:
    from collections.abc import Iterator

    import httpx


@pytest.fixture
def tenant() -> Iterator[BatchTenant]:
    """An emulator tenant with 6 duplicate pairs (closed after the test)."""
    made = BatchTenant(duplicate_pairs(6))
    yield made
    made.close()


def records(journal: Path) -> list[dict[str, Any]]:
    """The journal's readable records."""
    return [json.loads(line) for line in journal.read_text().splitlines()]


# -- the journal file ------------------------------------------------------------------------------


def test_second_run_on_a_busy_journal_is_a_conflict(tmp_path: Path) -> None:
    """Two runs may not share a journal: the second gets Conflict (exit 7)."""
    first = Journal(tmp_path / "j.jsonl", backup_path=None, resume=False)
    try:
        with pytest.raises(Conflict, match="Another batch-link run") as info:
            Journal(tmp_path / "j.jsonl", backup_path=None, resume=True)
        assert exit_code_for(info.value) == ExitCode.CONFLICT
        assert int(ExitCode.CONFLICT) == 7
    finally:
        first.close()


def test_new_journal_refuses_an_existing_file(tmp_path: Path) -> None:
    """Starting (not resuming) on an existing journal is refused, pointing at --resume."""
    Journal(tmp_path / "j.jsonl", backup_path=None, resume=False).close()
    with pytest.raises(UsageError, match="already exists") as info:
        Journal(tmp_path / "j.jsonl", backup_path=None, resume=False)
    assert info.value.hint is not None
    assert "--resume" in info.value.hint


def test_resume_needs_an_existing_journal(tmp_path: Path) -> None:
    """--resume on a path with no journal is a usage error naming the path."""
    with pytest.raises(UsageError, match="No journal at"):
        Journal(tmp_path / "missing.jsonl", backup_path=None, resume=True)


def _torn_journal(path: Path) -> None:
    """A journal with github|1 linked, then a half-written record of github|2 (power loss)."""
    journal = Journal(path, backup_path=None, resume=False)
    journal.record(pair_key("auth0|p", "github|1"), "linked")
    journal.close()
    with path.open("a") as handle:
        handle.write('{"pair": "auth0|p\\tgithub|2", "st')


def test_torn_last_line_is_ignored_on_resume(tmp_path: Path) -> None:
    """A half-written last record (power loss) does not break resuming."""
    _torn_journal(tmp_path / "j.jsonl")
    resumed = Journal(tmp_path / "j.jsonl", backup_path=None, resume=True)
    resumed.record(pair_key("auth0|p", "github|3"), "linked")
    resumed.close()
    again = Journal(tmp_path / "j.jsonl", backup_path=None, resume=True)
    assert again.is_done(pair_key("auth0|p", "github|1"))
    assert again.is_done(pair_key("auth0|p", "github|3"))
    assert not again.is_done(pair_key("auth0|p", "github|2"))
    assert again.done_before == 2
    again.close()


def test_dry_run_resume_leaves_a_torn_journal_as_it_is(tmp_path: Path) -> None:
    """Opening a journal for a dry run writes nothing, not even the newline that ends a torn line."""
    _torn_journal(tmp_path / "j.jsonl")
    before = (tmp_path / "j.jsonl").read_bytes()
    open_run_files(
        tmp_path, journal_path=None, resume_path=tmp_path / "j.jsonl", dry_run=True, now=1e9
    ).close()
    assert (tmp_path / "j.jsonl").read_bytes() == before


def test_only_terminal_steps_are_done_and_started_pairs_are_remembered(tmp_path: Path) -> None:
    """linked/already_linked are done; a pair backed up but not finished is "started earlier"."""
    journal = Journal(tmp_path / "j.jsonl", backup_path=None, resume=False)
    for key, step in [("a", "linked"), ("b", "already_linked"), ("c", "backup"), ("d", "failed")]:
        journal.record(key, step)
    journal.close()
    resumed = Journal(tmp_path / "j.jsonl", backup_path=None, resume=True)
    assert [resumed.is_done(k) for k in "abcd"] == [True, True, False, False]
    assert [resumed.was_started_earlier(k) for k in "abcd"] == [False, False, True, False]
    resumed.close()


def test_run_files_are_unique_per_run_and_resume_finds_the_backup(tmp_path: Path) -> None:
    """Two runs started at the same second get their own files; --resume reuses the run's backup."""
    first = open_run_files(tmp_path, journal_path=None, resume_path=None, dry_run=False, now=1e9)
    second = open_run_files(tmp_path, journal_path=None, resume_path=None, dry_run=False, now=1e9)
    assert first.journal is not None
    assert second.journal is not None
    assert first.backups is not None
    assert first.journal.path != second.journal.path
    journal, backup = first.journal.path, first.backups.path
    first.close()
    second.close()
    resumed = open_run_files(tmp_path, journal_path=None, resume_path=journal, dry_run=False, now=2e9)
    assert resumed.backups is not None
    assert resumed.backups.path == backup
    resumed.close()


def test_dry_run_opens_no_file(tmp_path: Path) -> None:
    """A dry run creates neither a journal nor a backup file."""
    files = open_run_files(tmp_path, journal_path=None, resume_path=None, dry_run=True, now=1e9)
    assert (files.journal, files.backups) == (None, None)
    assert list(tmp_path.iterdir()) == []


# -- resuming runs against the emulator ------------------------------------------------------------


def test_resume_skips_what_is_done_and_retries_what_failed(tenant: BatchTenant, tmp_path: Path) -> None:
    """On resume, linked pairs are not touched again; a pair that failed is tried again."""
    tenant.faults.fail("POST", f"/api/v2/users/{primary_id(1)}/identities", "400")
    first = tenant.run(lines_for(range(3)), tmp_path)
    assert (first.summary.linked, first.summary.failed) == (2, 1)
    tenant.faults.requests.clear()
    resumed = tenant.run(lines_for(range(3)), tmp_path, resume=True)
    assert (resumed.summary.done_before, resumed.summary.linked) == (2, 1)
    assert {path for _, path in tenant.faults.requests} >= {f"/api/v2/users/{primary_id(1)}/identities"}
    assert not any(primary_id(0) in path or primary_id(2) in path for _, path in tenant.faults.requests)


def test_stop_event_finishes_in_flight_pairs(tenant: BatchTenant, tmp_path: Path) -> None:
    """Setting stop (Ctrl-C) ends the run after the pair in hand; the journal stays resumable."""
    stop = threading.Event()
    run = tenant.run(lines_for(range(6)), tmp_path, stop=stop, recorder=Recorder(on_done=stop.set))
    assert run.summary.interrupted
    assert 1 <= run.summary.linked < 6
    assert run.summary.failed == 0
    resumed = tenant.run(lines_for(range(6)), tmp_path, resume=True)
    assert resumed.summary.done_before == run.summary.linked
    assert resumed.summary.linked == 6 - run.summary.linked
    assert tenant.state() == {
        primary_id(i): (
            [primary_id(i), secondary_id(i)],
            {"theme": "light", "n": i, "locale": "fr", "g": i},
            {},
        )
        for i in range(6)
    }


def test_ctrl_c_while_reading_input_ends_the_run_resumably(tenant: BatchTenant, tmp_path: Path) -> None:
    """Ctrl-C (KeyboardInterrupt in the main thread) ends the run; resume links exactly the rest."""

    def interrupted_after(count: int) -> Iterator[str]:
        yield from lines_for(range(6))[: count + 1]
        raise KeyboardInterrupt

    run = tenant.run(interrupted_after(3), tmp_path)
    assert run.summary.interrupted
    assert run.summary.failed == 0
    assert run.summary.linked <= 3
    resumed = tenant.run(lines_for(range(6)), tmp_path, resume=True)
    assert (resumed.summary.done_before, resumed.summary.linked) == (
        run.summary.linked,
        6 - run.summary.linked,
    )
    assert resumed.summary.failed == resumed.summary.already_linked == 0


def test_dry_run_with_resume_plans_only_what_is_not_done(tenant: BatchTenant, tmp_path: Path) -> None:
    """--dry-run --resume skips the journal's finished pairs and plans the others, sending nothing."""
    tenant.run(lines_for(range(2)), tmp_path)
    tenant.faults.requests.clear()
    run = tenant.run(lines_for(range(6)), tmp_path, resume=True, dry_run=True)
    assert (run.summary.done_before, run.summary.planned) == (2, 4)
    assert [p.secondary_id for p in run.recorder.plan] == [secondary_id(i) for i in range(2, 6)]
    assert tenant.faults.requests == []


def test_backup_records_after_a_torn_backup_line_stay_readable(tenant: BatchTenant, tmp_path: Path) -> None:
    """A backup file torn by a power loss: the resumed run's records still start on their own lines."""
    first = tenant.run(lines_for(range(1)), tmp_path)
    assert first.backup is not None
    with first.backup.open("a") as handle:
        handle.write('{"format": "auth0link-link-backup/1", "kept": {"user_id": "auth0|x"')
    resumed = tenant.run(lines_for(range(3)), tmp_path, resume=True)
    assert resumed.backup == first.backup
    found = [(e.primary_id, e.secondary_id) for e in find_backups(first.backup.parent)]
    assert found == [(primary_id(i), secondary_id(i)) for i in range(3)]


def test_link_applied_before_a_crash_counts_as_linked_on_resume(tenant: BatchTenant, tmp_path: Path) -> None:
    """The run died after its POST was applied: resume says "linked" (it started it), not already_linked."""
    tenant.faults.fail("POST", f"/api/v2/users/{primary_id(0)}/identities", "crash-after")
    with pytest.raises(Crash):
        tenant.run(lines_for(range(1)), tmp_path)
    resumed = tenant.run(lines_for(range(1)), tmp_path, resume=True)
    assert (resumed.summary.linked, resumed.summary.already_linked) == (1, 0)
    assert resumed.recorder.details[secondary_id(0)] == "finished a link interrupted in an earlier run"
    assert resumed.journal is not None
    assert records(resumed.journal)[-1]["resumed"] is True


# -- the property: crash at any request, then resume = an uninterrupted run -------------------------

PAIRS = 4


def crash_users() -> list[dict[str, Any]]:
    """Four pairs; in the last one the secondary adds no metadata key (no PATCH)."""
    users = duplicate_pairs(PAIRS)
    users[-1]["user_metadata"] = {"theme": "dark"}
    return users


def crash_lines() -> list[str]:
    """Pair 1 has no email on its line (read by ID), the others do (one users-by-email)."""
    with_email = lines_for(range(PAIRS))
    return [*with_email[:2], lines_for([1], email=False)[1], *with_email[3:]]


REQUESTS = 3 + 4 + 3 + 2  # with a merge, by ID, with a merge, without a merge


@functools.cache
def uninterrupted() -> Any:
    """The tenant's state after one uninterrupted run (computed once)."""
    with contextlib.closing(BatchTenant(crash_users())) as reference, tempfile.TemporaryDirectory() as tmp:
        run = reference.run(crash_lines(), Path(tmp))
        assert (run.summary.linked, run.summary.requests) == (PAIRS, REQUESTS)
        return reference.state()


# Every case, not a sample: 12 requests x before/after applying x 1 or 3 workers (48 small tests that
# xdist spreads over the workers; a sample of 60 random draws missed some and took ~15 s in one test).
@pytest.mark.parametrize("workers", [1, 3])
@pytest.mark.parametrize("after_apply", [False, True], ids=["before-apply", "after-apply"])
@pytest.mark.parametrize("crash_at", range(1, REQUESTS + 1))
def test_any_crash_then_resume_equals_an_uninterrupted_run(
    tmp_path: Path, crash_at: int, after_apply: bool, workers: int
) -> None:
    """Crash at any request (before or after it applies), resume: same tenant, no double link, no lost metadata."""
    expected = uninterrupted()

    with contextlib.closing(BatchTenant(crash_users())) as crashing:

        def arm(request: httpx.Request, n: int) -> None:
            if n == crash_at:
                crashing.faults.fail(
                    request.method, path_of(request), "crash-after" if after_apply else "crash"
                )

        with pytest.raises(Crash):
            crashing.run(crash_lines(), tmp_path, workers=workers, hook=arm)
        resumed = crashing.run(crash_lines(), tmp_path, resume=True, workers=workers)
        assert crashing.state() == expected
    assert resumed.summary.failed == 0
    done = resumed.summary.linked + resumed.summary.already_linked + resumed.summary.done_before
    assert done == PAIRS
