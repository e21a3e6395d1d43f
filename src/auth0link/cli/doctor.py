"""``auth0link doctor``: check the profile against the tenant and this machine, with fixes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from auth0link.cli._globals import command, pass_app

if TYPE_CHECKING:
    from auth0link.application import Application
    from auth0link.models import Check


@command()
@click.option("--json", "as_json", is_flag=True, help="JSON with stable keys.")
@pass_app
def doctor(app: Application, *, as_json: bool) -> None:
    """Check this profile against the tenant and this machine.

    \b
    Checks: TLS (the certificate verifies; issuer, expiry), discovery,
    signing keys, the callback port, the authorization code grant (callback
    URL registered), the device code grant, the token storage, and the session
    and machine credentials (checked with the tenant, as status does). Each
    problem comes with its fix. Exit 1 when something is wrong.
    """
    from auth0link.errors import Auth0LinkError, Fix
    from auth0link.usecases.doctor import active_credential_checks, machine_stored, run_doctor

    settings = app.settings
    env_machine = (
        (settings.domain, settings.machine_client_id)
        if settings.domain and settings.machine_client_id and settings.client_secret
        else None
    )

    def credentials() -> list[Check]:
        """The active profile's session and machine credentials, checked as `status` checks them."""
        return active_credential_checks(
            app.profiles.profile_configs(),
            world=app.profiles,
            config_dir=settings.config_dir,
            now=app.clock(),
            bare_profile=settings.bare_profile,
            env_machine=env_machine,
        )

    if (
        settings.client_id is None
        and env_machine is None
        and not machine_stored(settings.config_dir, app.profiles.profile_configs())
    ):
        settings.require_client_id  # noqa: B018 - raises the configuration error naming the fix
    checks = run_doctor(
        app.client(),
        client_id=settings.client_id,
        scope=settings.scopes,
        audience=settings.api_audience,
        callback_ports=settings.callback_ports,
        store=app.store,
        key=app.store_key if settings.client_id else None,
        env_token=settings.access_token,
        credentials=None if settings.access_token else credentials,
    )
    app.output.doctor(checks, as_json=as_json)
    failed = [c for c in checks if c.ok is False]
    if failed:
        raise Auth0LinkError(
            f"auth0link doctor found {len(failed)} problem(s).",
            hint=Fix.run("doctor", lead="fix the lines marked X above, then run ", note=" again"),
        )
