"""The one safe-link sequence, shared by ``link``, admin ``link`` and ``batch-link``.

    read both users ─► check ─► back up ─► plan + confirm ─► merge user_metadata ─► link ─► verify

1. **read** the primary user (the one that stays after the link) and the secondary one through a
   :class:`Tenant` (how differs: each account with its own token for a user's link, one
   machine token for admin, paced and one request for both for batch). A secondary user that
   no longer exists while the primary holds its identity is :class:`AlreadyLinked`;
2. **check**, before anything is written: not the same user, not already linked (exit 7), and
   the caller's own rules (``check``): verified emails, the same person, the login hint —
   refusals are :class:`~auth0link.errors.Refused` (exit 8);
3. **back up** both users as the tenant returned them (IdP tokens stripped) to a
   :class:`~auth0link.usecases.backups.BackupSink`; nothing changes before it is written;
4. **plan**: the ``user_metadata`` merge (the primary account wins on a conflicting key unless
   ``prefer_secondary``), shown and confirmed through the :class:`Observer` (no: exit 9);
5. **merge**: PATCH only the keys that change (nothing to add: no request);
6. **link**: ``link_with`` (the secondary account's ID token) or ``provider``/``user_id``;
7. **verify** from the POST's answer; a lost, late or unreadable answer is read back
   (:mod:`.readback`) and reported as unknown when the tenant does not show it.

Every failure after the backup raises :class:`~auth0link.errors.LinkAborted` saying what was
changed, what was not, and where the backup is.

Terms (Auth0's, see the glossary in docs/ARCHITECTURE.md): the **primary** account stays a user;
the **secondary** one becomes an identity of it and loses its own ``user_metadata``/``app_metadata``
(Auth0 discards them).
"""

from __future__ import annotations

import dataclasses
import time
from typing import TYPE_CHECKING, Any, Final, Protocol

from auth0link.errors import (
    CHECK_IDENTITIES,
    LISTS_LINKED,
    AlreadyLinked,
    Auth0LinkError,
    Cancelled,
    Fix,
    Interrupted,
    LinkAborted,
    NotFound,
    UsageError,
    clause,
    cmd,
    join_sentences,
)
from auth0link.models import LinkPlan, split_user_id
from auth0link.usecases import backups
from auth0link.usecases.link_outcome import Ledger, after_failed_link, read_back_link
from auth0link.usecases.merge import merge_metadata
from auth0link.usecases.readback import maybe_applied

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from auth0link.models import Identity, MetadataMerge, PrimaryChoice, User
    from auth0link.usecases.backups import BackupSink

NOTHING_CHANGED: Final = "Nothing was changed."


@dataclasses.dataclass(frozen=True)
class LinkSubject:
    """Which account is the primary, which the secondary, and how the link is asked for."""

    primary_id: str
    secondary_id: str
    link_with: str | None = None  # the secondary account's ID token (a user's link), else provider form
    connection_id: str | None = None
    direction: PrimaryChoice = "current"
    #: the secondary account's ID token claims: its user profile data when unreadable (``--id-token -``)
    secondary_claims: Mapping[str, Any] | None = None


@dataclasses.dataclass(frozen=True)
class MergeOptions:
    """Whether and how ``user_metadata`` is merged before the link."""

    merge: bool = True
    prefer_secondary: bool = False
    skipped_reason: str = "--no-merge-metadata"


class Tenant(Protocol):
    """What the sequence needs from the tenant; each command reads and writes its own way."""

    def read_pair(self, subject: LinkSubject) -> tuple[User, User | None]:
        """The primary and secondary users (secondary None: these credentials cannot read it)."""
        ...

    def read_user(self, user_id: str) -> User:
        """One user, again (to read back a write whose answer was lost)."""
        ...

    def patch_metadata(self, user_id: str, patch: Mapping[str, Any]) -> User:
        """PATCH ``user_metadata`` (Auth0 merges the top-level keys)."""
        ...

    def link(self, subject: LinkSubject, provider: str, user_id: str) -> list[Identity]:
        """POST the link; the primary user's identities afterwards."""
        ...


@dataclasses.dataclass
class Observer:
    """How the sequence talks to its caller: confirm the plan, report lines, record steps."""

    confirm: Callable[[LinkPlan], bool] = lambda _plan: True
    report: Callable[[str], None] = lambda _message: None
    #: a step done (``backup``, ``merged``, ``linked``) with its details (batch's journal)
    record: Callable[..., None] = lambda _step, **_fields: None


@dataclasses.dataclass(frozen=True)
class LinkOutcome:
    """The primary user after the link and what the sequence did."""

    user: User
    plan: LinkPlan
    patched: tuple[str, ...]
    verified_by_readback: bool


def with_suffix(error: Auth0LinkError, suffix: str, *, context: str | None = None) -> Auth0LinkError:
    """Append what-changed text to an error, keeping its class (and so its exit code).

    ``with_suffix(e, NOTHING_CHANGED, context="while reading the profiles")`` → ``<message> (while
    reading the profiles). Nothing was changed.``: one full stop between the sentences.
    """
    message = f"{clause(error.message)} ({context})" if context else error.message
    error.message = join_sentences(message, suffix)
    error.args = (error.message,)
    return error


def safe_link(
    subject: LinkSubject,
    *,
    tenant: Tenant,
    check: Callable[[User, User], tuple[str, str] | None],
    merge: MergeOptions,
    backup: BackupSink,
    observer: Observer,
    source: str,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> LinkOutcome:
    """Run the sequence in the module docstring; ``source`` names the command in the backup.

    ``check`` is the caller's own rules, run once both users are read and before anything is
    written: it raises :class:`~auth0link.errors.Refused`, or returns the two accounts to show
    side by side (``id (email)``) when their emails differ.
    """
    primary, secondary = _read(subject, tenant)
    secondary_user = secondary or backups.claims_user(subject.secondary_claims, subject.secondary_id)
    different = check(primary, secondary_user)
    record = backups.record(
        primary,
        secondary,
        claims=subject.secondary_claims,
        direction=subject.direction,
        source=source,
        clock=clock,
    )
    location = backup.write(record)
    observer.record("backup", location=location)
    observer.report(f"Backed up both users to {location}")
    plan = _plan(
        subject,
        primary=primary,
        secondary=secondary,
        secondary_user=secondary_user,
        merge=merge,
        location=location,
        different=different,
    )
    if not observer.confirm(plan):
        raise Cancelled(
            f"Cancelled. {NOTHING_CHANGED} (The backup {location} was written.)",
            hint="run the same command again when ready",
        )
    ledger = Ledger(primary_id=subject.primary_id, secondary_id=subject.secondary_id, backup=location)
    try:
        identities, by_readback = _merge_and_link(
            subject, plan, tenant=tenant, ledger=ledger, observer=observer, sleep=sleep
        )
    except KeyboardInterrupt:
        raise Interrupted(ledger.interrupted(), hint=CHECK_IDENTITIES) from None
    merged = plan.merge.merged if ledger.patched and plan.merge is not None else primary.user_metadata
    user = dataclasses.replace(
        primary, identities=tuple(identities) or primary.identities, user_metadata=merged
    )
    return LinkOutcome(user=user, plan=plan, patched=ledger.patched, verified_by_readback=by_readback)


def _read(subject: LinkSubject, tenant: Tenant) -> tuple[User, User | None]:
    """Both users, before anything is written; a gone secondary user may mean "linked already"."""
    if subject.primary_id == subject.secondary_id:
        raise UsageError(f"The primary and the secondary are the same user. {NOTHING_CHANGED}")
    try:
        primary, secondary = tenant.read_pair(subject)
    except NotFound as exc:
        raise _gone(subject, tenant, exc) from None
    except Auth0LinkError as exc:
        raise with_suffix(exc, NOTHING_CHANGED, context="while reading the profiles") from None
    provider, raw_id = split_user_id(subject.secondary_id)
    if primary.find_identity(provider, raw_id) is not None:
        raise AlreadyLinked(
            f"{subject.secondary_id} is already linked to {subject.primary_id}. {NOTHING_CHANGED}",
            status_code=409,
            hint=LISTS_LINKED,
        )
    return primary, secondary


def _gone(subject: LinkSubject, tenant: Tenant, missing: NotFound) -> Auth0LinkError:
    """An unreadable user: the secondary is linked already when the primary holds it."""
    try:
        primary = tenant.read_user(subject.primary_id)
    except NotFound:
        return NotFound(
            join_sentences(
                f"Neither {subject.primary_id} nor {subject.secondary_id} could be read: "
                + clause(missing.message),
                NOTHING_CHANGED,
            ),
            status_code=404,
            hint="check the user IDs",
        )
    except Auth0LinkError as exc:
        return with_suffix(exc, NOTHING_CHANGED, context="while reading the profiles")
    provider, raw_id = split_user_id(subject.secondary_id)
    if primary.find_identity(provider, raw_id) is not None:
        return AlreadyLinked(
            f"{subject.secondary_id} is already linked to {subject.primary_id}. {NOTHING_CHANGED}",
            status_code=409,
            hint=LISTS_LINKED,
        )
    return NotFound(
        f"{subject.secondary_id} does not exist. {NOTHING_CHANGED}",
        status_code=404,
        hint="check the user ID (it may be linked to another user)",
    )


def _plan(
    subject: LinkSubject,
    *,
    primary: User,
    secondary: User | None,
    secondary_user: User,
    merge: MergeOptions,
    location: str,
    different: tuple[str, str] | None,
) -> LinkPlan:
    skipped: str | None = None
    metadata: MetadataMerge | None = None
    if not merge.merge:
        skipped = merge.skipped_reason
    elif secondary is None:
        skipped = "no access token for the secondary account"
    else:
        metadata = merge_metadata(
            primary.user_metadata, secondary.user_metadata, prefer_secondary=merge.prefer_secondary
        )
    return LinkPlan(
        primary=primary,
        secondary_id=subject.secondary_id,
        secondary_contact=secondary_user.contact,
        merge=metadata,
        backup=location,
        direction=subject.direction,
        merge_skipped_reason=skipped,
        different_accounts=different,
        emails_compared=bool(primary.email and secondary_user.email),
        secondary_app_metadata=dict(secondary.app_metadata) if secondary is not None else {},
    )


def _merge_and_link(
    subject: LinkSubject,
    plan: LinkPlan,
    *,
    tenant: Tenant,
    ledger: Ledger,
    observer: Observer,
    sleep: Callable[[float], None],
) -> tuple[list[Identity], bool]:
    """PATCH the merged ``user_metadata`` (when a key changes), then POST the link and verify it."""
    if plan.merge is not None and plan.merge.changes:
        _merge(subject, plan.merge, tenant, ledger)
        observer.report(f"Merged user_metadata keys into {subject.primary_id}: {', '.join(ledger.patched)}")
    observer.record("merged", keys=sorted(ledger.patched))
    ledger.stage = "linking"
    provider, raw_id = split_user_id(subject.secondary_id)
    try:
        identities = tenant.link(subject, provider, raw_id)
    except Auth0LinkError as exc:
        linked = after_failed_link(
            subject, tenant=tenant, ledger=ledger, observer=observer, error=exc, sleep=sleep
        )
        return linked, True
    if not any(i.provider == provider and i.user_id == raw_id for i in identities):
        return read_back_link(subject, tenant, ledger, _unproven(), sleep), True
    return identities, False


def _unproven() -> Auth0LinkError:
    return Auth0LinkError("The link answer does not list the linked identity.")


def _merge(subject: LinkSubject, merge: MetadataMerge, tenant: Tenant, ledger: Ledger) -> None:
    ledger.stage = "merging user_metadata"
    ledger.patched, ledger.patch_unknown = tuple(merge.patch), True
    try:
        merged = tenant.patch_metadata(subject.primary_id, merge.patch)
    except Auth0LinkError as exc:
        ledger.patch_unknown = maybe_applied(exc)
        if not ledger.patch_unknown:
            ledger.patched = ()
        raise LinkAborted(
            join_sentences(
                f"Merging user_metadata into {subject.primary_id} failed: {clause(exc.message)}",
                ledger.describe(linked=f"not attempted; {subject.secondary_id} is still a separate user"),
            ),
            hint="run the same command again (merging the same keys twice is harmless)"
            if ledger.patch_unknown
            else exc.hint or "fix the cause and run the same command again",
            cause=exc,
        ) from None
    ledger.patch_unknown = False
    lost = sorted(k for k, v in merge.patch.items() if merged.user_id and merged.user_metadata.get(k) != v)
    if lost:
        ledger.patched = ()
        raise LinkAborted(
            f"The tenant did not apply the user_metadata merge for keys {', '.join(lost)}. "
            + ledger.describe(linked=f"not attempted; {subject.secondary_id} is still a separate user"),
            hint=Fix("check the user with: ", cmd("identities"), ", then run the same command again"),
        )
