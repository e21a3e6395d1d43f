"""``auth0link token``: print a valid access token of the signed-in user, for scripts."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from auth0link.cli._globals import command, pass_app

if TYPE_CHECKING:
    from auth0link.application import Application


@command()
@click.option("--force", is_flag=True, help="Print the token even when stdout is a terminal.")
@pass_app
def token(app: Application, *, force: bool) -> None:
    """Print a valid access token for scripts (refreshed if needed).

    Only to a pipe or file (auth0link token | ...), or with --force.
    """
    if app.output.stdout_isatty and not force:
        from auth0link.errors import Fix, UsageError, cmd

        raise UsageError(
            "Refusing to print the access token to a terminal (it would stay in the scrollback).",
            hint=Fix("pipe it, e.g. TOKEN=$(", cmd("token"), "), or pass --force"),
        )
    app.output.data(app.access().token)
