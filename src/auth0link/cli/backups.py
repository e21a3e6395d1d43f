"""``auth0link backups list|show``: the backups written before each link."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from auth0link.cli._globals import command, pass_app
from auth0link.cli._help import HelpGroup
from auth0link.cli._prompts import allow_unknown_tenant, confirm, require_yes_or_tty
from auth0link.cli._second_login import browser_sign_in

if TYPE_CHECKING:
    from auth0link.application import Application


@click.group(cls=HelpGroup)
def backups() -> None:
    """Find the backups written before each link.

    They hold what a link discarded (to restore metadata after an unlink).
    """


@command(name="list")
@click.option("--user", "user_id", metavar="ID", help="Only backups involving this user.")
@click.option("--json", "as_json", is_flag=True, help="JSON lines with stable keys.")
@pass_app
def backups_list(app: Application, *, user_id: str | None, as_json: bool) -> None:
    """List backups (where, when, primary, secondary), oldest first."""
    from auth0link.usecases.backups import find_backups

    entries = find_backups(app.backups_dir, user_id)
    app.output.rows(
        ("location", "created_at", "primary_id", "secondary_id"),
        ((e.location, e.created_at, e.primary_id, e.secondary_id) for e in entries),
        as_json=as_json,
        title="Backups",
    )


@command(name="show")
@click.argument("location", required=False)
@click.option("--user", "user_id", metavar="ID", help="The newest backup involving this user.")
@pass_app
def backups_show(app: Application, *, location: str | None, user_id: str | None) -> None:
    """Print one backup record as JSON (LOCATION from `backups list`, or --user ID)."""
    from auth0link.errors import Fix, NotFound, UsageError, cmd
    from auth0link.usecases.backups import find_backups

    if bool(location) == bool(user_id):
        raise UsageError("Pass either LOCATION or --user ID.", hint=Fix("see: ", cmd("backups", "list")))
    entries = find_backups(app.backups_dir, user_id)
    if location:
        entries = [e for e in entries if location in {e.location, str(e.path)}]
    if not entries:
        raise NotFound(
            "No matching backup.", status_code=404, hint=Fix("see: ", cmd("backups", "list", "--user", "ID"))
        )
    app.output.json(max(entries, key=lambda e: e.created_at).record)


@command(name="restore")
@click.argument("user_id")
@click.option(
    "--machine",
    is_flag=True,
    help="Admin: restore user_metadata and app_metadata with machine credentials (login --machine).",
)
@click.option("--no-browser", is_flag=True, help="Print the sign-in URL instead of opening a browser.")
@click.option(
    "--timeout",
    type=click.FloatRange(1, 3600),
    default=300.0,
    show_default=True,
    help="Seconds to wait for the sign-in.",
)
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation (required without a terminal).")
@allow_unknown_tenant
@click.option("--json", "as_json", is_flag=True, help="What was restored, as JSON.")
@pass_app
def backups_restore(
    app: Application,
    *,
    user_id: str,
    machine: bool,
    no_browser: bool,
    timeout: float,
    yes: bool,
    allow_unknown_tenant: bool,
    as_json: bool,
) -> None:
    """Put an unlinked account's metadata back from its newest link backup.

    \b
    You sign in to that account (USER_ID, as backups list prints it) in the
    browser, and its user_metadata is restored with its own token. Its
    app_metadata needs an administrator: --machine (after login --machine)
    restores both. unlink --restore-metadata does this right after unlinking.
    Only a backup of this profile's tenant is used; what will be written is
    shown first and needs a yes (--yes for scripts).
    """
    from auth0link.usecases.restore import RestorePlan, RestoreRequest, RestoreUi, restore_backup

    require_yes_or_tty(app, yes=yes, what="backups restore")

    def show_and_confirm(plan: RestorePlan) -> bool:
        app.output.restore_plan(
            plan.location, plan.user_id, tenant=plan.tenant, body=plan.body, machine=plan.machine
        )
        return confirm("Restore now?", yes=yes)

    request = RestoreRequest(user_id=user_id, machine=machine, allow_unknown_tenant=allow_unknown_tenant)
    ui = RestoreUi(
        confirm=show_and_confirm, sign_in=browser_sign_in(app, no_browser=no_browser, timeout=timeout)
    )
    restored = restore_backup(request, app, ui)
    app.output.restored(restored)
    if as_json:
        app.output.json(restored.to_json())


backups.add_command(backups_list)
backups.add_command(backups_show)
backups.add_command(backups_restore)
