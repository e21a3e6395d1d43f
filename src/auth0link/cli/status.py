"""``auth0link status`` and ``auth0link token``: the sessions, and a valid access token for scripts."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from auth0link.cli._globals import command, pass_app

if TYPE_CHECKING:
    from auth0link.application import Application


@command()
@click.option("--json", "as_json", is_flag=True, help="JSON with stable keys (for scripts).")
@click.option("--offline", is_flag=True, help="Only read what is stored; do not ask the tenant.")
@pass_app
def status(app: Application, *, as_json: bool, offline: bool) -> None:
    """Show who is logged in where, checked with the tenant.

    \b
    Every profile: its user login (refreshed with its refresh token, then one
    Management API call) and its machine credentials (login --machine), each
    problem with the command that fixes it. --offline only reads what is stored.
    Exit 0 when the active profile's credentials work (a user login, or machine
    credentials alone), 3 when it has none or the tenant refused them, 5 when
    the tenant could not be reached.
    """
    from auth0link.usecases import status as use_case

    settings = app.settings
    env_token = settings.access_token is not None
    report = use_case.gather(
        app.profiles.profile_configs(),
        world=app.profiles,
        config_dir=settings.config_dir,
        now=app.clock(),
        offline=offline or env_token,
        bare_profile=settings.bare_profile,
        env_machine=(settings.domain, settings.machine_client_id)
        if settings.domain and settings.machine_client_id and settings.client_secret
        else None,
    )
    app.output.sessions(report.sessions, machines=report.machines, as_json=as_json, env_token=env_token)
    if env_token:
        return
    error = use_case.verdict(report.sessions, report.machines, profile=settings.profile)
    if error is not None:
        raise error
