"""``auth0link unlink``: check every identity first, confirm once, then DELETE each.

The primary identity itself is refused (exit 2) and an identity that is not linked is a conflict
(exit 7), before anything is deleted. A DELETE whose answer was lost, late or unreadable is read
back (:mod:`.readback`) and reported as unknown when the tenant does not show the change.
Admin unlink (``--user``) runs the same checks with a machine token (:func:`unlink_checked`).

The command calls one of three entry points, each owning its wiring: :func:`unlink_as_user`,
:func:`unlink_and_restore` (``--restore-metadata``: the backup is found before anything changes,
then the unlink, then the account signs in again and restores its own ``user_metadata``; when
that fails after the unlink, the error says so and names the command that finishes it) and
:func:`unlink_as_admin` (``--user PRIMARY``, machine credentials: :func:`admin_unlink`, which with
``--restore-metadata`` puts both metadata back from the newest backup).
"""

from __future__ import annotations

import dataclasses
import time
from typing import TYPE_CHECKING

from auth0link.errors import (
    CHECK_IDENTITIES,
    Auth0LinkError,
    Cancelled,
    Command,
    Conflict,
    Fix,
    Interrupted,
    LinkAborted,
    UsageError,
    clause,
    cmd,
    join_sentences,
)
from auth0link.models import UnlinkResult
from auth0link.usecases.identities import read_own_user
from auth0link.usecases.link_checks import require_user_session
from auth0link.usecases.readback import DELAYS, maybe_applied, read_back

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from pathlib import Path

    from auth0link.client import Auth0Client
    from auth0link.models import Identity, Restored, TenantMark, User
    from auth0link.usecases.backups import BackupEntry
    from auth0link.usecases.second_login import SignIn
    from auth0link.usecases.world import World


def parse_identity_lines(lines: Iterable[str]) -> list[tuple[str, str]]:
    """Parse ``provider<TAB>user_id[<TAB>…]`` lines (``identities`` TSV); dedupe, keep order.

    A header line (``provider<TAB>user_id…``) and blank lines are skipped; anything else that
    is not two non-empty tab-separated fields is a usage error naming the line number.
    """
    pairs: dict[tuple[str, str], None] = {}
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r\n")
        if not line.strip():
            continue
        fields = line.split("\t")
        if [f.strip() for f in fields[:2]] == ["provider", "user_id"]:
            continue
        provider = fields[0].strip()
        user_id = fields[1].strip() if len(fields) > 1 else ""
        if len(fields) < 2 or not provider or not user_id or any(c.isspace() for c in provider):  # noqa: PLR2004
            raise UsageError(
                f"stdin line {number}: expected provider<TAB>user_id, got {line[:80]!r}.",
                hint=Fix("feed it the output of: ", cmd("identities", "--secondary-only")),
            )
        pairs[(provider, user_id)] = None
    return list(pairs)


def check_unlink(user: User, pairs: Sequence[tuple[str, str]]) -> list[Identity]:
    """The identities to unlink; refuse the primary identity (exit 2) and unlinked ones (exit 7)."""
    if not pairs:
        raise UsageError(
            "No identities to unlink (stdin had no provider<TAB>user_id lines). Nothing was changed.",
            hint=Fix(
                cmd("identities", "--secondary-only"), " | grep PROVIDER | ", cmd("unlink", "-", "--yes")
            ),
        )
    found: list[Identity] = []
    for provider, user_id in pairs:
        if f"{provider}|{user_id}" == user.user_id:
            raise UsageError(
                f"{provider}|{user_id} is the primary identity of this user; it cannot be unlinked "
                "from itself. Nothing was changed.",
                hint=Fix.run(
                    "link",
                    "--primary",
                    "secondary",
                    lead="to make another account the primary, unlink it, then run: ",
                ),
            )
        identity = user.find_identity(provider, user_id)
        if identity is None:
            raise Conflict(
                f"{provider}|{user_id} is not linked to {user.user_id}. Nothing was changed.",
                status_code=409,
                hint=Fix(cmd("identities", "--secondary-only"), " lists what is linked"),
            )
        found.append(identity)
    return found


def unlink_identities(
    client: Auth0Client,
    user_id: str,
    pairs: Sequence[tuple[str, str]],
    *,
    confirm: Callable[[User, Sequence[Identity]], bool],
    report: Callable[[str], None] = lambda _msg: None,
    sleep: Callable[[float], None] = time.sleep,
) -> UnlinkResult:
    """The signed-in user unlinks from their own account: :func:`unlink_checked` for a user token."""
    require_user_session(user_id, command="unlink")
    return unlink_checked(client, user_id, pairs, confirm=confirm, report=report, sleep=sleep, own_user=True)


def unlink_checked(
    client: Auth0Client,
    user_id: str,
    pairs: Sequence[tuple[str, str]],
    *,
    confirm: Callable[[User, Sequence[Identity]], bool],
    report: Callable[[str], None] = lambda _msg: None,
    sleep: Callable[[float], None] = time.sleep,
    own_user: bool = False,
) -> UnlinkResult:
    """Check every pair against the user's identities, confirm once, then DELETE each.

    ``own_user``: ``user_id`` is the signed-in user (a 404 then means the session's user is gone).
    """
    user = read_own_user(client, user_id) if own_user else client.get_user(user_id)
    targets = check_unlink(user, pairs)
    if not confirm(user, targets):
        raise Cancelled(
            "Cancelled. Nothing was changed.",
            hint="run the same command again when ready (--yes skips the question)",
        )
    remaining: list[Identity] = list(user.identities)
    done: list[Identity] = []
    for identity in targets:
        try:
            remaining = client.unlink_identity(user_id, identity.provider, identity.user_id)
        except KeyboardInterrupt:
            raise Interrupted(
                f"Interrupted while unlinking {identity.full_id}. "
                + _unlink_progress(done, targets, unknown=identity),
                hint=CHECK_IDENTITIES,
            ) from None
        except Auth0LinkError as exc:
            if not maybe_applied(exc):
                raise LinkAborted(
                    join_sentences(
                        f"Unlinking {identity.full_id} failed: {clause(exc.message)}",
                        _unlink_progress(done, targets),
                    ),
                    hint=exc.hint or "fix the cause and run the same unlink again",
                    cause=exc,
                ) from None
            remaining = _read_back_unlink(
                client, user_id=user_id, identity=identity, done=done, targets=targets, lost=exc, sleep=sleep
            )
        done.append(identity)
        report(f"Unlinked {identity.full_id}; it is a separate user again")
    return UnlinkResult(user=dataclasses.replace(user, identities=tuple(remaining)), unlinked=tuple(done))


def _unlink_progress(
    done: Sequence[Identity], targets: Sequence[Identity], *, unknown: Identity | None = None
) -> str:
    left = [t.full_id for t in targets if t not in done and t != unknown]
    text = f"Unlinked: {', '.join(d.full_id for d in done) or 'none'}. "
    if unknown is not None:
        text += f"Unknown: {unknown.full_id}. "
    return text + f"Still linked: {', '.join(left) or 'none'}."


def _read_back_unlink(
    client: Auth0Client,
    *,
    user_id: str,
    identity: Identity,
    done: Sequence[Identity],
    targets: Sequence[Identity],
    lost: Auth0LinkError,
    sleep: Callable[[float], None],
) -> list[Identity]:
    """The unlink's answer was lost: read the user back until the identity is gone, or say unknown."""
    seen: list[Identity] = []

    def gone() -> bool:
        user = client.get_user(user_id)
        seen[:] = user.identities
        return user.find_identity(identity.provider, identity.user_id) is None

    applied, read_error = read_back(gone, sleep=sleep)
    if applied:
        return seen
    why = (
        f"reading {user_id} back failed ({clause(read_error.message)})"
        if read_error is not None
        else f"reading {user_id} back for {sum(DELAYS):g} s still lists it, but the tenant may still "
        "apply the request"
    )
    raise LinkAborted(
        f"The answer to unlinking {identity.full_id} was lost ({clause(lost.message)}); {why}, so "
        "whether it was unlinked is unknown. " + _unlink_progress(done, targets, unknown=identity),
        hint=Fix("check in a minute with: ", cmd("identities")),
        cause=read_error or lost,
    )


@dataclasses.dataclass(frozen=True)
class UnlinkUi:
    """What the command brings to a user's unlink: a yes (after showing the plan) and messages.

    ``report`` gets what was done (a ✓ on a terminal), ``instruct`` what the person must do next
    (no ✓: it is not done yet); ``sign_in`` signs the unlinked account in again to restore it.
    """

    confirm: Callable[[User, Sequence[Identity]], bool]
    report: Callable[[str], None]
    instruct: Callable[[str], None] | None = None
    sign_in: SignIn | None = None


def unlink_as_user(pairs: Sequence[tuple[str, str]], world: World, ui: UnlinkUi) -> UnlinkResult:
    """The user's ``unlink``: the signed-in user's client, then :func:`unlink_identities`."""
    access = world.access()
    return unlink_identities(
        world.user_client(access),
        access.user_id,
        pairs,
        confirm=ui.confirm,
        report=ui.report,
        sleep=world.sleep,
    )


def unlink_and_restore(
    pair: tuple[str, str], world: World, ui: UnlinkUi, *, allow_unknown: bool = False
) -> tuple[UnlinkResult, Restored]:
    """``unlink P U --restore-metadata`` as the user: find the backup, unlink, restore as that account."""
    from auth0link.usecases.restore import newest_backup, restore_as_user, restore_command
    from auth0link.usecases.second_login import SignInPurpose

    assert ui.sign_in is not None, "restoring signs the account in again"
    secondary_id = f"{pair[0]}|{pair[1]}"
    later = restore_command(secondary_id)
    access = world.access()
    second_login = ui.sign_in(
        SignInPurpose(
            f"Sign in to {secondary_id} to restore its user_metadata",
            timeout_hint=Fix(
                "finish it, waiting longer: ",
                Command((*later.args, "--timeout", "SECONDS")),
                " (over SSH add --no-browser)",
            ),
            retry_hint=Fix("run: ", later),
        )
    )
    entry = newest_backup(
        world.backups_dir,
        secondary_id,
        primary_id=access.user_id,
        before_unlink=True,
        tenant=world.tenant_mark,
        allow_unknown=allow_unknown,
    )
    result = unlink_identities(
        world.user_client(access),
        access.user_id,
        [pair],
        confirm=ui.confirm,
        report=ui.report,
        sleep=world.sleep,
    )
    (ui.instruct or ui.report)(
        f"Now sign in to {secondary_id} to restore its user_metadata from {entry.location}"
    )
    try:
        restored = restore_as_user(
            secondary_id,
            entry=entry,
            second_login=second_login,
            client_for=lambda token: world.client(access_token=token),
        )
    except Auth0LinkError as exc:
        raise LinkAborted(
            join_sentences(
                f"Unlinked {secondary_id}, but restoring its user_metadata failed: {clause(exc.message)}",
                f"The backup is {entry.location}",
            ),
            hint=(exc.fix + "; then " if exc.fix and exc.hint else Fix()) + Fix("finish it with: ", later),
            cause=exc,
        ) from None
    return result, restored


@dataclasses.dataclass(frozen=True)
class AdminUnlinkRequest:
    """``unlink --user PRIMARY P U [--restore-metadata]``."""

    primary_id: str
    provider: str
    user_id: str
    restore_metadata: bool = False
    allow_unknown_tenant: bool = False


def unlink_as_admin(
    request: AdminUnlinkRequest, world: World
) -> tuple[User, User | None, BackupEntry | None]:
    """The admin ``unlink``: a machine client, then :func:`admin_unlink`."""
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
    from auth0link.usecases.backups import apply_backup
    from auth0link.usecases.restore import newest_backup

    secondary_id = f"{provider}|{user_id}"
    entry = None
    if restore_metadata:  # none: NotFound, nothing changed (as the user's --restore-metadata)
        entry = newest_backup(
            backup_dir,
            secondary_id,
            primary_id=primary_id,
            before_unlink=True,
            tenant=tenant,
            allow_unknown=allow_unknown,
        )
    # Check the identity is linked to that user before deleting anything (as user unlink does).
    primary = unlink_checked(
        client, primary_id, [(provider, user_id)], confirm=lambda _u, _t: True, sleep=sleep
    ).user
    if entry is None:
        return primary, None, None
    return primary, apply_backup(client, entry), entry
