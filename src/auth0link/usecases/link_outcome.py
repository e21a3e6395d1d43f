"""After the link's POST: what changed, a lost answer read back, a 409 that means "linked meanwhile".

:class:`Ledger` keeps what the safe-link sequence has done so far, so every failure message says
what was changed, what was not, and where the backup is.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from auth0link.errors import (
    LISTS_LINKED,
    AlreadyLinked,
    ApiError,
    Auth0LinkError,
    Conflict,
    Fix,
    LinkAborted,
    LoginRequired,
    clause,
    cmd,
    join_sentences,
)
from auth0link.models import split_user_id
from auth0link.usecases.readback import DELAYS, maybe_applied, read_back

if TYPE_CHECKING:
    from collections.abc import Callable

    from auth0link.models import Identity
    from auth0link.usecases.safe_link import LinkSubject, Observer, Tenant


@dataclasses.dataclass
class Ledger:
    """What the sequence has done so far, for the failure message."""

    primary_id: str
    secondary_id: str
    backup: str
    patched: tuple[str, ...] = ()
    patch_unknown: bool = False
    stage: str = "preparing"

    def interrupted(self) -> str:
        """The message for Ctrl-C at the current stage."""
        linked = (
            "unknown (interrupted while the request was in flight)"
            if self.stage == "linking"
            else f"not attempted; {self.secondary_id} is still a separate user"
        )
        return f"Interrupted while {self.stage}. " + self.describe(linked=linked)

    def describe(self, *, linked: str) -> str:
        """``Changed: …. Link: …. Backup of both users: …``."""
        changed: list[str] = []
        if self.patched:
            keys = ", ".join(self.patched)
            verb = "may have been merged" if self.patch_unknown else "were merged"
            changed.append(f"user_metadata keys {keys} {verb} into {self.primary_id}")
        text = f"Changed: {'; '.join(changed)}." if changed else "Changed: nothing."
        return text + f" Link: {linked}. Backup of both users: {self.backup}"


def after_failed_link(
    subject: LinkSubject,
    *,
    tenant: Tenant,
    ledger: Ledger,
    observer: Observer,
    error: Auth0LinkError,
    sleep: Callable[[float], None],
) -> list[Identity]:
    """A failed POST: linked meanwhile by someone else (409), unknown (read back), or not done."""
    if maybe_applied(error):
        identities = read_back_link(subject, tenant, ledger, error, sleep)
        observer.report(
            f"The link response was lost; read back {subject.primary_id}: {subject.secondary_id} is linked."
        )
        return identities
    if isinstance(error, Conflict):
        provider, raw_id = split_user_id(subject.secondary_id)
        try:
            now_linked = tenant.read_user(subject.primary_id).find_identity(provider, raw_id) is not None
        except Auth0LinkError:
            now_linked = False
        if now_linked:
            raise AlreadyLinked(
                f"{subject.secondary_id} was linked to {subject.primary_id} meanwhile (by someone else). "
                + ledger.describe(linked="done, but not by this command"),
                status_code=409,
                hint=LISTS_LINKED,
            ) from None
    hint = error.hint if isinstance(error, ApiError | LoginRequired) else None
    raise LinkAborted(
        join_sentences(
            f"Linking {subject.secondary_id} into {subject.primary_id} failed: {clause(error.message)}",
            ledger.describe(linked=f"not done; {subject.secondary_id} is still a separate user"),
        ),
        hint=hint or "fix the cause and run the same command again",
        cause=error,
    ) from None


def read_back_link(
    subject: LinkSubject,
    tenant: Tenant,
    ledger: Ledger,
    lost: Auth0LinkError,
    sleep: Callable[[float], None],
) -> list[Identity]:
    """The link's answer was lost: read the primary user back until the link shows, or say unknown."""
    provider, raw_id = split_user_id(subject.secondary_id)
    seen: list[Identity] = []

    def linked() -> bool:
        user = tenant.read_user(subject.primary_id)
        seen[:] = user.identities
        return user.find_identity(provider, raw_id) is not None

    applied, read_error = read_back(linked, sleep=sleep)
    if applied:
        return seen
    why = (
        f"reading {subject.primary_id} back failed ({clause(read_error.message)})"
        if read_error is not None
        else f"reading {subject.primary_id} back for {sum(DELAYS):g} s does not show it yet, but the tenant "
        "may still apply the request"
    )
    raise LinkAborted(
        f"The answer to linking {subject.secondary_id} into {subject.primary_id} was lost "
        f"({clause(lost.message)}); {why}, so whether it was linked is unknown. "
        + ledger.describe(linked="unknown"),
        hint=Fix(
            "check in a minute with: ",
            cmd("identities"),
            f" (link again only if {subject.secondary_id} is not listed)",
        ),
        cause=read_error or lost,
    )
