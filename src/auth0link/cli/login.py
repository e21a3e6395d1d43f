"""``auth0link login``: the primary user (browser or device flow), or machine credentials (``--machine``)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from auth0link import _constants as names
from auth0link.cli._globals import command, env_help, pass_app, setting_option

if TYPE_CHECKING:
    from auth0link.application import Application


def _ports(value: tuple[int, ...]) -> str:
    return ",".join(map(str, value))


@command(skip_globals=("client_id",))
@click.option(
    "--device",
    is_flag=True,
    help="Log in with a code entered on any device (automatic when no browser can open here).",
)
@click.option("--no-browser", is_flag=True, help="Do not launch a browser; only print the URL.")
@click.option("--connection", metavar="NAME", help="Go straight to this connection (e.g. google-oauth2).")
@setting_option(
    "--scopes",
    setting="scopes",
    metavar="SCOPES",
    help=env_help("Space-separated scopes to request.", names.ENV_SCOPES),
)
@setting_option(
    "--audience",
    setting="audience",
    metavar="URL",
    help=env_help("API audience (default: <domain>/api/v2/).", names.ENV_AUDIENCE),
)
@setting_option(
    "--callback-port",
    setting="callback_ports",
    transform=_ports,
    type=click.IntRange(1024, 65535),
    multiple=True,
    metavar="PORT",
    help=env_help(
        "Loopback callback port; repeat for fallbacks (default: 8484, 8485, 8486).", names.ENV_CALLBACK_PORTS
    ),
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=1, max=3600),
    default=300.0,
    show_default=True,
    help="Seconds to wait for the browser login.",
)
@setting_option(
    "--insecure-storage",
    setting="storage",
    transform=lambda _flag: "file",
    is_flag=True,
    help="Keep tokens (with --machine: the client secret) in a 0600 plain-text file in the config "
    "directory instead of the OS keyring (remembered).",
)
@click.option(
    "--machine",
    is_flag=True,
    help="Admin mode: machine (M2M) credentials, client credentials grant, for suggest/batch-link "
    "and the --user forms of identities/link/unlink.",
)
@click.option(
    "--client-id",
    "machine_client_id",
    metavar="ID",
    help="With --machine: the M2M application's ID (the native app's goes before the command: "
    "auth0link --client-id ID login).",
)
@click.option(
    "--client-secret",
    "client_secret",
    metavar="-",
    help=env_help(
        "With --machine: '-' reads the secret from stdin (never pass it as an argument).",
        names.ENV_CLIENT_SECRET,
    ),
)
@pass_app
def login(
    app: Application,
    *,
    machine: bool,
    machine_client_id: str | None,
    client_secret: str | None,
    device: bool,
    no_browser: bool,
    connection: str | None,
    timeout: float,
) -> None:
    """Log in as the primary user and keep the session in the OS keyring.

    \b
    Uses the browser (authorization code + PKCE, loopback callback on
    http://127.0.0.1:8484/callback, then 8485, 8486) when one can be opened,
    otherwise the device flow (a URL and code to enter on any device).
    The URL is always printed on stderr. Nothing is stored unless the login
    succeeds and its ID token is valid. Without a keyring, --insecure-storage
    keeps the tokens in a plain-text file (docs/login.md).
    """
    if machine or machine_client_id or client_secret:
        _machine_login(app, client_id=machine_client_id, secret_source=client_secret, machine=machine)
        _announce_file_storage(app, "the client secret and token are")
        return
    _user_login(app, device=device, no_browser=no_browser, connection=connection, timeout=timeout)


def _user_login(
    app: Application, *, device: bool, no_browser: bool, connection: str | None, timeout: float
) -> None:
    """The primary user's login: the browser or the device flow, then the session is stored."""
    from auth0link.auth.browser import choose_flow
    from auth0link.infra.session_index import SessionIndex
    from auth0link.usecases import login as use_case

    settings = app.settings
    use_case.check_no_env_token(settings.access_token)
    use_case.check_store_usable(app.store, app.store_key)  # a missing keyring fails before the browser
    flow, reason = choose_flow(settings.browser_unavailable, device=device, no_browser=no_browser)
    if flow == "device" and not device:
        app.output.info(f"Using the device flow: {reason}.")
    if flow == "device" and connection:
        app.output.warn("--connection is ignored by the device flow (pick the account when you sign in)")
    request = use_case.LoginRequest(
        client_id=settings.require_client_id,
        scope=settings.scopes,
        audience=settings.api_audience,
        flow=flow,
        callback_ports=settings.callback_ports,
        connection=connection,
        timeout=timeout,
        open_browser=not no_browser,
    )
    outcome = use_case.login(
        app.client(),
        request,
        endpoints=app.endpoints,
        jwks_provider=app.jwks,
        store=app.store,
        key=app.store_key,
        ui=app.output,
        env_token=settings.access_token,
        lock=app.session_lock(),
        browser=app.open_browser,
        clock=app.clock,
    )
    SessionIndex(settings.config_dir).add(app.index_entry())
    _announce_file_storage(app, "tokens are")
    app.output.login_done(outcome)


def _announce_file_storage(app: Application, what: str) -> None:
    """After a login into the file store: say on stderr that secrets are in plain text, and where.

    With ``--insecure-storage`` the profile remembers ``storage = file``.
    """
    settings = app.settings
    if settings.storage != "file":
        return
    message = f"{what} stored in plain text in {settings.config_dir / 'tokens.json'} (mode 0600)"
    if settings.sources.get("storage") == "flag":
        from auth0link.config import ProfileFile

        ProfileFile(settings.config_dir, settings.profile).set("storage", "file")
        message += (
            f"; profile {settings.profile} now uses storage = file "
            "(auth0link config set storage keyring switches back)"
        )
    app.output.warn(message)


def _machine_login(
    app: Application, *, client_id: str | None, secret_source: str | None, machine: bool
) -> None:
    """``login --machine``: client credentials; the secret from stdin or the environment only."""
    from auth0link import _stdin
    from auth0link.errors import Fix, UsageError, cmd
    from auth0link.machine import read_secret

    if not machine:
        raise UsageError(
            "--client-id and --client-secret after `login` are for --machine.",
            hint=Fix(
                cmd("login", "--machine", "--client-id", "M2M_ID"),
                " (or: ",
                cmd("--client-id", "ID", "login"),
                ")",
            ),
        )
    if not client_id:
        raise UsageError("--machine needs --client-id (the M2M application's client ID).")
    hint = Fix("pipe it in: … | ", cmd("login", "--machine", "--client-id", "ID", "--client-secret", "-"))
    secret = read_secret(
        secret_source,
        app.settings.client_secret,
        lambda: _stdin.read_text(sys.stdin, what="a client secret", hint=hint),
    )
    result = app.machine.login(client_id, secret)
    scopes = result.scope or "(no scopes granted)"
    app.output.success(
        f"Machine credentials stored for {app.settings.require_domain} (client {client_id}; {scopes})"
    )
    if "update:users" not in result.scope.split():
        app.output.warn(
            "the token lacks update:users: batch-link and the --user forms of link/unlink will fail"
        )
