"""Admin (M2M) forms of link and unlink: act on any user by ID, with ``update:users``.

``link --user PRIMARY --provider P --user-id U``: the same safe sequence as one ``batch-link``
pair — fetch both users, refuse unverified or different emails (unless allowed), write a backup
(``<data dir>/backups/link-*.json``, same format as the ``link`` command's), merge the secondary's
``user_metadata`` into the primary (:func:`auth0link.usecases.link.merge_metadata`), link, verify.

``unlink --user PRIMARY P U [--restore-metadata]``: unlink; Auth0 recreates the secondary as a
bare user, and ``--restore-metadata`` puts its ``user_metadata``/``app_metadata`` back from the
newest backup (:func:`auth0link.usecases.backups.restore_metadata`).
"""

from __future__ import annotations

import dataclasses
import time
from typing import TYPE_CHECKING

from auth0link.errors import Conflict, LinkAborted, UsageError

if TYPE_CHECKING:
    from pathlib import Path

    from auth0link.client import Auth0Client
    from auth0link.models import User
    from auth0link.usecases.backups import BackupEntry


@dataclasses.dataclass(frozen=True)
class AdminLinkResult:
    """The primary after linking, what was merged, and where the backup is."""

    user: User
    merged_keys: tuple[str, ...]
    backup_path: Path


def admin_link(
    client: Auth0Client,
    *,
    primary_id: str,
    provider: str,
    user_id: str,
    connection_id: str | None,
    backup_dir: Path,
    prefer_secondary: bool = False,
    allow_unverified: bool = False,
) -> AdminLinkResult:
    """Link ``provider|user_id`` into ``primary_id`` with backup and metadata merge."""
    from auth0link.usecases.batch import backup_record
    from auth0link.usecases.link import backup_path_for, merge_metadata, write_backup

    secondary_id = f"{provider}|{user_id}"
    if secondary_id == primary_id:
        raise UsageError("The primary and the secondary are the same user.")
    primary = client.get_user(primary_id)
    if primary.find_identity(provider, user_id) is not None:
        raise Conflict(
            f"{secondary_id} is already linked to {primary_id}.", status_code=409, hint="nothing to do"
        )
    secondary = client.get_user(secondary_id)
    if not allow_unverified and not (
        primary.email_verified
        and secondary.email_verified
        and primary.email
        and (primary.email or "").lower() == (secondary.email or "").lower()
    ):
        raise UsageError(
            "Refusing to link: both emails must be verified and equal (account-takeover risk).",
            hint="check the users; pass --allow-unverified only if you are sure",
        )
    path = backup_path_for(backup_dir, time.time())
    write_backup(path, backup_record(primary, secondary, journal=None))
    patch = merge_metadata(
        primary.user_metadata, secondary.user_metadata, absorbed_wins=prefer_secondary
    ).patch
    if patch:
        client.patch_user_metadata(primary_id, patch)
    try:
        identities = client.link_identity(
            primary_id, provider=provider, user_id=user_id, connection_id=connection_id
        )
    except Exception as exc:
        merged = f" The metadata keys {sorted(patch)} were already merged into {primary_id}." if patch else ""
        raise LinkAborted(
            f"Linking failed: {exc}.{merged} Backup: {path}",
            hint="fix the cause and run the same command again (the merge is idempotent)",
        ) from exc
    if not any(i.provider == provider and i.user_id == user_id for i in identities):
        raise LinkAborted(
            f"The link answer does not show {secondary_id}. Backup: {path}",
            hint="check: auth0link identities --user " + primary_id,
        )
    return AdminLinkResult(client.get_user(primary_id), tuple(sorted(patch)), path)


def admin_unlink(
    client: Auth0Client,
    *,
    primary_id: str,
    provider: str,
    user_id: str,
    backup_dir: Path,
    restore_metadata: bool = False,
) -> tuple[User, User | None, BackupEntry | None]:
    """Unlink; optionally restore the recreated user's metadata. Returns (primary, restored, backup)."""
    from auth0link.errors import NotFound
    from auth0link.usecases import backups
    from auth0link.usecases.link import unlink_checked

    secondary_id = f"{provider}|{user_id}"
    if restore_metadata and not any(
        e.absorbed_id == secondary_id for e in backups.find_backups(backup_dir, secondary_id)
    ):
        raise NotFound(
            f"No backup of {secondary_id} in {backup_dir}: its metadata could not be restored. "
            "Nothing was changed.",
            status_code=404,
            hint="unlink without --restore-metadata, or copy the backup into that directory first",
        )
    # Check the identity is linked to that user before deleting anything (as user unlink does).
    result = unlink_checked(client, primary_id, [(provider, user_id)], confirm=lambda _u, _t: True)
    primary = result.user
    if not restore_metadata:
        return primary, None, None
    restored, entry = backups.restore_metadata(
        client, backup_dir, primary_id=primary_id, secondary_id=secondary_id
    )
    return primary, restored, entry
