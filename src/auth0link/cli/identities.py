"""``auth0link identities``: the logged-in user's identities (or any user's, as admin)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from auth0link.cli._globals import command, pass_app, spreadsheet_option

if TYPE_CHECKING:
    from auth0link.application import Application


@command()
@click.option("--json", "as_json", is_flag=True, help="JSON with stable keys (for scripts).")
@click.option("--no-header", is_flag=True, help="Omit the TSV header line when piped.")
@spreadsheet_option
@click.option("--secondary-only", is_flag=True, help="Only linked identities (not the primary).")
@click.option("--user", "admin_user", metavar="ID", help="Admin: any user's identities (login --machine).")
@pass_app
def identities(
    app: Application,
    *,
    as_json: bool,
    no_header: bool,
    spreadsheet: bool,
    secondary_only: bool,
    admin_user: str | None,
) -> None:
    """List the logged-in user's identities.

    A table on a terminal, TSV when piped (provider, user_id first, so it feeds
    `auth0link unlink -`), JSON with --json. TSV is exact, for pipelines: do
    not open it in a spreadsheet; --csv is for that.
    """
    from auth0link.usecases.identities import fetch_identities

    if admin_user is not None:
        if not admin_user:
            from auth0link.errors import Fix, UsageError, cmd

            raise UsageError(
                "--user needs a user ID.", hint=Fix("e.g. ", cmd("identities", "--user", "'auth0|abc'"))
            )
        user = fetch_identities(app.machine_client(), admin_user)
    else:
        access = app.access()
        user = fetch_identities(app.user_client(access), access.user_id, own_user=True)
    app.output.identities(
        user, as_json=as_json, header=not no_header, secondary_only=secondary_only, spreadsheet=spreadsheet
    )
