"""``auth0link status`` and ``auth0link token``: the sessions, and a valid access token for scripts."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from auth0link.cli._globals import command, pass_app

if TYPE_CHECKING:
    from auth0link.application import Application


@command()
@click.option("--json", "as_json", is_flag=True, help="JSON with stable keys (for scripts).")
@pass_app
def status(app: Application, *, as_json: bool) -> None:
    """Show who is logged in where, checked with the tenant.

    Exit 3 when the active profile is not logged in.
    """
    from auth0link.config import profile_flag
    from auth0link.errors import ConfigurationError, LoginRequired
    from auth0link.usecases.session_index import SessionIndex
    from auth0link.usecases.status import session_status

    settings = app.settings
    entries = SessionIndex(settings.config_dir).entries()
    current_key = None
    try:
        current = app.index_entry()
        current_key = current.key
        entries = [current, *(e for e in entries if e.key != current.key)]
    except ConfigurationError:
        pass
    now = app.clock()
    statuses = [
        session_status(entry, store=app.store_for(entry), active=entry.key == current_key, now=now)
        for entry in entries
    ]
    env_token = settings.access_token is not None
    app.output.sessions(statuses, as_json=as_json, env_token=env_token)
    if env_token:
        return
    active = next((s for s in statuses if s.active), None)
    if active is None or not active.logged_in:
        raise LoginRequired(
            "You are not logged in." if active is None else f"Profile {active.profile} is not logged in.",
            hint=f"run: auth0link login{profile_flag(settings.profile)}",
        )


@command()
@click.option("--force", is_flag=True, help="Print the token even when stdout is a terminal.")
@pass_app
def token(app: Application, *, force: bool) -> None:
    """Print a valid access token for scripts (refreshed if needed).

    Only to a pipe or file (auth0link token | ...), or with --force.
    """
    if app.output.stdout_isatty and not force:
        from auth0link.errors import UsageError

        raise UsageError(
            "Refusing to print the access token to a terminal (it would stay in the scrollback).",
            hint="pipe it, e.g. TOKEN=$(auth0link token), or pass --force",
        )
    app.output.data(app.access().token)
