"""``auth0link doctor``: check the profile against the tenant and this machine, with fixes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from auth0link.cli._globals import command, pass_app

if TYPE_CHECKING:
    from auth0link.application import Application


@command()
@click.option("--json", "as_json", is_flag=True, help="JSON with stable keys.")
@pass_app
def doctor(app: Application, *, as_json: bool) -> None:
    """Check this profile against the tenant and this machine.

    \b
    Checks: TLS (the certificate verifies; issuer, expiry), discovery,
    signing keys, the callback port, the authorization code grant (callback
    URL registered), the device code grant, the token storage. Each problem
    comes with its fix. Exit 1 when something is wrong.
    """
    from auth0link.errors import Auth0LinkError
    from auth0link.usecases.doctor import run_doctor

    settings = app.settings
    checks = run_doctor(
        app.client(),
        client_id=settings.require_client_id,
        scope=settings.scopes,
        audience=settings.api_audience,
        callback_ports=settings.callback_ports,
        store=app.store,
        key=app.store_key,
        env_token=settings.access_token,
    )
    app.output.doctor(checks, as_json=as_json)
    failed = [c for c in checks if c.ok is False]
    if failed:
        raise Auth0LinkError(
            f"auth0link doctor found {len(failed)} problem(s).",
            hint="fix the lines marked X above, then run auth0link doctor again",
        )
