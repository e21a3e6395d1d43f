"""``auth0link unlink``: detach identities from the logged-in user (or, as admin, from any user)."""

from __future__ import annotations

import dataclasses
import sys
from typing import TYPE_CHECKING, Any

import click

from auth0link.cli._globals import command, pass_app
from auth0link.cli._prompts import allow_unknown_tenant, confirm, require_yes_or_tty
from auth0link.cli._second_login import browser_sign_in

if TYPE_CHECKING:
    from collections.abc import Sequence

    from auth0link.application import Application
    from auth0link.models import Identity, User


@command()
@click.argument("provider")
@click.argument("user_id", required=False)
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation (required with '-').")
@click.option("--json", "as_json", is_flag=True, help="Print the remaining identities as JSON.")
@click.option("--no-header", is_flag=True, help="Omit the TSV header line when piped.")
@click.option(
    "--user", "admin_user", metavar="PRIMARY_ID", help="Admin: unlink from this user (login --machine)."
)
@click.option(
    "--restore-metadata",
    is_flag=True,
    help="Put the unlinked account's metadata back from its link-time backup: you sign in to that "
    "account once more and its user_metadata is restored with its own token. Its app_metadata "
    "needs admin: --user with login --machine restores both.",
)
@click.option(
    "--no-browser",
    is_flag=True,
    help="With --restore-metadata: print the sign-in URL instead of opening a browser (over SSH, "
    "forward the callback port).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(1, 3600),
    default=300.0,
    show_default=True,
    help="With --restore-metadata: seconds to wait for the sign-in.",
)
@allow_unknown_tenant
@pass_app
def unlink(app: Application, **flags: Any) -> None:
    """Unlink PROVIDER USER_ID from the logged-in user.

    \b
    The identity becomes a separate user again. PROVIDER USER_ID may also be
    given as one 'provider|user_id' (as identities and backups print it).
    With '-' instead, reads provider<TAB>user_id lines from stdin (a header
    line and blank lines are skipped), e.g.
      auth0link identities --secondary-only | grep github | auth0link unlink - --yes
    The primary identity itself cannot be unlinked (exit 2); an identity that is
    not linked is exit 7. Prints the remaining identities.
    --restore-metadata puts back what the account lost when it was linked (from
    the link backup): you sign in to it once more, and its user_metadata is
    restored with its own token. app_metadata needs admin (--user, login --machine).
    """
    opts = UnlinkFlags(**flags)
    provider, user_id = opts.provider, opts.user_id
    if user_id is None and provider != "-" and "|" in provider:
        provider, _, user_id = provider.partition("|")
    if opts.admin_user is not None:
        _admin_unlink(
            app,
            primary_id=opts.admin_user,
            provider=provider,
            user_id=user_id,
            restore=opts.restore_metadata,
            as_json=opts.as_json,
            allow_unknown=opts.allow_unknown_tenant,
        )
        return
    _user_unlink(app, opts, provider, user_id)


@dataclasses.dataclass(frozen=True)
class UnlinkFlags:
    """The arguments and options of ``unlink``, as click parsed them."""

    provider: str
    user_id: str | None
    yes: bool
    as_json: bool
    no_header: bool
    admin_user: str | None
    restore_metadata: bool
    no_browser: bool
    timeout: float
    allow_unknown_tenant: bool


def _user_unlink(app: Application, opts: UnlinkFlags, provider: str, user_id: str | None) -> None:
    """The signed-in user's unlink (of one identity, or of the lines on stdin), optionally restoring it."""
    from auth0link.errors import Fix, UsageError, cmd

    if provider == "-" and user_id is not None:
        raise UsageError("Pass either '-' or PROVIDER USER_ID, not both.")
    if provider != "-" and not user_id:
        raise UsageError(
            "Missing USER_ID.",
            hint=Fix(
                cmd("unlink", "PROVIDER", "USER_ID"), " (see: ", cmd("identities", "--secondary-only"), ")"
            ),
        )
    require_yes_or_tty(app, yes=opts.yes, what="unlink")
    if opts.restore_metadata:
        if provider == "-":
            raise UsageError(
                "--restore-metadata restores one account: pass PROVIDER USER_ID, not '-'.",
                hint=Fix(cmd("unlink", "PROVIDER", "USER_ID", "--restore-metadata")),
            )
        _unlink_and_restore(
            app,
            (provider, user_id or ""),
            yes=opts.yes,
            no_browser=opts.no_browser,
            timeout=opts.timeout,
            as_json=opts.as_json,
            allow_unknown=opts.allow_unknown_tenant,
        )
        return
    pairs = _stdin_pairs() if provider == "-" else [(provider, user_id or "")]
    from auth0link.usecases.unlink import UnlinkUi, unlink_as_user

    def show_and_confirm(user: User, targets: Sequence[Identity]) -> bool:
        app.output.unlink_plan(user, targets)
        return confirm("Unlink now?", yes=opts.yes)

    result = unlink_as_user(pairs, app, UnlinkUi(confirm=show_and_confirm, report=app.output.success))
    app.output.identities(result.user, as_json=opts.as_json, header=not opts.no_header)


def _unlink_and_restore(
    app: Application,
    pair: tuple[str, str],
    *,
    yes: bool,
    no_browser: bool,
    timeout: float,
    as_json: bool,
    allow_unknown: bool,
) -> None:
    """``unlink P U --restore-metadata`` as the user: unlink, then sign in as that account and restore it."""
    from auth0link.usecases.unlink import UnlinkUi, unlink_and_restore

    def show_and_confirm(user: User, targets: Sequence[Identity]) -> bool:
        app.output.unlink_plan(user, targets, restoring=True)
        return confirm("Unlink now?", yes=yes)

    ui = UnlinkUi(
        confirm=show_and_confirm,
        report=app.output.success,
        instruct=app.output.info,
        sign_in=browser_sign_in(app, no_browser=no_browser, timeout=timeout),
    )
    result, restored = unlink_and_restore(pair, app, ui, allow_unknown=allow_unknown)
    app.output.restored(restored)
    app.output.identities(result.user, as_json=as_json)


def _stdin_pairs() -> list[tuple[str, str]]:
    from auth0link import _stdin
    from auth0link.errors import Fix, cmd
    from auth0link.usecases.unlink import parse_identity_lines

    text = _stdin.read_text(
        sys.stdin,
        what="provider<TAB>user_id lines",
        hint=Fix("pipe them in: ", cmd("identities", "--secondary-only"), " | ", cmd("unlink", "-", "--yes")),
    )
    return parse_identity_lines(text.split("\n"))


def _admin_unlink(
    app: Application,
    *,
    primary_id: str | None,
    provider: str,
    user_id: str | None,
    restore: bool,
    as_json: bool,
    allow_unknown: bool,
) -> None:
    """``unlink --user PRIMARY P U [--restore-metadata]``."""
    from auth0link.errors import UsageError
    from auth0link.usecases.unlink import AdminUnlinkRequest, unlink_as_admin

    if not primary_id or not user_id or provider == "-":
        raise UsageError(
            "The admin form is: auth0link unlink --user PRIMARY_ID PROVIDER USER_ID [--restore-metadata].",
        )
    request = AdminUnlinkRequest(
        primary_id=primary_id,
        provider=provider,
        user_id=user_id,
        restore_metadata=restore,
        allow_unknown_tenant=allow_unknown,
    )
    primary, restored, entry = unlink_as_admin(request, app)
    app.output.success(f"Unlinked {provider}|{user_id} from {primary_id}")
    if restored is not None and entry is not None:
        app.output.success(f"Restored the metadata of {restored.user_id} from {entry.location}")
    app.output.identities(primary, as_json=as_json)
