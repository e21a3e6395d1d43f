"""``auth0link backups list|show``: the backups written before each link."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from auth0link.cli._globals import command, pass_app

if TYPE_CHECKING:
    from auth0link.application import Application


@click.group()
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
        ((e.location, e.created_at, e.kept_id, e.absorbed_id) for e in entries),
        as_json=as_json,
        title="Backups",
    )


@command(name="show")
@click.argument("location", required=False)
@click.option("--user", "user_id", metavar="ID", help="The newest backup involving this user.")
@pass_app
def backups_show(app: Application, *, location: str | None, user_id: str | None) -> None:
    """Print one backup record as JSON (LOCATION from `backups list`, or --user ID)."""
    from auth0link.errors import NotFound, UsageError
    from auth0link.usecases.backups import find_backups

    if bool(location) == bool(user_id):
        raise UsageError("Pass either LOCATION or --user ID.", hint="see: auth0link backups list")
    entries = find_backups(app.backups_dir, user_id)
    if location:
        entries = [e for e in entries if location in {e.location, str(e.path)}]
    if not entries:
        raise NotFound("No matching backup.", status_code=404, hint="see: auth0link backups list --user ID")
    app.output.json(max(entries, key=lambda e: e.created_at).record)


backups.add_command(backups_list)
backups.add_command(backups_show)
