"""``auth0link unlink``: check every identity first, confirm once, then DELETE each.

The primary identity itself is refused (exit 2) and an identity that is not linked is a conflict
(exit 7), before anything is deleted. A DELETE whose answer was lost, late or unreadable is read
back (:mod:`.readback`) and reported as unknown when the tenant does not show the change.
Admin unlink (``--user``) runs the same checks with a machine token (:func:`unlink_checked`).
"""

from __future__ import annotations

import dataclasses
import time
from typing import TYPE_CHECKING

from auth0link.errors import (
    CHECK_IDENTITIES,
    Auth0LinkError,
    Cancelled,
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
from auth0link.usecases.link import require_user_session
from auth0link.usecases.readback import DELAYS, maybe_applied, read_back

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from auth0link.client import Auth0Client
    from auth0link.models import Identity, User


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
