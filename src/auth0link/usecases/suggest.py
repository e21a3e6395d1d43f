"""``suggest``: candidate (primary, secondary) pairs among users who share an email.

Sources: ``--email E`` asks ``users-by-email`` once. ``--all`` reads a users export (Auth0's
search stops at 1,000 results, an export job does not): the file an export job just wrote
(:mod:`.export_job`) or, with ``--from-export``, one the admin has (:mod:`.export_file`). The
export is streamed; only a compact row per user with an email (ID, connection, created_at,
verified, identity count) goes into an index on disk (:mod:`.email_index`), so memory stays flat
whatever the number of users; nothing is capped.

Groups are emitted sorted by email once the whole export is read. Within a group, the **suggested primary**
is, in this order:

1. a user of ``--prefer-connection`` when given;
2. a user that already has linked identities (it is someone's primary already);
3. a database account (``auth0|…``): its password and user profile data are usually the "real" account;
4. the oldest account (``created_at``), then the smallest user ID (a stable tie-break).

Every other member becomes one pair with that primary. Only verified emails are considered
unless ``include_unverified``; such pairs say so in their ``reason``.
"""

from __future__ import annotations

import contextlib
import dataclasses
from typing import TYPE_CHECKING, Protocol

from auth0link.infra.email_index import EmailIndex
from auth0link.infra.pipe_format import Suggestion

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from auth0link.client import Auth0Client
    from auth0link.infra.export_file import ExportReader, ReadStats, UserRow
    from auth0link.models import ExportJob, TenantMark, User


@dataclasses.dataclass(frozen=True, slots=True)
class Candidate:
    """The few fields of a user the primary rule needs."""

    user_id: str
    connection: str
    created_at: str
    verified: bool
    identity_count: int

    @classmethod
    def from_user(cls, user: User) -> Candidate:
        """Keep only what the rule needs (the user object is dropped)."""
        first = user.identities[0] if user.identities else None
        created = user.raw.get("created_at")
        return cls(
            user_id=user.user_id,
            connection=first.connection if first else "",
            created_at=created if isinstance(created, str) else "",
            verified=user.email_verified,
            identity_count=len(user.identities),
        )

    @classmethod
    def from_row(cls, row: UserRow) -> Candidate:
        """The same fields from an export's row."""
        return cls(row.user_id, row.connection, row.created_at, row.verified, row.identities)

    @property
    def is_database(self) -> bool:
        """A database (username/password) account."""
        return self.user_id.startswith("auth0|")


def _rank(candidate: Candidate, prefer_connection: str | None) -> tuple[int, int, int, str, str]:
    return (
        0 if prefer_connection and candidate.connection == prefer_connection else 1,
        0 if candidate.identity_count > 1 else 1,
        0 if candidate.is_database else 1,
        candidate.created_at or "9999",
        candidate.user_id,
    )


def _why(primary: Candidate, prefer_connection: str | None) -> str:
    if prefer_connection and primary.connection == prefer_connection:
        return f"primary: preferred connection {prefer_connection}"
    if primary.identity_count > 1:
        return "primary: already has linked identities"
    if primary.is_database:
        return "primary: oldest database account"
    return "primary: oldest account"


def suggest_group(
    email: str, members: list[Candidate], *, prefer_connection: str | None = None
) -> list[Suggestion]:
    """Pairs for one email group (see the module rule); none for a group of one."""
    if len(members) < 2:  # noqa: PLR2004 - a pair needs two
        return []
    ordered = sorted(members, key=lambda c: _rank(c, prefer_connection))
    primary = ordered[0]
    why = _why(primary, prefer_connection)

    def reason(other: Candidate) -> str:  # each pair by its own two users, not by the whole group
        both = primary.verified and other.verified
        return f"{'same verified email' if both else 'same email, NOT both verified'}; {why}"

    return [Suggestion(primary.user_id, other.user_id, email, reason(other)) for other in ordered[1:]]


def suggest_for_email(
    client: Auth0Client,
    email: str,
    *,
    include_unverified: bool = False,
    prefer_connection: str | None = None,
) -> list[Suggestion]:
    """Pairs for one address (``users-by-email``)."""
    users = [u for u in client.users_by_email(email) if include_unverified or u.email_verified]
    return suggest_group(
        email.lower(), [Candidate.from_user(u) for u in users], prefer_connection=prefer_connection
    )


def suggest_from_export(
    reader: ExportReader,
    *,
    include_unverified: bool = False,
    prefer_connection: str | None = None,
    workdir: Path | None = None,
    on_progress: Callable[[str, int, int | None, str], None] | None = None,
    on_read: Callable[[ReadStats], None] | None = None,
) -> Iterator[Suggestion]:
    """Pairs among the users of an export, grouped through an index on disk (module docstring).

    ``on_progress("scan", KiB read, KiB in all, status)`` follows the reading; ``on_read(stats)``
    runs once the whole file is in the index, before the first pair.
    """

    def scanned(read: int, size: int, users: int) -> None:
        if on_progress is not None:
            on_progress("scan", read // 1024, size // 1024, f"{users:,} users")

    with EmailIndex(workdir) as index:
        index.add(row for row in reader.rows(scanned) if include_unverified or row.verified)
        if on_read is not None:
            on_read(reader.stats)
        for email, rows in index.groups():
            members = [Candidate.from_row(row) for row in rows]
            yield from suggest_group(email, members, prefer_connection=prefer_connection)


@dataclasses.dataclass(frozen=True)
class SuggestRequest:
    """One ``suggest`` run: exactly one source of users (an email, ``--all``, or an export file)."""

    email: str | None = None
    scan_all: bool = False
    from_export: Path | None = None
    save_export: Path | None = None  # with scan_all: keep the export there
    include_unverified: bool = False
    prefer_connection: str | None = None


class SuggestWorld(Protocol):
    """What a run needs of the application (:class:`~auth0link.application.Application` is one)."""

    sleep: Callable[[float], None]

    @property
    def tenant_mark(self) -> TenantMark:
        """The tenant (domain and issuer) a saved export names."""
        ...

    def machine_client(self, *, max_connections: int = 10) -> Auth0Client:
        """A client with a machine token."""
        ...


class SuggestReporter(Protocol):
    """Where a run reports its phases (export job, download, scan)."""

    def phase(self, phase: str, done: int, total: int | None, status: str) -> None:
        """Progress of ``phase``."""

    def downloaded(self, job: ExportJob, saved_to: Path | None) -> None:
        """The export job's file is here (kept at ``saved_to`` with ``--save-export``)."""

    def read(self, stats: ReadStats) -> None:
        """The whole export is read (before the first pair)."""


@contextlib.contextmanager
def suggest_pairs(
    request: SuggestRequest, world: SuggestWorld, reporter: SuggestReporter
) -> Iterator[Iterator[Suggestion]]:
    """``suggest``'s one entry point: the pairs, streamed, while the run's temporary folder lives.

    It owns the wiring: the client, the export job (paced; the client's own 429 retries off), the
    export reader and a private temporary folder (0700) for the export and the e-mail index.
    """
    from auth0link._files import work_dir

    _check_sources(request)
    if request.email:
        yield iter(
            suggest_for_email(
                world.machine_client(),
                request.email,
                include_unverified=request.include_unverified,
                prefer_connection=request.prefer_connection,
            )
        )
        return
    with work_dir("auth0link-suggest-") as work:  # the next run removes it after a kill -9
        source = request.from_export or _fetch(
            world, request.save_export or work / "export.json.gz", reporter, keep=request.save_export
        )
        yield suggest_from_export(
            _reader(source, from_tenant=request.from_export is None),
            include_unverified=request.include_unverified,
            prefer_connection=request.prefer_connection,
            workdir=work,
            on_progress=reporter.phase,
            on_read=reporter.read,
        )


def _check_sources(request: SuggestRequest) -> None:
    """Exactly one source of users; --save-export only with --all."""
    from auth0link.errors import Fix, UsageError, cmd

    if [bool(request.email), request.scan_all, request.from_export is not None].count(True) != 1:
        raise UsageError(
            "Pass --email EMAIL or --all, or --from-export FILE (one of them).",
            hint=Fix("e.g. ", cmd("suggest", "--all")),
        )
    if request.save_export is not None and not request.scan_all:
        raise UsageError(
            "--save-export goes with --all.",
            hint=Fix("e.g. ", cmd("suggest", "--all", "--save-export", "users.json.gz")),
        )


def _fetch(world: SuggestWorld, dest: Path, reporter: SuggestReporter, *, keep: Path | None) -> Path:
    """Run the users-export job into ``dest`` (paced; progress through ``reporter``)."""
    from auth0link.errors import UsageError
    from auth0link.infra.export_job import COPY_FIELDS, FIELDS, ExportRun
    from auth0link.infra.pacer import Pacer

    if keep is not None and not keep.parent.is_dir():
        raise UsageError(
            f"No such folder for --save-export: {keep.parent}.", hint="create it, or pass another path"
        )
    client = world.machine_client()
    client.max_rate_limit_retries = 0  # the pacer waits for the bucket on a 429
    run = ExportRun(client, Pacer(), sleep=world.sleep, on_progress=reporter.phase)
    job = run.fetch(dest, fields=COPY_FIELDS if keep is not None else FIELDS)
    if keep is not None:
        _name_tenant(keep, world.tenant_mark, job)
    reporter.downloaded(job, keep)
    return dest


def tenant_file_of(export: Path) -> Path:
    """Where a saved export names the tenant it came from: ``FILE.tenant.json`` beside it.

    The export itself stays in Auth0's own format (what ``--from-export`` and ``auth0link
    emulator --users`` read), so its tenant goes beside it.
    """
    return export.with_name(export.name + ".tenant.json")


def _name_tenant(export: Path, tenant: TenantMark, job: ExportJob) -> None:
    """Write ``FILE.tenant.json`` (0600, replacing whatever link is there, never following it)."""
    import json

    from auth0link._files import atomic_write_text

    record = {"export": export.name, "job": job.id, "tenant": tenant.to_json()}
    atomic_write_text(tenant_file_of(export), json.dumps(record, indent=2) + "\n")


def _reader(path: Path, *, from_tenant: bool) -> ExportReader:
    from auth0link.errors import UsageError
    from auth0link.infra.export_file import ExportReader

    if not from_tenant and not path.is_file():
        raise UsageError(
            f"No such export file: {path}.", hint="pass the path of a users export (.json.gz, .csv …)"
        )
    return ExportReader(path, name="the tenant's export" if from_tenant else str(path))
