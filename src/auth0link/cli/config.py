"""``auth0link config set|get|unset|list``: the profile's settings file."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from auth0link import _constants as names
from auth0link.cli import _globals
from auth0link.cli._globals import command, pass_app
from auth0link.cli._help import HelpGroup

if TYPE_CHECKING:
    from auth0link.application import Application
    from auth0link.config import ProfileFile


@click.group(name="config", cls=HelpGroup)
def config_group() -> None:
    """Read and write the profile's settings file."""


def _profile_file() -> ProfileFile:
    """The active profile's file, without resolving the other settings (a broken value can be fixed)."""
    from auth0link import config
    from auth0link._profile_file import resolve_profile

    ctx = click.get_current_context()
    env = _globals.environment(ctx)
    config_dir = config.default_config_dir(env)
    profile, _source = resolve_profile(_globals.flags(ctx).get("profile"), env, config_dir)
    return config.ProfileFile(config_dir, profile)


@config_group.command(name="set")
@click.argument("key", type=click.Choice(sorted(names.CONFIG_KEYS)))
@click.argument("value")
@_globals.global_options
def config_set(key: str, value: str) -> None:
    """Set KEY to VALUE in the profile (validated before it is written)."""
    from auth0link.output import Output

    profile = _profile_file()
    stored = profile.set(key, value)
    Output().success(f"Set {key} = {stored} in profile {profile.profile} ({profile.path})")


@config_group.command(name="unset")
@click.argument("key", type=click.Choice(sorted(names.CONFIG_KEYS)))
@_globals.global_options
def config_unset(key: str) -> None:
    """Remove KEY from the profile."""
    from auth0link.output import Output

    profile = _profile_file()
    if profile.unset(key):
        Output().success(f"Removed {key} from profile {profile.profile}")
    else:
        Output().info(f"{key} was not set in profile {profile.profile}")


def _effective(app: Application) -> dict[str, str | None]:
    settings = app.settings
    return {
        "domain": settings.domain,
        "client_id": settings.client_id,
        "audience": settings.audience or (f"{settings.domain}/api/v2/" if settings.domain else None),
        "scopes": settings.scopes,
        "callback_ports": ",".join(str(p) for p in settings.callback_ports),
        "storage": settings.storage,
        "ca_bundle": str(settings.ca_bundle) if settings.ca_bundle else None,
    }


@command(name="get")
@click.argument("key", type=click.Choice(sorted(names.CONFIG_KEYS)))
@pass_app
def config_get(app: Application, key: str) -> None:
    """Print the effective value of KEY (exit 1 if unset)."""
    value = _effective(app).get(key)
    if value is None:
        from auth0link.errors import Auth0LinkError, Fix

        raise Auth0LinkError(f"{key} is not set.", hint=Fix.run("config", "set", key, "VALUE"))
    app.output.data(value)


@command(name="list")
@click.option("--json", "as_json", is_flag=True, help="JSON with stable keys.")
@pass_app
def config_list(app: Application, *, as_json: bool) -> None:
    """Show every effective setting and where it came from."""
    values = _effective(app)
    sources = app.settings.sources
    if as_json:
        app.output.json(
            {
                "profile": app.settings.profile,
                "config_dir": str(app.settings.config_dir),
                "settings": {k: {"value": v, "source": sources.get(k, "default")} for k, v in values.items()},
            }
        )
        return
    rows = [(k, v or "", sources.get(k, "default" if v else "")) for k, v in values.items()]
    app.output.table(("key", "value", "source"), rows, title=f"Profile {app.settings.profile}")


config_group.add_command(config_get)
config_group.add_command(config_list)
