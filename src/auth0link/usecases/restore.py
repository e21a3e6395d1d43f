"""Putting an unlinked account's metadata back from its link-time backup, as that account's own user.

Auth0's unlink recreates the secondary as a bare user: the ``user_metadata`` and ``app_metadata``
it had were discarded when it was linked, and live on only in the backup ``link`` wrote. After
the unlink, the logged-in user's token cannot write them (a user's token acts on its own user
only, and the recreated account is another user). Who can:

* **that account itself**, with its own token (``update:current_user_metadata`` on itself):
  its ``user_metadata``. :func:`restore_as_user` signs it in once more (a fresh browser login,
  as ``link``'s second login), checks that the login is that account, and PATCHes its own
  ``user_metadata``. No user's token can write ``app_metadata``;
* **an administrator** with machine credentials (``update:users``): both, with
  :func:`auth0link.usecases.backups.restore_metadata` (``unlink --user … --restore-metadata``,
  ``backups restore ID --machine``).

:func:`unlink_and_restore` is ``unlink --restore-metadata`` for a user: the backup is found before
anything changes (none: exit 6, nothing changed), then the unlink, then the restore; when the
restore fails after the unlink, the error says so and names the command that finishes it.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from auth0link.errors import (
    Auth0LinkError,
    Command,
    Fix,
    LinkAborted,
    NotFound,
    Refused,
    clause,
    cmd,
    join_sentences,
)
from auth0link.models import Restored
from auth0link.usecases.safe_link import NOTHING_CHANGED

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from pathlib import Path

    from auth0link.client import Auth0Client
    from auth0link.models import Identity, TenantMark, UnlinkResult, User
    from auth0link.usecases.backups import BackupEntry
    from auth0link.usecases.second_login import SecondLogin, SecondLoginRequest


def restore_command(secondary_id: str) -> Command:
    """The command that restores ``secondary_id``'s user_metadata later."""
    return cmd("backups", "restore", f"'{secondary_id}'")


def newest_backup(
    backup_dir: Path,
    secondary_id: str,
    *,
    primary_id: str | None = None,
    before_unlink: bool = False,
    tenant: TenantMark | None = None,
    allow_unknown: bool = False,
) -> BackupEntry:
    """The newest backup of ``tenant`` that absorbed ``secondary_id`` (into ``primary_id`` if any).

    ``before_unlink``: asked before an unlink, which then does not happen without one. A backup
    of another tenant is refused (:func:`auth0link.usecases.backups.select_backup`).
    """
    from auth0link.usecases.backups import select_backup

    entry = select_backup(
        backup_dir, secondary_id, primary_id=primary_id, tenant=tenant, allow_unknown=allow_unknown
    )
    if entry is None:
        found = f"No backup of {secondary_id} in {backup_dir}, so its metadata cannot be restored."
        where = Fix(cmd("backups", "list"), " shows what is there")
        raise NotFound(
            join_sentences(found, NOTHING_CHANGED) if before_unlink else found,
            status_code=404,
            hint=(
                "unlink without --restore-metadata, or copy the backup into that directory first ("
                if before_unlink
                else "copy the link's backup into that directory ("
            )
            + where
            + ")",
        )
    return entry


def _absorbed(entry: BackupEntry) -> dict[str, Any]:
    secondary = entry.record.get("absorbed")
    return secondary if isinstance(secondary, dict) else {}


def login_request(entry: BackupEntry) -> SecondLoginRequest:
    """A fresh login of the backed-up account: its connection, its email (or phone) pre-filled."""
    from auth0link.usecases.second_login import SecondLoginRequest

    secondary = _absorbed(entry)
    identities = secondary.get("identities")
    first = (
        identities[0]
        if isinstance(identities, list) and identities and isinstance(identities[0], dict)
        else {}
    )
    connection = first.get("connection")
    hint = secondary.get("email") or secondary.get("phone_number")
    return SecondLoginRequest(
        connection=connection if isinstance(connection, str) and connection else None,
        login_hint=hint if isinstance(hint, str) and hint else None,
    )


def restore_as_user(
    secondary_id: str,
    *,
    entry: BackupEntry,
    second_login: Callable[[SecondLoginRequest], SecondLogin],
    client_for: Callable[[str], Auth0Client],
) -> Restored:
    """Sign in as ``secondary_id`` and PATCH its own ``user_metadata`` from ``entry`` (module docstring)."""
    secondary = _absorbed(entry)
    user_metadata = secondary.get("user_metadata")
    app_metadata = secondary.get("app_metadata")
    login = second_login(login_request(entry))
    if login.sub != secondary_id:
        raise Refused(
            f"You signed in as {login.sub or 'another account'}, not as {secondary_id}, so its "
            "user_metadata was not restored (an account can only write its own; while it is still "
            "linked, Auth0 signs it in as the user it is linked to).",
            hint=Fix(
                "run: ",
                restore_command(secondary_id),
                ", and sign in to that account when the login page opens",
            ),
        )
    if login.access_token is None:
        raise Refused(
            f"The login of {secondary_id} gave no access token; its user_metadata was not restored."
        )
    client = client_for(login.access_token)
    if isinstance(user_metadata, dict) and user_metadata:
        user = client.patch_user_metadata(secondary_id, user_metadata)
        restored: tuple[str, ...] = ("user_metadata",)
    else:
        user, restored = client.get_user(secondary_id), ()
    needs_admin = ("app_metadata",) if isinstance(app_metadata, dict) and app_metadata else ()
    return Restored(user=user, backup=entry.location, restored=restored, needs_admin=needs_admin)


def unlink_and_restore(
    client: Auth0Client,
    user_id: str,
    pair: tuple[str, str],
    *,
    backup_dir: Path,
    confirm: Callable[[User, Sequence[Identity]], bool],
    second_login: Callable[[SecondLoginRequest], SecondLogin],
    client_for: Callable[[str], Auth0Client],
    report: Callable[[str], None] = lambda _msg: None,
    instruct: Callable[[str], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    tenant: TenantMark | None = None,
    allow_unknown: bool = False,
) -> tuple[UnlinkResult, Restored]:
    """``unlink --restore-metadata`` as the user: find the backup, unlink, then restore as that account.

    ``report`` gets what was done (a ✓ on a terminal), ``instruct`` what the person must do next
    (no ✓: it is not done yet); without ``instruct`` both go to ``report``.
    """
    from auth0link.usecases.unlink import unlink_identities

    secondary_id = f"{pair[0]}|{pair[1]}"
    entry = newest_backup(
        backup_dir,
        secondary_id,
        primary_id=user_id,
        before_unlink=True,
        tenant=tenant,
        allow_unknown=allow_unknown,
    )
    result = unlink_identities(client, user_id, [pair], confirm=confirm, report=report, sleep=sleep)
    (instruct or report)(f"Now sign in to {secondary_id} to restore its user_metadata from {entry.location}")
    try:
        restored = restore_as_user(
            secondary_id, entry=entry, second_login=second_login, client_for=client_for
        )
    except Auth0LinkError as exc:
        raise LinkAborted(
            join_sentences(
                f"Unlinked {secondary_id}, but restoring its user_metadata failed: {clause(exc.message)}",
                f"The backup is {entry.location}",
            ),
            hint=(exc.fix + "; then " if exc.fix and exc.hint else Fix())
            + Fix("finish it with: ", restore_command(secondary_id)),
            cause=exc,
        ) from None
    return result, restored
