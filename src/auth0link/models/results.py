"""What the use cases return and the output renders: link plans and results, login states, checks.

Plain frozen dataclasses (a leaf module: it imports nothing of auth0link but :mod:`.api` and
:mod:`auth0link.errors`, for a problem's :class:`~auth0link.errors.Fix`), so
:mod:`auth0link.output` can render them without importing any use case.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import TYPE_CHECKING, Any, Literal

from auth0link.errors import Fix, render_fix

if TYPE_CHECKING:
    from collections.abc import Mapping

    from auth0link.models.api import Identity, User

#: Which account stays the user: the one logged in now, or the one the second login signed in.
PrimaryChoice = Literal["current", "secondary"]

#: What ``status`` learned from the tenant: not asked (``--offline``), the credentials work, the
#: tenant refused them (revoked, expired, missing scope), or the tenant could not be reached.
CheckResult = Literal["offline", "ok", "refused", "unreachable"]


@dataclasses.dataclass(frozen=True)
class MetadataMerge:
    """The ``user_metadata`` merge: what the primary account has, gets, and which keys conflict."""

    primary: dict[str, Any]
    secondary: dict[str, Any]
    patch: dict[str, Any]
    merged: dict[str, Any]
    conflicts: dict[str, tuple[Any, Any]]
    prefer_secondary: bool

    @property
    def changes(self) -> bool:
        """True when a PATCH is needed."""
        return bool(self.patch)


@dataclasses.dataclass(frozen=True)
class LinkPlan:
    """Everything shown before the confirmation: the primary, the secondary, the merge."""

    primary: User
    secondary_id: str
    #: the secondary account's email, or its phone number when it has none (an SMS account)
    secondary_contact: str | None
    merge: MetadataMerge | None  # None with --no-merge-metadata, or without the secondary user
    backup: str  # where the backup of both users is (a file, or file:line)
    direction: PrimaryChoice = "current"
    merge_skipped_reason: str | None = None
    #: ``(logged-in account, second login)`` as ``id (email)`` when their emails differ
    different_accounts: tuple[str, str] | None = None
    #: False when one of the two has no email (an SMS account): there were no emails to compare
    emails_compared: bool = True
    #: the secondary account's app_metadata, which Auth0 discards and nothing merges (shown by key)
    secondary_app_metadata: Mapping[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class LinkResult:
    """The outcome of a link: the primary user with its new identities."""

    user: User
    secondary_id: str
    backup: str
    metadata_patched: tuple[str, ...]
    direction: PrimaryChoice = "current"
    session_switched: bool = False
    verified_by_readback: bool = False


@dataclasses.dataclass(frozen=True)
class UnlinkResult:
    """The outcome of an unlink: the user with its remaining identities."""

    user: User
    unlinked: tuple[Identity, ...]


@dataclasses.dataclass(frozen=True)
class Restored:
    """What restoring an unlinked account's metadata wrote back, and what it could not."""

    user: User
    backup: str  # the backup it came from (a file, or file:line)
    restored: tuple[str, ...]  # "user_metadata" (and "app_metadata" for an administrator)
    needs_admin: tuple[str, ...] = ()  # "app_metadata" when the backup has some and a user restored

    def to_json(self) -> dict[str, Any]:
        """Stable ``--json`` keys."""
        return {
            "user_id": self.user.user_id,
            "backup": self.backup,
            "restored": list(self.restored),
            "needs_admin": list(self.needs_admin),
        }


@dataclasses.dataclass(frozen=True)
class LoginOutcome:
    """A stored login, for the success message and ``--json``."""

    user_id: str
    email: str | None
    name: str | None
    flow: str
    scope: str
    expires_at: float
    storage: str


@dataclasses.dataclass(frozen=True)
class LogoutResult:
    """What logout did for one session."""

    profile: str
    domain: str
    had_session: bool
    revoked: bool
    warning: str | None = None


@dataclasses.dataclass(frozen=True)
class Problem:
    """Something wrong with stored credentials, and its fix (``status``, ``doctor``)."""

    what: str
    fix: Fix | None = None

    def __str__(self) -> str:
        """``<what> Fix: <fix>``, as ``status`` prints it."""
        return f"{self.what} Fix: {render_fix(self.fix)}" if self.fix else self.what


@dataclasses.dataclass(frozen=True)
class SessionStatus:
    """One profile's login state, as ``auth0link status`` shows it."""

    profile: str
    domain: str
    client_id: str
    active: bool
    logged_in: bool
    storage: str
    user_id: str | None = None
    email: str | None = None
    scopes: tuple[str, ...] = ()
    expires_at: float | None = None
    expired: bool = False
    refreshable: bool = False
    problems: tuple[Problem, ...] = ()
    check: CheckResult = "offline"

    def to_json(self) -> dict[str, Any]:
        """Stable ``--json`` keys."""
        return {
            "profile": self.profile,
            "domain": self.domain,
            "client_id": self.client_id,
            "active": self.active,
            "logged_in": self.logged_in,
            "user_id": self.user_id,
            "email": self.email,
            "scopes": list(self.scopes),
            "expires_at": int(self.expires_at) if self.expires_at is not None else None,
            "expired": self.expired,
            "refreshable": self.refreshable,
            "storage": self.storage,
            "problems": [str(problem) for problem in self.problems],
            "check": self.check,
        }


@dataclasses.dataclass(frozen=True)
class MachineStatus:
    """A profile's machine (M2M) credentials (``login --machine``), as ``auth0link status`` shows them."""

    profile: str
    domain: str
    client_id: str
    active: bool
    stored: bool  # a token or the client secret is in the token store
    scopes: tuple[str, ...] = ()
    expires_at: float | None = None
    problems: tuple[Problem, ...] = ()
    check: CheckResult = "offline"

    def to_json(self) -> dict[str, Any]:
        """Stable ``--json`` keys."""
        return {
            "profile": self.profile,
            "domain": self.domain,
            "client_id": self.client_id,
            "active": self.active,
            "stored": self.stored,
            "scopes": list(self.scopes),
            "expires_at": int(self.expires_at) if self.expires_at not in (None, float("inf")) else None,
            "problems": [str(problem) for problem in self.problems],
            "check": self.check,
        }


@dataclasses.dataclass(frozen=True)
class ProfileInfo:
    """One profile, as ``auth0link profiles list`` shows it."""

    name: str
    domain: str | None
    client_id: str | None
    machine_client_id: str | None
    active: bool
    logged_in: bool | None  # a user session is stored (None: the token store could not be read)


@dataclasses.dataclass(frozen=True)
class Check:
    """One doctor check: ``ok`` True/False (None = skipped/informational)."""

    name: str
    ok: bool | None
    detail: str
    fix: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Stable ``--json`` keys."""
        return {"name": self.name, "ok": self.ok, "detail": self.detail, "fix": self.fix}


class BatchOutcome(enum.StrEnum):
    """How one ``batch-link`` pair ended (the value is the summary's word for it)."""

    LINKED = "linked"
    ALREADY_LINKED = "already_linked"  # the tenant said so
    SKIPPED = "skipped"  # a safety rule said no
    FAILED = "failed"
    DONE_BEFORE = "done_before"  # finished by an earlier run of this journal (--resume)


@dataclasses.dataclass
class BatchSummary:
    """The counts of a ``batch-link`` run, for its last line (and ``--json``)."""

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

    def count(self, outcome: BatchOutcome) -> None:
        """One more pair with ``outcome``."""
        match outcome:
            case BatchOutcome.LINKED:
                self.linked += 1
            case BatchOutcome.ALREADY_LINKED:
                self.already_linked += 1
            case BatchOutcome.SKIPPED:
                self.skipped += 1
            case BatchOutcome.FAILED:
                self.failed += 1
            case BatchOutcome.DONE_BEFORE:
                self.done_before += 1

    def to_json(self) -> dict[str, Any]:
        """Stable ``--json`` keys."""
        return dataclasses.asdict(self)
