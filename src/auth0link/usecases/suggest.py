"""``suggest``: candidate (primary, secondary) pairs among users who share an email.

Sources: ``--email E`` asks ``users-by-email`` once; ``--all`` pages through user search
(``q=email_verified:true``, or every user with an email when unverified ones are included),
100 users a page, never holding whole user objects: only a compact record per user with an
email (ID, provider, created_at, verified, identity count — about 150 bytes).

Groups are emitted sorted by email once the scan ends. Within a group, the **suggested primary**
is, in this order:

1. a user of ``--prefer-connection`` when given;
2. a user that already has linked identities (it is someone's primary already);
3. a database account (``auth0|…``): its password and profile are usually the "real" account;
4. the oldest account (``created_at``), then the smallest user ID (a stable tie-break).

Every other member becomes one pair with that primary. Only verified emails are considered
unless ``include_unverified``; such pairs say so in their ``reason``.

Note: Auth0's user search returns at most 1,000 results per query; on a larger tenant, run
``suggest --email`` per address or partition the tenant (the emulator has no such cap).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from auth0link.client import Auth0Client
    from auth0link.models import User

PER_PAGE: Final = 100
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


def scan_tenant(
    client: Auth0Client,
    *,
    include_unverified: bool = False,
    prefer_connection: str | None = None,
    per_page: int = PER_PAGE,
    on_page: Callable[[int, int | None], None] | None = None,
) -> Iterator[Suggestion]:
    """Page through the tenant's users and yield pairs, grouped by email (module docstring)."""
    query = "email:*" if include_unverified else "email_verified:true"
    groups: dict[str, list[Candidate]] = {}
    page = 0
    seen = 0
    while True:
        users, total = client.search_users(query, page=page, per_page=per_page, include_totals=True)
        for user in users:
            if not user.email or not (include_unverified or user.email_verified):
                continue
            groups.setdefault(user.email.lower(), []).append(Candidate.from_user(user))
        seen += len(users)
        if on_page is not None:
            on_page(seen, total)
        if len(users) < per_page or (total is not None and seen >= total):
            break
        page += 1
    for email in sorted(groups):
        members = groups.pop(email)
        yield from suggest_group(email, members, prefer_connection=prefer_connection)
