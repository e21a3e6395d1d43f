"""``batch-link``: link many (primary, secondary) pairs, resumably, at the tenant's rate limit.

Input is streamed, one pair a line, either TSV (``primary_id<TAB>secondary_id[<TAB>email<TAB>
reason]``, what ``auth0link suggest`` prints when piped; a ``primary_id…`` header line and
``#`` comments are ignored) or JSON lines (``{"primary_id": …, "secondary_id": …}``).

For each pair a worker (a few run concurrently over one HTTP connection pool, paced by
:class:`~auth0link.usecases.pacer.Pacer`):

1. fetches the secondary (if it is gone and the primary holds its identity: already linked);
2. fetches the primary; refuses unverified or different emails unless ``include_unverified``;
3. appends both users to the backup file (JSONL, 0600, fsync'd) — the undo source;
4. PATCHes the secondary's ``user_metadata`` into the primary (the ``link`` command's rule,
   :func:`auth0link.usecases.link.merge_metadata`: the primary wins unless ``prefer_secondary``);
5. links by provider/user_id and verifies the identity is in the answer.

Each step is recorded in the :class:`~auth0link.usecases.journal.Journal` (see there why resuming is
safe). The reader thread feeds a small bounded queue, so memory does not grow with the input.
Setting ``stop`` (Ctrl-C) lets workers finish the pair in hand, then the run ends with the
journal consistent.
"""

from __future__ import annotations

import dataclasses
import json
import queue
import threading
import time
from typing import TYPE_CHECKING, Any, Final, Protocol

from auth0link.errors import ApiError, Auth0LinkError, Conflict, NotFound, UsageError
from auth0link.usecases.journal import pair_key
from auth0link.usecases.readback import maybe_applied, read_back

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

    from auth0link.client import Auth0Client
    from auth0link.models import User
    from auth0link.usecases.journal import AppendFile, Journal
    from auth0link.usecases.pacer import Pacer

DEFAULT_WORKERS: Final = 4
MAX_429_RETRIES: Final = 20
_HTTP_TOO_MANY: Final = 429
HEADER_PREFIX: Final = "primary_id"
MAX_ID_LENGTH: Final = 512


@dataclasses.dataclass(frozen=True)
class Pair:
    """One input line: link ``secondary_id`` into ``primary_id``."""

    primary_id: str
    secondary_id: str
    line: int
    email: str | None = None

    @property
    def key(self) -> str:
        """The pair's journal key."""
        return pair_key(self.primary_id, self.secondary_id)


@dataclasses.dataclass(frozen=True)
class InvalidLine:
    """An input line that is not a pair (reported with its number, then skipped)."""

    line: int
    reason: str


def _valid_id(value: object) -> bool:
    return isinstance(value, str) and "|" in value and 0 < len(value) <= MAX_ID_LENGTH and value.isprintable()


def parse_line(text: str, number: int) -> Pair | InvalidLine | None:  # noqa: PLR0911 - one return per case
    """Parse one input line; None for blank lines, comments and the TSV header."""
    stripped = text.strip()
    if not stripped or stripped.startswith(("#", HEADER_PREFIX)):
        return None
    if stripped.startswith("{"):
        try:
            data = json.loads(stripped)
        except ValueError:
            return InvalidLine(number, "not valid JSON")
        if not isinstance(data, dict):
            return InvalidLine(number, "a JSON line must be an object")
        primary = data.get("primary_id", data.get("primary"))
        secondary = data.get("secondary_id", data.get("secondary"))
        email = data.get("email") if isinstance(data.get("email"), str) else None
    else:
        fields = text.rstrip("\r\n").split("\t")
        if len(fields) < 2:  # noqa: PLR2004 - primary and secondary
            return InvalidLine(number, "expected primary_id<TAB>secondary_id")
        primary, secondary = fields[0].strip(), fields[1].strip()
        email = fields[2].strip() or None if len(fields) > 2 else None  # noqa: PLR2004
    if not _valid_id(primary) or not _valid_id(secondary):
        return InvalidLine(number, "user IDs must look like provider|id")
    assert isinstance(primary, str)
    assert isinstance(secondary, str)
    if primary == secondary:
        return InvalidLine(number, "primary and secondary are the same user")
    return Pair(primary, secondary, number, email)


def read_pairs(lines: Iterable[str | bytes]) -> Iterator[Pair | InvalidLine]:
    """Stream pairs (and invalid lines) from any line iterable, 1-based line numbers.

    Byte lines (a file or stdin read in binary) are decoded here: one that is not UTF-8 is an
    invalid line, reported and skipped like any other.
    """
    for number, raw in enumerate(lines, start=1):
        try:
            text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        except UnicodeDecodeError:
            yield InvalidLine(number, "not UTF-8 text")
            continue
        parsed = parse_line(text, number)
        if parsed is not None:
            yield parsed


@dataclasses.dataclass
class Summary:
    """Counts for the run's last line (and ``--json``)."""

    linked: int = 0
    already_linked: int = 0
    skipped: int = 0
    failed: int = 0
    invalid: int = 0
    done_before: int = 0
    planned: int = 0
    requests: int = 0
    rate_limited: int = 0
    elapsed: float = 0.0
    interrupted: bool = False
    journal: str | None = None
    backup: str | None = None

    @property
    def processed(self) -> int:
        """Pairs handled in this run (all outcomes)."""
        return self.linked + self.already_linked + self.skipped + self.failed + self.done_before

    def to_json(self) -> dict[str, Any]:
        """Stable ``--json`` keys."""
        return dataclasses.asdict(self)


class Reporter(Protocol):
    """Where the run reports progress and per-pair problems (the CLI's output)."""

    def pair_done(self, pair: Pair, outcome: str, detail: str) -> None:
        """One pair finished with ``outcome`` (linked, already_linked, skipped, failed, done)."""

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


class _Outcome(Exception):
    def __init__(self, outcome: str, detail: str) -> None:
        super().__init__(detail)
        self.outcome = outcome
        self.detail = detail


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
        """Wire the collaborators; ``client`` must not retry 429 itself (the pacer does)."""
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
                outcome, detail = "failed", exc.message
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

    def _count(self, pair: Pair, outcome: str, detail: str) -> None:
        with self._lock:
            if outcome == "done":
                self.summary.done_before += 1
            else:
                setattr(self.summary, outcome, getattr(self.summary, outcome) + 1)
        if outcome == "failed" and self.journal is not None:
            self.journal.record(pair.key, "failed", line=pair.line, error=detail[:300])
        elif outcome == "skipped" and self.journal is not None:
            self.journal.record(pair.key, "skipped", line=pair.line, reason=detail[:300])
        self.reporter.pair_done(pair, outcome, detail)

    # -- one pair ---------------------------------------------------------------------------

    def _call(self, fn: Callable[[], Any]) -> Any:
        """One paced request; a 429 pauses every worker until the bucket resets, then retries."""
        for _ in range(MAX_429_RETRIES):
            self.pacer.acquire()
            try:
                result = fn()
            except ApiError as exc:
                limited = exc.status_code == _HTTP_TOO_MANY
                self.pacer.observe(self.client.rate_limit, limited=limited)
                if limited:
                    continue
                raise
            except BaseException:
                self.pacer.observe(self.client.rate_limit)
                raise
            self.pacer.observe(self.client.rate_limit)
            return result
        raise ApiError(
            "The tenant kept answering 429 (rate limited).",
            status_code=_HTTP_TOO_MANY,
            hint="another client is using the tenant's rate limit; resume later with --resume",
        )

    def _record(self, pair: Pair, step: str, **fields: Any) -> None:
        if self.journal is not None:
            self.journal.record(pair.key, step, line=pair.line, **fields)

    def _process(self, pair: Pair) -> tuple[str, str]:
        if self.journal is not None and self.journal.is_done(pair.key):
            return "done", "done in an earlier run"
        try:
            return self._link_pair(pair)
        except _Outcome as outcome:
            return outcome.outcome, outcome.detail

    def _finished_before(self, pair: Pair, primary: User, provider: str, user_id: str) -> tuple[str, str]:
        """The secondary is gone: linked already (by an earlier, interrupted run or by someone)."""
        if primary.find_identity(provider, user_id) is None:
            raise _Outcome("failed", f"secondary {pair.secondary_id} does not exist")
        if self.journal is not None and self.journal.was_started_earlier(pair.key):
            self._record(pair, "linked", resumed=True)
            return "linked", "finished a link interrupted in an earlier run"
        self._record(pair, "already_linked")
        return "already_linked", "already linked"

    def _link(self, pair: Pair, provider: str, raw_id: str) -> tuple[str, str] | None:
        """POST the link; None when this run linked it, else the outcome the tenant showed.

        A 409 means someone else linked it meanwhile ("already linked" if it is in the primary);
        a lost or unreadable answer is read back (:mod:`auth0link.usecases.readback`) before deciding.
        """
        client = self.client
        try:
            identities = self._call(
                lambda: client.link_identity(pair.primary_id, provider=provider, user_id=raw_id)
            )
        except Conflict:
            primary = self._call(lambda: client.get_user(pair.primary_id))
            if primary.find_identity(provider, raw_id) is None:
                raise _Outcome("failed", f"{pair.secondary_id} is linked to another user") from None
            self._record(pair, "already_linked")
            return "already_linked", "already linked (by someone else meanwhile)"
        except Auth0LinkError as exc:
            if not maybe_applied(exc):
                raise
            applied, _ = read_back(
                lambda: (
                    self._call(lambda: client.get_user(pair.primary_id)).find_identity(provider, raw_id)
                    is not None
                ),
                sleep=self._sleep,
            )
            if not applied:
                raise _Outcome(
                    "failed",
                    f"the answer to the link was lost ({exc.message}) and reading back does not show it "
                    "yet: unknown whether it was linked (--resume checks again)",
                ) from None
            return None
        if not any(i.provider == provider and i.user_id == raw_id for i in identities):
            raise _Outcome("failed", "the link answer does not show the secondary identity")
        return None

    def _link_pair(self, pair: Pair) -> tuple[str, str]:
        client = self.client
        provider, _, raw_id = pair.secondary_id.partition("|")
        try:
            secondary: User = self._call(lambda: client.get_user(pair.secondary_id))
        except NotFound:
            try:
                primary: User = self._call(lambda: client.get_user(pair.primary_id))
            except NotFound:
                raise _Outcome(
                    "failed", f"neither {pair.primary_id} nor {pair.secondary_id} exists"
                ) from None
            return self._finished_before(pair, primary, provider, raw_id)
        try:
            primary = self._call(lambda: client.get_user(pair.primary_id))
        except NotFound:
            raise _Outcome("failed", f"primary {pair.primary_id} does not exist") from None
        self._check(pair, primary, secondary)
        identity = secondary.primary_identity or (secondary.identities[0] if secondary.identities else None)
        if identity is not None:
            provider, raw_id = identity.provider, identity.user_id
        if self.backups is not None:
            self.backups.append(backup_record(primary, secondary, journal=self.journal))
        self._record(pair, "backup")
        from auth0link.usecases.link import merge_metadata

        patch = merge_metadata(
            primary.user_metadata, secondary.user_metadata, absorbed_wins=self.options.prefer_secondary
        ).patch
        if patch:
            merged: User = self._call(lambda: client.patch_user_metadata(pair.primary_id, patch))
            lost = [k for k, v in patch.items() if merged.user_metadata.get(k) != v]
            if merged.user_id and lost:
                raise _Outcome("failed", f"metadata merge not applied for keys {lost}; nothing linked")
        self._record(pair, "merged", keys=sorted(patch))
        other = self._link(pair, provider, raw_id)
        if other is not None:
            return other
        self._record(pair, "linked")
        return "linked", f"merged {len(patch)} metadata key(s)" if patch else "linked"

    def _check(self, pair: Pair, primary: User, secondary: User) -> None:
        if len(secondary.identities) > 1:
            raise _Outcome(
                "skipped", f"{pair.secondary_id} has linked identities of its own; link it as primary"
            )
        if self.options.include_unverified:
            return
        if not (primary.email_verified and secondary.email_verified):
            raise _Outcome("skipped", "an email is not verified (use --include-unverified to override)")
        if (primary.email or "").lower() != (secondary.email or "").lower() or not primary.email:
            raise _Outcome("skipped", "the emails differ (use --include-unverified to override)")


BACKUP_FORMAT: Final = "auth0link-link-backup/1"


def backup_record(primary: User, secondary: User, *, journal: Journal | None) -> dict[str, Any]:
    """One backup line: both users as Auth0 returned them (minus IdP tokens), before any change.

    Same fields as the ``link`` command's backup files (``kept``/``absorbed``), so ``auth0link
    backups`` and ``unlink --restore-metadata`` read both.
    """
    import datetime as dt

    from auth0link.usecases.link import strip_idp_tokens

    return {
        "format": BACKUP_FORMAT,
        "created_at": dt.datetime.now(tz=dt.UTC).isoformat(),
        "direction": "current",
        "source": "batch-link",
        "journal": str(journal.path) if journal else None,
        "kept": strip_idp_tokens(primary.raw),
        "absorbed": strip_idp_tokens(secondary.raw),
    }


def _drain(work: queue.Queue[Pair | None]) -> None:
    while True:
        try:
            work.get_nowait()
        except queue.Empty:
            return
