"""``auth0link profiles list|switch``: every profile, and which one commands use (as ``gh auth switch``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from auth0link.cli._globals import command, complete_profile_names, pass_app
from auth0link.cli._help import HelpGroup

if TYPE_CHECKING:
    from auth0link.application import Application


@click.group(name="profiles", cls=HelpGroup)
def profiles() -> None:
    """List the profiles and switch the active one."""


@command(name="list")
@click.option("--json", "as_json", is_flag=True, help="JSON lines with stable keys.")
@pass_app
def profiles_list(app: Application, *, as_json: bool) -> None:
    """List every profile: tenant, client IDs, the active one (*), logged in?

    \b
    A profile is listed when it has a settings file, a stored login or
    machine credentials. "logged in" reads the token store only; auth0link
    status asks the tenant.
    """
    from auth0link.usecases.profiles import list_profiles

    infos = list_profiles(
        app.profiles.profile_configs(), config_dir=app.settings.config_dir, store_for=app.profiles.store_for
    )
    columns = ("active", "profile", "domain", "client_id", "machine_client_id", "logged_in")
    rows: list[tuple[object, ...]]
    if as_json:
        rows = [(i.active, i.name, i.domain, i.client_id, i.machine_client_id, i.logged_in) for i in infos]
    else:
        logged = {True: "yes", False: "no", None: "? (token store unreadable)"}
        rows = [
            ("*" if i.active else "", i.name, i.domain, i.client_id, i.machine_client_id, logged[i.logged_in])
            for i in infos
        ]
    app.output.rows(columns, rows, as_json=as_json, title="Profiles")


@command(name="switch")
@click.argument("name", shell_complete=complete_profile_names)
def profiles_switch(name: str) -> None:
    """Make NAME the active profile (remembered in the config directory).

    \b
    Commands then use it unless --profile or AUTH0LINK_PROFILE says otherwise.
    """
    from auth0link import _constants as names
    from auth0link import config
    from auth0link.cli import _globals
    from auth0link.output import Output
    from auth0link.usecases.profiles import switch_profile

    ctx = click.get_current_context()
    env = _globals.environment(ctx)
    path = switch_profile(config.default_config_dir(env), name)
    output = Output()
    output.success(f"Profile {name} is now active ({path})")
    given = _globals.flags(ctx).get("profile")
    if given or env.get(names.ENV_PROFILE):
        where = "--profile" if given else f"{names.ENV_PROFILE}={env[names.ENV_PROFILE]}"
        output.warn(f"{where} still wins over the switched profile where it is given")


profiles.add_command(profiles_list)
profiles.add_command(profiles_switch)
