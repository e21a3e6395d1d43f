"""The admin (M2M) link: any two users by ID, with ``update:users``.

``link --user PRIMARY --provider P --user-id U`` (through
:func:`auth0link.usecases.link.link_as_admin`) runs the shared sequence
(:func:`.safe_link.safe_link`) with one machine token: :class:`MachineTenant` reads and writes,
:func:`admin_check` refuses unverified or different emails and a secondary that is itself a
primary of other identities (``batch-link`` applies the same rules to every pair, :mod:`.batch`).
The admin unlink is :func:`auth0link.usecases.unlink.admin_unlink`.
"""

from __future__ import annotations

import dataclasses
import time
from typing import TYPE_CHECKING, Any

from auth0link.errors import Fix, Refused, cmd
from auth0link.models import LinkResult
from auth0link.usecases.safe_link import NOTHING_CHANGED, LinkSubject, MergeOptions, Observer, safe_link

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from auth0link.client import Auth0Client
    from auth0link.models import Identity, User
    from auth0link.usecases.backups import BackupSink

_OVERRIDE = "(--allow-unverified overrides this; account-takeover risk)"


def admin_check(*, allow_unverified: bool, override: str = _OVERRIDE) -> Callable[[User, User], None]:
    """Both contacts verified and equal, and a secondary with no linked identities of its own."""

    def check(primary: User, secondary: User) -> None:
        if len(secondary.identities) > 1:
            raise Refused(
                f"{secondary.user_id} has linked identities of its own; link it as the primary instead. "
                + NOTHING_CHANGED,
                hint="swap the two IDs, or unlink its identities first",
            )
        if allow_unverified:
            return
        if not (primary.contact_verified and secondary.contact_verified):
            raise Refused(
                f"Refusing to link {secondary.user_id} into {primary.user_id}: an email is not verified "
                f"{override}. {NOTHING_CHANGED}",
                hint="verify both emails first",
            )
        same = (primary.contact or "").lower() == (secondary.contact or "").lower()
        if not primary.contact or not same:
            raise Refused(
                f"Refusing to link {secondary.user_id} into {primary.user_id}: the emails differ "
                f"({primary.contact or 'none'} and {secondary.contact or 'none'}) {override}. "
                f"{NOTHING_CHANGED}",
                hint=Fix("check the users: ", cmd("identities", "--user", "ID")),
            )

    return check


@dataclasses.dataclass(frozen=True)
class MachineTenant:
    """One machine token for both users; links by ``provider``/``user_id``."""

    client: Auth0Client

    def read_pair(self, subject: LinkSubject) -> tuple[User, User | None]:
        """Both users by ID."""
        return self.client.get_user(subject.primary_id), self.client.get_user(subject.secondary_id)

    def read_user(self, user_id: str) -> User:
        """One user by ID."""
        return self.client.get_user(user_id)

    def patch_metadata(self, user_id: str, patch: Mapping[str, Any]) -> User:
        """PATCH ``user_metadata``."""
        return self.client.patch_user_metadata(user_id, patch)

    def link(self, subject: LinkSubject, provider: str, user_id: str) -> list[Identity]:
        """POST ``{provider, user_id[, connection_id]}``."""
        return self.client.link_identity(
            subject.primary_id, provider=provider, user_id=user_id, connection_id=subject.connection_id
        )


def admin_link(
    client: Auth0Client,
    *,
    primary_id: str,
    provider: str,
    user_id: str,
    connection_id: str | None,
    backup: BackupSink,
    prefer_secondary: bool = False,
    allow_unverified: bool = False,
    report: Callable[[str], None] = lambda _msg: None,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> LinkResult:
    """Link ``provider|user_id`` into ``primary_id`` with checks, backup and metadata merge."""
    subject = LinkSubject(primary_id, f"{provider}|{user_id}", connection_id=connection_id)
    outcome = safe_link(
        subject,
        tenant=MachineTenant(client),
        check=admin_check(allow_unverified=allow_unverified),
        merge=MergeOptions(prefer_secondary=prefer_secondary),
        backup=backup,
        observer=Observer(report=report),
        source="link --user",
        clock=clock,
        sleep=sleep,
    )
    return LinkResult(
        user=outcome.user,
        secondary_id=subject.secondary_id,
        backup=outcome.plan.backup,
        metadata_patched=outcome.patched,
        verified_by_readback=outcome.verified_by_readback,
    )
