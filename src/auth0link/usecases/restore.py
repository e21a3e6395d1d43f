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

:func:`auth0link.usecases.unlink.unlink_and_restore` is ``unlink --restore-metadata`` for a user,
built from :func:`newest_backup` and :func:`restore_as_user`; :func:`restore_backup` is
``backups restore``.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from auth0link.errors import Cancelled, Command, Fix, NotFound, Refused, cmd, join_sentences
from auth0link.models import Restored
from auth0link.usecases.safe_link import NOTHING_CHANGED

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from auth0link.client import Auth0Client
    from auth0link.models import TenantMark
    from auth0link.usecases.backups import BackupEntry
    from auth0link.usecases.second_login import SecondLogin, SecondLoginRequest, SignIn
    from auth0link.usecases.world import World


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


@dataclasses.dataclass(frozen=True)
class RestoreRequest:
    """``backups restore USER_ID [--machine]``: which account, by whom, from which tenant's backups."""

    user_id: str
    machine: bool = False
    allow_unknown_tenant: bool = False


@dataclasses.dataclass(frozen=True)
class RestorePlan:
    """What ``backups restore`` will write, shown before a person says yes."""

    location: str
    user_id: str
    tenant: str
    body: dict[str, Any]
    machine: bool


@dataclasses.dataclass(frozen=True)
class RestoreUi:
    """What the command brings: a yes to the plan, and the sign-in of the account (without --machine)."""

    confirm: Callable[[RestorePlan], bool]
    sign_in: SignIn


def restore_backup(request: RestoreRequest, world: World, ui: RestoreUi) -> Restored:
    """``backups restore``: the newest backup of this tenant, the plan and a yes, then the restore.

    With ``machine``, both metadata with a machine token
    (:func:`auth0link.usecases.backups.apply_backup`); otherwise the account signs in and restores
    its own ``user_metadata`` (:func:`restore_as_user`).
    """
    from auth0link.usecases.backups import apply_backup, restore_body
    from auth0link.usecases.second_login import SignInPurpose

    tenant = world.tenant_mark
    entry = newest_backup(
        world.backups_dir, request.user_id, tenant=tenant, allow_unknown=request.allow_unknown_tenant
    )
    body = restore_body(entry)
    plan = RestorePlan(entry.location, request.user_id, str(tenant), body, request.machine)
    if not ui.confirm(plan):
        raise Cancelled("Nothing was restored.")
    if request.machine:
        user = apply_backup(world.machine_client(), entry)
        return Restored(user=user, backup=entry.location, restored=tuple(body))
    purpose = SignInPurpose(
        f"Sign in to {request.user_id} to restore its user_metadata",
        timeout_hint="run the same command again with a longer --timeout SECONDS (over SSH add --no-browser)",
        retry_hint="run the same command again and sign in to that account",
    )
    return restore_as_user(
        request.user_id,
        entry=entry,
        second_login=ui.sign_in(purpose),
        client_for=lambda token: world.client(access_token=token),
    )
