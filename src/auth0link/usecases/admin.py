"""Admin (M2M) forms of link and unlink: act on any user by ID, with ``update:users``.

``link --user PRIMARY --provider P --user-id U`` runs the shared sequence
(:func:`.safe_link.safe_link`) with one machine token: :class:`MachineTenant` reads and writes,
:func:`admin_check` refuses unverified or different emails and a secondary that is itself a
primary of other identities (``batch-link`` applies the same rules to every pair).

``unlink --user PRIMARY P U [--restore-metadata]`` checks the identity is linked to that user,
unlinks it (Auth0 recreates the secondary as a bare user), and with ``--restore-metadata`` puts
its ``user_metadata``/``app_metadata`` back from the newest backup
(:func:`auth0link.usecases.backups.restore_metadata`).
"""

from __future__ import annotations

import dataclasses
import time
from typing import TYPE_CHECKING, Any, Protocol

from auth0link.errors import Fix, NotFound, Refused, cmd
from auth0link.models import LinkResult
from auth0link.usecases.safe_link import NOTHING_CHANGED, LinkSubject, MergeOptions, Observer, safe_link

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from pathlib import Path

    from auth0link.client import Auth0Client
    from auth0link.models import Identity, TenantMark, User
    from auth0link.usecases.backups import BackupEntry, BackupSink

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


def admin_unlink(
    client: Auth0Client,
    *,
    primary_id: str,
    provider: str,
    user_id: str,
    backup_dir: Path,
    restore_metadata: bool = False,
    sleep: Callable[[float], None] = time.sleep,
    tenant: TenantMark | None = None,
    allow_unknown: bool = False,
) -> tuple[User, User | None, BackupEntry | None]:
    """Unlink; optionally restore the recreated user's metadata. Returns (primary, restored, backup).

    The backup is chosen (and checked to be ``tenant``'s) before anything changes.
    """
    from auth0link.usecases import backups
    from auth0link.usecases.unlink import unlink_checked

    secondary_id = f"{provider}|{user_id}"
    entry = None
    if restore_metadata:
        entry = backups.select_backup(
            backup_dir, secondary_id, primary_id=primary_id, tenant=tenant, allow_unknown=allow_unknown
        )
    if restore_metadata and entry is None:
        raise NotFound(
            f"No backup of {secondary_id} in {backup_dir}: its metadata could not be restored. "
            + NOTHING_CHANGED,
            status_code=404,
            hint="unlink without --restore-metadata, or copy the backup into that directory first",
        )
    # Check the identity is linked to that user before deleting anything (as user unlink does).
    primary = unlink_checked(
        client, primary_id, [(provider, user_id)], confirm=lambda _u, _t: True, sleep=sleep
    ).user
    if entry is None:
        return primary, None, None
    return primary, backups.apply_backup(client, entry), entry


@dataclasses.dataclass(frozen=True)
class AdminLinkRequest:
    """``link --user PRIMARY --provider P --user-id U``: the secondary ``P|U`` goes into the primary."""

    primary_id: str
    provider: str
    user_id: str
    connection_id: str | None = None
    prefer_secondary: bool = False
    allow_unverified: bool = False


@dataclasses.dataclass(frozen=True)
class AdminUnlinkRequest:
    """``unlink --user PRIMARY P U [--restore-metadata]``."""

    primary_id: str
    provider: str
    user_id: str
    restore_metadata: bool = False
    allow_unknown_tenant: bool = False


class AdminWorld(Protocol):
    """What the admin forms need of the application (:class:`~auth0link.application.Application` is one)."""

    clock: Callable[[], float]
    sleep: Callable[[float], None]

    @property
    def backups_dir(self) -> Path:
        """Where backups go."""
        ...

    @property
    def tenant_mark(self) -> TenantMark:
        """The tenant backups name."""
        ...

    def machine_client(self, *, max_connections: int = 10) -> Auth0Client:
        """A client with a machine token."""
        ...


def link_as_admin(request: AdminLinkRequest, world: AdminWorld) -> LinkResult:
    """The admin ``link``'s one entry point: a machine client, the backup files, then :func:`admin_link`."""
    from auth0link.usecases.backups import BackupFiles

    return admin_link(
        world.machine_client(),
        primary_id=request.primary_id,
        provider=request.provider,
        user_id=request.user_id,
        connection_id=request.connection_id,
        backup=BackupFiles(world.backups_dir, clock=world.clock, tenant=lambda: world.tenant_mark),
        prefer_secondary=request.prefer_secondary,
        allow_unverified=request.allow_unverified,
        clock=world.clock,
        sleep=world.sleep,
    )


def unlink_as_admin(
    request: AdminUnlinkRequest, world: AdminWorld
) -> tuple[User, User | None, BackupEntry | None]:
    """The admin ``unlink``'s one entry point: a machine client, then :func:`admin_unlink`."""
    return admin_unlink(
        world.machine_client(),
        primary_id=request.primary_id,
        provider=request.provider,
        user_id=request.user_id,
        backup_dir=world.backups_dir,
        restore_metadata=request.restore_metadata,
        sleep=world.sleep,
        tenant=world.tenant_mark if request.restore_metadata else None,
        allow_unknown=request.allow_unknown_tenant,
    )
