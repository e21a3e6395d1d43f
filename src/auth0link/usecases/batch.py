"""``batch-link``: link many (primary, secondary) pairs, resumably, at the tenant's rate limit.

Pairs come from :mod:`auth0link.infra.pipe_format`, streamed. Each pair runs the shared safe-link sequence
(:func:`.safe_link.safe_link`) with :func:`.admin.admin_check`'s rules (both emails verified and
equal unless ``include_unverified``, a secondary without linked identities of its own) through a
:class:`PacedTenant`: every request is paced by :class:`~auth0link.infra.pacer.Pacer`, and
both users are read with one ``users-by-email`` request when the input names their shared email.
So a pair costs three requests with a metadata merge and two without (read, [merge,] link).

Each step is recorded in the :class:`~auth0link.infra.journal.Journal` (see there why
resuming is safe) and the backup of both users goes to the run's backup file before any change.
Outcomes: ``linked``; ``already_linked`` (the tenant said so; or ``linked`` when an earlier run
of this journal started the pair); ``skipped`` (a safety rule said no); ``failed``. Workers (a
few, over one connection pool) never hold the same user at once; a reader thread feeds a small
bounded queue, so memory does not grow with the input. Setting ``stop`` (Ctrl-C) lets workers
finish the pair in hand, then the run ends with the journal consistent.
"""

from __future__ import annotations

import dataclasses
import queue
import threading
import time
from typing import TYPE_CHECKING, Any, Final, Protocol

from auth0link.errors import AlreadyLinked, ApiError, Auth0LinkError, Refused, UsageError
from auth0link.infra.pacer import paced
from auth0link.infra.pipe_format import InvalidLine, Pair
from auth0link.models import BatchOutcome as Outcome
from auth0link.models import BatchSummary as Summary
from auth0link.usecases.admin import admin_check
from auth0link.usecases.backups import BackupLog
from auth0link.usecases.safe_link import LinkSubject, MergeOptions, Observer, safe_link

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from auth0link.client import Auth0Client
    from auth0link.infra.journal import AppendFile, Journal
    from auth0link.infra.pacer import Pacer
    from auth0link.models import Identity, User
    from auth0link.usecases.backups import BackupSink

DEFAULT_WORKERS: Final = 4
_HTTP_BAD_REQUEST: Final = 400


class Reporter(Protocol):
    """Where the run reports progress and per-pair problems (the CLI's output)."""

    def pair_done(self, pair: Pair, outcome: Outcome, detail: str) -> None:
        """One pair finished with ``outcome``."""

    def invalid_line(self, item: InvalidLine) -> None:
        """An input line was not a pair."""

    def planned(self, pair: Pair) -> None:
        """``--dry-run``: this pair would be linked."""


@dataclasses.dataclass(frozen=True)
class BatchOptions:
    """How to run."""

    dry_run: bool = False
    strict: bool = False
    prefer_secondary: bool = False
    include_unverified: bool = False
    workers: int = DEFAULT_WORKERS


class BatchLinker:
    """Runs the pairs of one input through a journal, a backup file and a pacer."""

    def __init__(
        self,
        client: Auth0Client,
        *,
        journal: Journal | None,
        backups: AppendFile | None,
        pacer: Pacer,
        reporter: Reporter,
        options: BatchOptions,
        stop: threading.Event | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Wire the collaborators; ``client`` must not retry 429 itself (the pacer does).

        Only a dry run may go without ``backups`` (nothing is changed, nothing is backed up).
        """
        if backups is None and not options.dry_run:
            msg = "a batch-link run that links needs a backup file (see journal.open_run_files)"
            raise ValueError(msg)
        self.client = client
        self.journal = journal
        self.backups = backups
        self.pacer = pacer
        self.reporter = reporter
        self.options = options
        self.stop = stop or threading.Event()
        self._clock = clock
        self._sleep = sleep
        self.summary = Summary(
            journal=str(journal.path) if journal else None,
            backup=str(backups.path) if backups else None,
        )
        self._lock = threading.Lock()
        self._busy: set[str] = set()
        self._busy_cond = threading.Condition(self._lock)
        self._errors: list[BaseException] = []

    # -- running ----------------------------------------------------------------------------

    def run(self, items: Iterable[Pair | InvalidLine]) -> Summary:
        """Process every item; returns the summary (also on Ctrl-C, with ``interrupted``)."""
        started = self._clock()
        try:
            if self.options.dry_run:
                self._dry_run(items)
            else:
                self._run_workers(items)
        finally:
            self.summary.elapsed = self._clock() - started
            self.summary.requests = self.pacer.requests
            self.summary.rate_limited = self.pacer.limited
        return self.summary

    def _invalid(self, item: InvalidLine) -> None:
        with self._lock:
            self.summary.invalid += 1
        self.reporter.invalid_line(item)
        if self.options.strict:
            raise UsageError(
                f"Line {item.line}: {item.reason}.",
                hint="fix the line, or drop --strict to skip invalid lines",
            )

    def _dry_run(self, items: Iterable[Pair | InvalidLine]) -> None:
        for item in items:
            if isinstance(item, InvalidLine):
                self._invalid(item)
            elif self.journal is not None and self.journal.is_done(item.key):
                self.summary.done_before += 1
            else:
                self.summary.planned += 1
                self.reporter.planned(item)

    def _feed(self, items: Iterable[Pair | InvalidLine], work: queue.Queue[Pair | None]) -> None:
        for item in items:
            if self.stop.is_set() or self._errors:
                return
            if isinstance(item, InvalidLine):
                self._invalid(item)
                continue
            while not self.stop.is_set():
                try:
                    work.put(item, timeout=0.2)
                    break
                except queue.Full:
                    continue

    def _run_workers(self, items: Iterable[Pair | InvalidLine]) -> None:
        work: queue.Queue[Pair | None] = queue.Queue(maxsize=self.options.workers * 2)
        threads = [
            threading.Thread(target=self._worker, args=(work,), name=f"batch-{i}", daemon=True)
            for i in range(max(1, self.options.workers))
        ]
        for thread in threads:
            thread.start()
        try:
            self._feed(items, work)
        except KeyboardInterrupt:
            self.stop.set()
            self.summary.interrupted = True
        finally:
            if self.stop.is_set() or self._errors:
                self.summary.interrupted = self.stop.is_set() and not self._errors
                _drain(work)
            for _ in threads:
                while any(t.is_alive() for t in threads):  # a dead worker never takes its sentinel
                    try:
                        work.put(None, timeout=0.2)
                        break
                    except queue.Full:
                        continue
            self._join(threads)
        if self._errors:
            raise self._errors[0]

    def _join(self, threads: list[threading.Thread]) -> None:
        pending = list(threads)
        while pending:
            try:
                for thread in pending:
                    thread.join(0.2)
                pending = [t for t in pending if t.is_alive()]
            except KeyboardInterrupt:
                self.stop.set()  # a second Ctrl-C: still let in-flight pairs finish
                self.summary.interrupted = True

    def _worker(self, work: queue.Queue[Pair | None]) -> None:
        while True:
            pair = work.get()
            if pair is None:
                return
            if self.stop.is_set():
                continue
            try:
                self._claim(pair)
                try:
                    outcome, detail = self._process(pair)
                finally:
                    self._release(pair)
            except Auth0LinkError as exc:
                outcome, detail = Outcome.FAILED, exc.message
            except BaseException as exc:  # noqa: BLE001 - surfaced in the main thread
                self.stop.set()
                self._errors.append(exc)
                return
            self._count(pair, outcome, detail)

    def _claim(self, pair: Pair) -> None:
        """Never work on the same user in two workers at once (duplicate or chained lines)."""
        with self._busy_cond:
            while pair.primary_id in self._busy or pair.secondary_id in self._busy:
                self._busy_cond.wait(0.5)
            self._busy.update((pair.primary_id, pair.secondary_id))

    def _release(self, pair: Pair) -> None:
        with self._busy_cond:
            self._busy.discard(pair.primary_id)
            self._busy.discard(pair.secondary_id)
            self._busy_cond.notify_all()

    def _count(self, pair: Pair, outcome: Outcome, detail: str) -> None:
        with self._lock:
            self.summary.count(outcome)
        if outcome is Outcome.FAILED and self.journal is not None:
            self.journal.record(pair.key, "failed", line=pair.line, error=detail[:300])
        elif outcome is Outcome.SKIPPED and self.journal is not None:
            self.journal.record(pair.key, "skipped", line=pair.line, reason=detail[:300])
        self.reporter.pair_done(pair, outcome, detail)

    # -- one pair ---------------------------------------------------------------------------

    def _call(self, fn: Callable[[], Any]) -> Any:
        """One paced request; a 429 pauses every worker until the bucket resets, then retries."""
        return paced(
            self.pacer,
            fn,
            rate_limit=lambda: self.client.rate_limit,
            hint="another client is using the tenant's rate limit; resume later with --resume",
        )

    def _record(self, pair: Pair, step: str, **fields: Any) -> None:
        if self.journal is not None:
            self.journal.record(pair.key, step, line=pair.line, **fields)

    def _process(self, pair: Pair) -> tuple[Outcome, str]:
        if self.journal is not None and self.journal.is_done(pair.key):
            return Outcome.DONE_BEFORE, "done in an earlier run"
        return self._link_pair(pair)

    def _link_pair(self, pair: Pair) -> tuple[Outcome, str]:
        """One pair through the safe-link sequence; the outcome and a short detail."""
        journal_path = str(self.journal.path) if self.journal is not None else None
        assert self.backups is not None
        tenant = self.journal.tenant if self.journal is not None else None
        backup: BackupSink = BackupLog(self.backups, journal=journal_path, tenant=tenant)
        try:
            outcome = safe_link(
                LinkSubject(pair.primary_id, pair.secondary_id),
                tenant=PacedTenant(self.client, self._call, email=pair.email),
                check=admin_check(
                    allow_unverified=self.options.include_unverified,
                    override="(--include-unverified overrides this; account-takeover risk)",
                ),
                merge=MergeOptions(prefer_secondary=self.options.prefer_secondary),
                backup=backup,
                observer=Observer(record=lambda step, **fields: self._step(pair, step, fields)),
                source="batch-link",
                sleep=self._sleep,
            )
        except AlreadyLinked:
            if self.journal is not None and self.journal.was_started_earlier(pair.key):
                self._record(pair, "linked", resumed=True)
                return Outcome.LINKED, "finished a link interrupted in an earlier run"
            self._record(pair, "already_linked")
            return Outcome.ALREADY_LINKED, "already linked"
        except Refused as exc:
            return Outcome.SKIPPED, exc.message
        self._record(pair, "linked")
        merged = f"merged {len(outcome.patched)} metadata key(s)" if outcome.patched else "linked"
        return Outcome.LINKED, merged

    def _step(self, pair: Pair, step: str, fields: dict[str, Any]) -> None:
        """A step of the sequence into the journal (the backup's location is the run's file)."""
        self._record(pair, step, **{k: v for k, v in fields.items() if k != "location"})


@dataclasses.dataclass(frozen=True)
class PacedTenant:
    """The tenant as batch-link sees it: every request paced, both users in one request if it can."""

    client: Auth0Client
    call: Callable[[Callable[[], Any]], Any]
    email: str | None = None

    def read_pair(self, subject: LinkSubject) -> tuple[User, User | None]:
        """``users-by-email`` when the shared email is known (one request), else one GET each."""
        by_id: dict[str, User] = {}
        email = self.email
        if email and "@" in email:  # the input's third column; anything else: one GET each
            try:
                by_id = {u.user_id: u for u in self.call(lambda: self.client.users_by_email(email))}
            except ApiError as exc:
                if exc.status_code != _HTTP_BAD_REQUEST:  # a value the tenant does not take as an email
                    raise
        secondary = by_id.get(subject.secondary_id) or self.read_user(subject.secondary_id)
        primary = by_id.get(subject.primary_id) or self.read_user(subject.primary_id)
        return primary, secondary

    def read_user(self, user_id: str) -> User:
        """One user by ID."""
        user: User = self.call(lambda: self.client.get_user(user_id))
        return user

    def patch_metadata(self, user_id: str, patch: Mapping[str, Any]) -> User:
        """PATCH ``user_metadata``."""
        user: User = self.call(lambda: self.client.patch_user_metadata(user_id, patch))
        return user

    def link(self, subject: LinkSubject, provider: str, user_id: str) -> list[Identity]:
        """POST ``{provider, user_id}``."""
        identities: list[Identity] = self.call(
            lambda: self.client.link_identity(subject.primary_id, provider=provider, user_id=user_id)
        )
        return identities


def _drain(work: queue.Queue[Pair | None]) -> None:
    while True:
        try:
            work.get_nowait()
        except queue.Empty:
            return
