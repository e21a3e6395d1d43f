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
3. a database account (``auth0|…``): its password and profile are usually the "real" account;
4. the oldest account (``created_at``), then the smallest user ID (a stable tie-break).

Every other member becomes one pair with that primary. Only verified emails are considered
unless ``include_unverified``; such pairs say so in their ``reason``.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, Final

from auth0link.infra.email_index import EmailIndex

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from auth0link.client import Auth0Client
    from auth0link.infra.export_file import ExportReader, ReadStats, UserRow
    from auth0link.models import User

SUGGEST_COLUMNS: Final = ("primary_id", "secondary_id", "email", "reason")


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


@dataclasses.dataclass(frozen=True)
class Suggestion:
    """One suggested pair."""

    primary_id: str
    secondary_id: str
    email: str
    reason: str

    def to_json(self) -> dict[str, Any]:
        """Stable ``--json`` keys (also what ``batch-link`` reads)."""
        return dataclasses.asdict(self)

    def row(self) -> tuple[str, str, str, str]:
        """The TSV/table row, in :data:`SUGGEST_COLUMNS` order."""
        return (self.primary_id, self.secondary_id, self.email, self.reason)


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
