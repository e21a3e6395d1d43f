"""The command line: the only module that imports click.

Commands are thin: they parse options, build the :class:`App` (settings, token store, client —
once, in ``ctx.obj``), call a use-case function, and hand the result to :mod:`auth0link.output`.
:class:`_Group.invoke` is the one place where errors become exit codes
(:func:`auth0link.errors.exit_code_for`).

Heavy modules (httpx, rich, keyring, jwt) are imported inside the commands that need them, so
``auth0link --help`` starts about as fast as click itself.
"""

from __future__ import annotations

import os
import sys
from functools import cached_property
from typing import TYPE_CHECKING, Any, NoReturn

import click

from auth0link import _constants as names

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence
    from pathlib import Path

    from auth0link import config
    from auth0link.client import Auth0Client
    from auth0link.linking import LoginRequest, SecondLogin
    from auth0link.login import IndexEntry, SessionIndex
    from auth0link.machine import AdminSession
    from auth0link.models import Identity, User
    from auth0link.oidc import Endpoints, JwksCache
    from auth0link.output import Output
    from auth0link.session import Access, SessionManager
    from auth0link.tokens import TokenSet, TokenStore


def _env_help(text: str, env_name: str) -> str:
    return f"{text} [env var: {env_name}]"


class App:
    """Everything a command needs, built lazily once per invocation (hatch's Application)."""

    def __init__(
        self,
        *,
        env: dict[str, str],
        profile: str | None,
        domain: str | None,
        client_id: str | None,
        debug: bool,
        no_input: bool,
        ca_bundle: str | None = None,
    ) -> None:
        """Remember the global options; nothing is resolved until a command needs it."""
        self.env = env
        self._profile = profile
        self._domain = domain
        self._client_id = client_id
        self._debug = debug
        self._no_input = no_input
        self.overrides: dict[str, str | None] = {"ca_bundle": ca_bundle}
        self._clients: list[Auth0Client] = []
        #: tests may set an httpx transport here; None means the real network
        self.transport: Any = None

    @cached_property
    def settings(self) -> config.Settings:
        """Resolved settings (flag → env → profile file → default); makes their dirs private."""
        from auth0link import config
        from auth0link._files import make_private

        settings = config.resolve_settings(
            env=self.env,
            profile=self._profile,
            domain=self._domain,
            client_id=self._client_id,
            no_input=self._no_input,
            debug=self._debug,
            stdin_isatty=_stdin_isatty(),
            **{k: v for k, v in self.overrides.items() if v is not None},
        )
        make_private(settings.config_dir, own=names.CONFIG_DIR_ENTRIES)  # 0755 from older versions
        make_private(settings.data_dir, own=names.DATA_DIR_ENTRIES)
        return settings

    @cached_property
    def output(self) -> Output:
        """Streams and TTY state."""
        from auth0link.output import Output

        return Output()

    @property
    def debug(self) -> bool:
        """``--debug`` or ``AUTH0LINK_DEBUG``."""
        return self._debug or self.env.get(names.ENV_DEBUG, "") in {"1", "true", "yes"}

    @cached_property
    def store(self) -> TokenStore:
        """The token store the profile is configured for."""
        from auth0link.tokens import open_store

        settings = self.settings
        return open_store(
            settings.storage, config_dir=settings.config_dir, keyring_timeout=settings.keyring_timeout
        )

    @property
    def store_key(self) -> str:
        """Profile + tenant + application."""
        from auth0link.tokens import store_key

        settings = self.settings
        return store_key(settings.profile, settings.base_url, settings.require_client_id)

    def client(
        self, *, access_token: str | None = None, max_connections: int = 10, base_url: str | None = None
    ) -> Auth0Client:
        """An ``Auth0Client`` for the tenant, or ``base_url`` (closed when the command ends)."""
        from auth0link.client import Auth0Client

        client = Auth0Client(
            base_url or self.settings.base_url,
            access_token=access_token,
            timeout=self.settings.timeout,
            debug=self.debug,
            max_connections=max_connections,
            transport=self.transport,
            ca_bundle=self.settings.ca_bundle,
        )
        self._clients.append(client)
        return client

    @cached_property
    def sessions(self) -> SessionManager:
        """Loads/refreshes the stored session."""
        from auth0link.session import SessionManager

        return SessionManager(
            store=self.store,
            key=self.store_key,
            client_id=self.settings.require_client_id,
            lock_dir=self.settings.config_dir,
            env=self.env,
            client_factory=self.client,
            token_endpoint=lambda: self.endpoints.token_endpoint,
        )

    @cached_property
    def endpoints(self) -> Endpoints:
        """The tenant's OAuth/OIDC endpoints (discovery, cached in the config dir)."""
        from auth0link.oidc import discover

        return discover(self.client(), cache_dir=self.settings.config_dir / "cache")

    @cached_property
    def jwks(self) -> JwksCache:
        """The tenant's signing keys (cached; refetched on an unknown kid)."""
        from auth0link.oidc import JwksCache

        cache_dir = self.settings.config_dir / "cache"
        return JwksCache(self.client(), self.endpoints.jwks_uri, cache_dir=cache_dir)

    @property
    def keyring_timeout(self) -> float:
        """Seconds a keyring call may take (``AUTH0LINK_KEYRING_TIMEOUT``, checked in config)."""
        return self.settings.keyring_timeout

    def access(self) -> Access:
        """A valid access token for the primary user."""
        from auth0link.session import access_from_env

        self.settings.base_url  # noqa: B018 - fail early with the config hint
        from_env = access_from_env(self.env)
        if from_env is not None:
            return from_env
        return self.sessions.access()

    @cached_property
    def admin(self) -> AdminSession:
        """Machine (M2M) credentials for admin commands (``login --machine``)."""
        from auth0link.machine import AdminSession

        settings = self.settings
        return AdminSession(
            store=self.store,
            profile=settings.profile,
            domain=settings.base_url,
            audience=f"{settings.base_url}/api/v2/",
            config_dir=settings.config_dir,
            env=self.env,
            client_factory=self.client,
        )

    def admin_client(self, *, max_connections: int = 10) -> Auth0Client:
        """A client carrying a valid machine token (admin commands)."""
        return self.client(access_token=self.admin.access_token(), max_connections=max_connections)

    def close(self) -> None:
        """Close any HTTP clients."""
        for client in self._clients:
            client.close()


def _stdin_isatty() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (ValueError, AttributeError):
        return False


def _report(error: Any) -> None:
    from auth0link.output import clean

    print(f"error: {clean(error.message)}", file=sys.stderr, flush=True)
    if error.hint:
        print(f"hint: {clean(error.hint)}", file=sys.stderr, flush=True)


class _Group(click.Group):
    """The root group: maps every error to an exit code, in one place."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; turn errors into one-line messages and documented exit codes."""
        from auth0link.errors import Auth0LinkError, ExitCode, Interrupted, exit_code_for

        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException):
            raise
        except (KeyboardInterrupt, click.Abort):
            _report(Interrupted())
            ctx.exit(ExitCode.INTERRUPTED)
        except Auth0LinkError as exc:
            if _debug_enabled(ctx):
                import traceback

                traceback.print_exc(file=sys.stderr)
            _report(exc)
            ctx.exit(exit_code_for(exc))
        except BrokenPipeError:
            # `auth0link identities | head -1`: the reader left; exit quietly.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(ExitCode.ERROR)
        except Exception as exc:
            if _debug_enabled(ctx):
                raise
            from auth0link._redact import redact_text

            detail = redact_text(str(exc))[:300]
            _report(
                Auth0LinkError(
                    f"Unexpected error: {type(exc).__name__}: {detail}",
                    hint="run again with --debug for a traceback, and report it",
                )
            )
            ctx.exit(ExitCode.ERROR)
        finally:
            app = ctx.obj
            if isinstance(app, App):
                app.close()


def _keep_secrets_from_children() -> None:
    """Secret variables are read once (into ``App.env``); no child process (the browser) inherits them."""
    for name in (names.ENV_ACCESS_TOKEN, names.ENV_CLIENT_SECRET):
        os.environ.pop(name, None)


def _debug_enabled(ctx: click.Context) -> bool:
    app = ctx.obj
    return isinstance(app, App) and app.debug


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from auth0link._version import __version__

    click.echo(f"auth0link {__version__}")
    ctx.exit()


def _terminal_width() -> int:
    """The help width without importing shutil (≈4 ms of start-up): $COLUMNS, the TTY, or 80."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    try:
        return os.get_terminal_size(sys.stdout.fileno()).columns
    except (OSError, ValueError, AttributeError):
        return 80


@click.group(
    cls=_Group,
    context_settings={"help_option_names": ["-h", "--help"], "terminal_width": _terminal_width()},
)
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Show the version and exit.",
)
@click.option(
    "--profile",
    metavar="NAME",
    help=_env_help("Profile to use (default: default).", names.ENV_PROFILE),
)
@click.option("--domain", metavar="DOMAIN", help=_env_help("Tenant domain or URL.", names.ENV_DOMAIN))
@click.option(
    "--client-id",
    metavar="ID",
    help=_env_help("Native application client ID.", names.ENV_CLIENT_ID),
)
@click.option(
    "--ca-bundle",
    metavar="FILE",
    help=_env_help("PEM file of CAs to trust next to the OS trust store.", names.ENV_CA_BUNDLE),
)
@click.option(
    "--debug",
    is_flag=True,
    help=_env_help("Tracebacks and a redacted HTTP log on stderr.", names.ENV_DEBUG),
)
@click.option(
    "--no-input",
    is_flag=True,
    help=_env_help("Never prompt; fail instead (implied by CI or a non-TTY stdin).", names.ENV_NO_INPUT),
)
@click.pass_context
def main(
    ctx: click.Context,
    *,
    profile: str | None,
    domain: str | None,
    client_id: str | None,
    ca_bundle: str | None,
    debug: bool,
    no_input: bool,
) -> None:
    """Link and unlink Auth0 user accounts from the terminal.

    \b
    Settings are resolved in this order: flag, environment variable,
    profile file (auth0link config set), default.
    Exit codes: 0 ok, 1 error, 2 usage/config, 3 login required, 4 API refused,
    5 network/server, 6 not found, 7 conflict, 130 interrupted.
    """
    env = dict(os.environ)
    _keep_secrets_from_children()
    app = App(
        env=env,
        profile=profile,
        domain=domain,
        client_id=client_id,
        debug=debug,
        no_input=no_input,
        ca_bundle=ca_bundle,
    )
    ctx.obj = app
    if app.debug:
        import logging

        logging.basicConfig(stream=sys.stderr, level=logging.DEBUG, format="debug: %(name)s: %(message)s")
        for noisy in ("httpcore", "httpx", "asyncio"):
            logging.getLogger(noisy).setLevel(logging.WARNING)


# -- identities -------------------------------------------------------------------------------


@main.command()
@click.option("--json", "as_json", is_flag=True, help="JSON with stable keys (for scripts).")
@click.option("--no-header", is_flag=True, help="Omit the TSV header line when piped.")
@click.option("--secondary-only", is_flag=True, help="Only linked identities (not the primary).")
@click.option("--user", "admin_user", metavar="ID", help="Admin: any user's identities (login --machine).")
@click.pass_obj
def identities(
    app: App, *, as_json: bool, no_header: bool, secondary_only: bool, admin_user: str | None = None
) -> None:
    """List the logged-in user's identities.

    A table on a terminal, TSV when piped (provider, user_id first, so it feeds
    `auth0link unlink -`), JSON with --json.
    """
    from auth0link.identities import fetch_identities

    if admin_user:
        user = fetch_identities(app.admin_client(), admin_user)
        app.output.identities(user, as_json=as_json, header=not no_header, secondary_only=secondary_only)
        return
    access = app.access()
    user = fetch_identities(app.client(access_token=access.token), access.user_id)
    app.output.identities(user, as_json=as_json, header=not no_header, secondary_only=secondary_only)


# -- login / logout / status / token / doctor -------------------------------------------------


def _index_entry(app: App) -> IndexEntry:
    """The session index entry of the active profile."""
    from auth0link.login import IndexEntry

    settings = app.settings
    return IndexEntry(
        key=app.store_key,
        profile=settings.profile,
        domain=settings.base_url,
        client_id=settings.require_client_id,
        storage=settings.storage,
    )


def _store_for(app: App, entry: IndexEntry, current_key: str | None) -> TokenStore:
    """The active profile's store, or the store another indexed session lives in."""
    if entry.key == current_key:
        return app.store
    from auth0link.tokens import open_store

    return open_store(entry.storage, config_dir=app.settings.config_dir, keyring_timeout=app.keyring_timeout)


def _profile_flag(profile: str) -> str:
    return "" if profile == names.DEFAULT_PROFILE else f" --profile {profile}"


@main.command()
@click.option(
    "--device",
    is_flag=True,
    help="Log in with a code entered on any device (automatic when no browser can open here).",
)
@click.option("--no-browser", is_flag=True, help="Do not launch a browser; only print the URL.")
@click.option("--connection", metavar="NAME", help="Go straight to this connection (e.g. google-oauth2).")
@click.option(
    "--scopes", metavar="SCOPES", help=_env_help("Space-separated scopes to request.", names.ENV_SCOPES)
)
@click.option(
    "--audience",
    metavar="URL",
    help=_env_help("API audience (default: <domain>/api/v2/).", names.ENV_AUDIENCE),
)
@click.option(
    "--callback-port",
    "callback_ports",
    type=click.IntRange(1024, 65535),
    multiple=True,
    metavar="PORT",
    help=_env_help(
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
@click.option(
    "--insecure-storage",
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
    "--client-id", "machine_client_id", metavar="ID", help="With --machine: the M2M application's ID."
)
@click.option(
    "--client-secret",
    "client_secret",
    metavar="-",
    help=_env_help(
        "With --machine: '-' reads the secret from stdin (never pass it as an argument).",
        names.ENV_CLIENT_SECRET,
    ),
)
@click.pass_obj
def login(
    app: App,
    *,
    machine: bool = False,
    machine_client_id: str | None = None,
    client_secret: str | None = None,
    device: bool,
    no_browser: bool,
    connection: str | None,
    scopes: str | None,
    audience: str | None,
    callback_ports: tuple[int, ...],
    timeout: float,
    insecure_storage: bool,
) -> None:
    """Log in as the primary user and keep the session in the OS keyring.

    \b
    Uses the browser (authorization code + PKCE, loopback callback on
    http://127.0.0.1:8484/callback, then 8485, 8486) when one can be opened,
    otherwise the device flow (a URL and code to enter on any device).
    The URL is always printed on stderr. Nothing is stored unless the login
    succeeds and its ID token is valid.
    """
    app.overrides["storage"] = "file" if insecure_storage else None
    if machine or machine_client_id or client_secret:
        _machine_login(app, client_id=machine_client_id, secret_source=client_secret, machine=machine)
        _announce_file_storage(app, "the client secret and token are", remember=insecure_storage)
        return
    from auth0link import login as use_case
    from auth0link.session import SessionLock

    use_case.check_no_env_token(app.env)
    app.overrides.update(
        {
            "scopes": scopes,
            "audience": audience,
            "callback_ports": ",".join(map(str, callback_ports)) if callback_ports else None,
        }
    )
    settings = app.settings
    use_case.check_store_usable(app.store, app.store_key)  # a missing keyring fails before the browser
    flow, reason = use_case.choose_flow(app.env, device=device, no_browser=no_browser)
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
        env=app.env,
        lock=SessionLock(settings.config_dir, app.store_key),
    )
    use_case.SessionIndex(settings.config_dir).add(_index_entry(app))
    _announce_file_storage(app, "tokens are", remember=insecure_storage)
    app.output.login_done(outcome)


def _announce_file_storage(app: App, what: str, *, remember: bool) -> None:
    """After a login into the file store: say on stderr that secrets are in plain text, and where.

    With ``--insecure-storage`` the profile remembers ``storage = file``.
    """
    settings = app.settings
    if settings.storage != "file":
        return
    message = f"{what} stored in plain text in {settings.config_dir / 'tokens.json'} (mode 0600)"
    if remember:
        from auth0link.config import ProfileFile

        ProfileFile(settings.config_dir, settings.profile).set("storage", "file")
        message += (
            f"; profile {settings.profile} now uses storage = file "
            "(auth0link config set storage keyring switches back)"
        )
    app.output.warn(message)


@main.command()
@click.option("--all", "all_profiles", is_flag=True, help="Log out of every stored session (all profiles).")
@click.option("--machine", is_flag=True, help="Forget the machine (M2M) token and client secret instead.")
@click.pass_obj
def logout(app: App, *, all_profiles: bool, machine: bool = False) -> None:
    """Revoke the refresh token and delete the stored session."""
    if machine:
        if app.admin.logout():
            app.output.success("Machine credentials removed.")
        else:
            app.output.info("No machine credentials stored; nothing to do.")
        return
    from auth0link import login as use_case
    from auth0link.errors import Auth0LinkError, ConfigurationError

    settings = app.settings
    index = use_case.SessionIndex(settings.config_dir)
    entries = index.entries() if all_profiles else []
    current_key = None
    try:
        current = _index_entry(app)
        current_key = current.key
        entries = [current, *(e for e in entries if e.key != current.key)]
    except ConfigurationError:
        if not all_profiles:
            raise
    done = failed = 0
    for entry in entries:
        try:
            done += _logout_one(app, entry, current_key=current_key, index=index)
        except Auth0LinkError as exc:
            if not all_profiles:
                raise
            failed += 1  # --all goes on: one broken store must not keep the other sessions
            app.output.warn(f"could not log out of {entry.domain}, profile {entry.profile}: {exc}")
    if failed:
        raise Auth0LinkError(
            f"{failed} of {len(entries)} session(s) could not be logged out (see the warnings above).",
            hint="fix what each warning names (e.g. unlock the keyring), then run: auth0link logout --all",
        )
    if not done:
        app.output.info("Not logged in; nothing to do.")


def _logout_one(app: App, entry: IndexEntry, *, current_key: str | None, index: SessionIndex) -> bool:
    """Log out of one indexed session and say so; True if there was a session."""
    from auth0link import login as use_case
    from auth0link.oidc import discover
    from auth0link.session import SessionLock

    config_dir = app.settings.config_dir
    result = use_case.logout(
        entry,
        store=_store_for(app, entry, current_key),
        client_factory=lambda base: app.client(base_url=base),
        endpoints_for=lambda client: discover(client, cache_dir=config_dir / "cache"),
        index=index,
        lock=SessionLock(config_dir, entry.key),
    )
    if result.warning:
        app.output.warn(result.warning)
    if result.had_session:
        revoked = " (refresh token revoked)" if result.revoked else ""
        app.output.success(f"Logged out of {result.domain}, profile {result.profile}{revoked}")
    return result.had_session


@main.command()
@click.option("--json", "as_json", is_flag=True, help="JSON with stable keys (for scripts).")
@click.pass_obj
def status(app: App, *, as_json: bool) -> None:
    """Show who is logged in where, the scopes, expiry and where tokens are kept.

    Exit 3 when the active profile is not logged in.
    """
    import time

    from auth0link import login as use_case
    from auth0link.errors import ConfigurationError, LoginRequired

    settings = app.settings
    entries = use_case.SessionIndex(settings.config_dir).entries()
    current_key = None
    try:
        current = _index_entry(app)
        current_key = current.key
        entries = [current, *(e for e in entries if e.key != current.key)]
    except ConfigurationError:
        pass
    now = time.time()
    statuses = [
        use_case.session_status(
            entry,
            store=_store_for(app, entry, current_key),
            active=entry.key == current_key,
            now=now,
        )
        for entry in entries
    ]
    env_token = bool(app.env.get(names.ENV_ACCESS_TOKEN, "").strip())
    app.output.sessions(statuses, as_json=as_json, env_token=env_token)
    if env_token:
        return
    active = next((s for s in statuses if s.active), None)
    if active is None or not active.logged_in:
        raise LoginRequired(
            "You are not logged in." if active is None else f"Profile {active.profile} is not logged in.",
            hint=f"run: auth0link login{_profile_flag(settings.profile)}",
        )


@main.command()
@click.option("--force", is_flag=True, help="Print the token even when stdout is a terminal.")
@click.pass_obj
def token(app: App, *, force: bool) -> None:
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


@main.command()
@click.option("--json", "as_json", is_flag=True, help="JSON with stable keys.")
@click.pass_obj
def doctor(app: App, *, as_json: bool) -> None:
    """Check this profile against the tenant and this machine, and say what to fix.

    \b
    Checks: TLS (the certificate verifies; issuer, expiry), discovery,
    signing keys, the callback port, the authorization code grant (callback
    URL registered), the device code grant, the token storage. Exit 1 when
    something is wrong.
    """
    from auth0link.errors import Auth0LinkError
    from auth0link.login import run_doctor

    settings = app.settings
    checks = run_doctor(
        app.client(),
        client_id=settings.require_client_id,
        scope=settings.scopes,
        audience=settings.api_audience,
        callback_ports=settings.callback_ports,
        store=app.store,
        key=app.store_key,
        env=app.env,
    )
    app.output.doctor(checks, as_json=as_json)
    failed = [c for c in checks if c.ok is False]
    if failed:
        raise Auth0LinkError(
            f"auth0link doctor found {len(failed)} problem(s).",
            hint="fix the lines marked X above, then run auth0link doctor again",
        )


# -- link / unlink ----------------------------------------------------------------------------


def _require_yes_or_tty(app: App, *, yes: bool, what: str) -> None:
    """Confirmation needs a TTY; without one (or with --no-input/CI) --yes is required."""
    if not yes and app.settings.no_input:
        from auth0link.errors import UsageError

        raise UsageError(
            f"{what} asks for confirmation, but there is no terminal to ask on (stdin is not a TTY, "
            "or --no-input/CI is set). Nothing was changed.",
            hint=f"pass --yes to {what} without asking",
        )


def _second_login(
    app: App, *, id_token_from_stdin: bool, no_browser: bool, timeout: float
) -> Callable[[LoginRequest], SecondLogin]:
    """Build the second login: the browser (PKCE) flow, or the ID token on stdin."""
    from auth0link import _stdin, linking
    from auth0link.oidc import JwksCache, discover

    id_token = None
    if id_token_from_stdin:  # read first: a closed or binary stdin fails before any request
        hint = "pipe the secondary account's ID token in: … | auth0link link --id-token - --no-merge-metadata"
        id_token = _stdin.read_text(sys.stdin, what="an ID token", hint=hint)
    settings = app.settings
    client = app.client()
    cache_dir = settings.config_dir / "cache"
    endpoints = discover(client, cache_dir=cache_dir)
    jwks = JwksCache(client, endpoints.jwks_uri, cache_dir=cache_dir)
    if id_token is not None:
        return linking.stdin_second_login(
            id_token,
            jwks_provider=jwks,
            issuer=endpoints.issuer,
            client_id=settings.require_client_id,
        )

    from auth0link.login import browser_unavailable_reason, open_system_browser

    # Auth0 allows no linking through the device flow: without a browser, print the URL.
    unavailable = None if no_browser else browser_unavailable_reason(app.env)
    print_only = no_browser or unavailable is not None

    def open_browser(url: str) -> bool:
        return False if print_only else open_system_browser(url)

    def on_url(url: str) -> None:
        if unavailable is not None:
            app.output.info(f"No browser can be opened here ({unavailable}); open the URL elsewhere.")
        app.output.info("Sign in to the account to link (a fresh login is required):")
        app.output.info(f"  {url}")
        if print_only:
            from urllib.parse import parse_qs, urlsplit

            redirect = parse_qs(urlsplit(url).query).get("redirect_uri", [""])[0]
            port = urlsplit(redirect).port or app.settings.callback_ports[0]
            app.output.info(
                f"  (browser on another machine? first run there: ssh -L {port}:127.0.0.1:{port} HOST)"
            )

    return linking.pkce_second_login(
        client,
        endpoints=endpoints,
        jwks_provider=jwks,
        client_id=settings.require_client_id,
        scope=settings.scopes,
        audience=settings.api_audience,
        callback_ports=settings.callback_ports,
        open_browser=open_browser,
        on_url=on_url,
        timeout=timeout,
    )


@main.command()
@click.option(
    "--connection",
    metavar="NAME",
    help="Connection of the account to attach (google-oauth2, github, email, sms, …); "
    "the login page goes straight to it.",
)
@click.option(
    "--login-hint",
    metavar="EMAIL",
    help="Pre-fill the second login; if another account signs in, nothing is linked.",
)
@click.option(
    "--primary",
    "primary_choice",
    type=click.Choice(["current", "secondary"]),
    default="current",
    show_default=True,
    help="Which account stays the primary user: the one logged in now, or the one you sign in "
    "to now (then the stored session switches to it).",
)
@click.option(
    "--no-merge-metadata",
    is_flag=True,
    help="Do not copy the other account's user_metadata (the backup is still written).",
)
@click.option(
    "--prefer-secondary-metadata",
    is_flag=True,
    help="On conflicting user_metadata keys, take the absorbed account's value (default: the "
    "primary's value wins).",
)
@click.option(
    "--allow-unverified",
    is_flag=True,
    help="Link even if the account's email is not verified (account-takeover risk).",
)
@click.option(
    "--allow-different-email",
    is_flag=True,
    help="Link even if the second account's email differs from yours, without asking "
    "(otherwise that needs a yes on a terminal, or --login-hint naming it).",
)
@click.option(
    "--no-browser",
    is_flag=True,
    help="Print the login URL instead of opening a browser (over SSH, forward the callback port).",
)
@click.option(
    "--id-token",
    "id_token_source",
    metavar="-",
    help="Read the secondary account's ID token from stdin ('-' only; never from arguments). "
    "Signature, iss, aud and exp are checked; nonce and auth_time cannot be (auth0link did not "
    "start that login). Needs --no-merge-metadata and --yes: without the account's access token "
    "its user_metadata cannot be read.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(1, 3600),
    default=300.0,
    show_default=True,
    help="Seconds to wait for the second login.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the resulting identities as JSON.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--user", "admin_user", metavar="PRIMARY_ID", help="Admin: link into this user (login --machine)."
)
@click.option(
    "--provider", "admin_provider", metavar="P", help="Admin: the secondary's provider (with --user)."
)
@click.option("--user-id", "admin_user_id", metavar="U", help="Admin: the secondary's user_id (with --user).")
@click.option("--connection-id", metavar="C", help="Admin: the secondary's connection ID (optional).")
@click.pass_obj
def link(
    app: App,
    *,
    admin_user: str | None = None,
    admin_provider: str | None = None,
    admin_user_id: str | None = None,
    connection_id: str | None = None,
    connection: str | None,
    login_hint: str | None,
    primary_choice: str,
    no_merge_metadata: bool,
    prefer_secondary_metadata: bool,
    allow_unverified: bool,
    no_browser: bool,
    id_token_source: str | None,
    allow_different_email: bool = False,
    timeout: float,
    as_json: bool,
    yes: bool,
) -> None:
    """Link another of your accounts to the logged-in user.

    \b
    1. a fresh login of the other account (prompt=login, max_age=0);
    2. checks: a different account, the --login-hint one, email verified,
       not already linked;
    3. a backup of both profiles in <data dir>/backups (path printed);
    4. the other account's user_metadata merged in (shown, then confirmed);
    5. the link (POST /api/v2/users/{primary}/identities), then the identities.
    If a step fails, the message says what was and was not changed.
    Auth0 does not allow linking through the device flow: on a remote machine
    use --no-browser (and ssh -L 8484:127.0.0.1:8484) or --id-token -.
    """
    from auth0link import linking
    from auth0link.errors import UsageError

    if admin_user or admin_provider or admin_user_id or connection_id:
        _admin_link(
            app,
            primary_id=admin_user,
            provider=admin_provider,
            user_id=admin_user_id,
            connection_id=connection_id,
            prefer_secondary=prefer_secondary_metadata,
            allow_unverified=allow_unverified,
            as_json=as_json,
        )
        return
    if id_token_source is not None and id_token_source != "-":  # noqa: S105 - '-' means stdin
        raise UsageError(
            "--id-token only reads from stdin: pass --id-token - and pipe the token in.",
            hint="tokens in arguments end up in shell history and process lists",
        )
    from_stdin = id_token_source == "-"  # noqa: S105 - '-' means stdin, not a secret
    _require_yes_or_tty(app, yes=yes, what="link")
    access = app.access()
    primary = linking.Primary(
        user_id=access.user_id,
        access_token=access.token,
        id_token=access.tokens.id_token if access.tokens else None,
    )
    options = linking.LinkOptions(
        connection=connection,
        login_hint=login_hint,
        allow_unverified=allow_unverified,
        merge_metadata=not no_merge_metadata,
        prefer_secondary=prefer_secondary_metadata,
        primary="secondary" if primary_choice == "secondary" else "current",
        id_token_from_stdin=from_stdin,
        allow_different_email=allow_different_email,
        interactive=not yes and not app.settings.no_input,
    )
    import time

    linking.check_link_preconditions(primary, options, now=time.time())

    def confirm(plan: linking.LinkPlan) -> bool:
        app.output.link_plan(plan)
        return yes or click.confirm("Merge and link now?", default=False, err=True)

    def save_session(tokens: TokenSet) -> None:
        app.sessions.save(tokens)  # refused (LoginRequired) if a logout came in the meantime

    result = linking.link_account(
        primary=primary,
        options=options,
        second_login=_second_login(
            app, id_token_from_stdin=from_stdin, no_browser=no_browser, timeout=timeout
        ),
        client_for=lambda token: app.client(access_token=token),
        backup_dir=app.settings.data_dir / "backups",
        confirm=confirm,
        report=app.output.info,
        save_session=save_session if access.source == "store" else None,
    )
    app.output.success(
        f"Linked {result.absorbed_id} into {result.user.user_id} (backup: {result.backup_path})"
    )
    app.output.identities(result.user, as_json=as_json)


@main.command()
@click.argument("provider")
@click.argument("user_id", required=False)
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation (required with '-').")
@click.option("--json", "as_json", is_flag=True, help="Print the remaining identities as JSON.")
@click.option("--no-header", is_flag=True, help="Omit the TSV header line when piped.")
@click.option(
    "--user", "admin_user", metavar="PRIMARY_ID", help="Admin: unlink from this user (login --machine)."
)
@click.option(
    "--restore-metadata",
    is_flag=True,
    help="Admin: put the unlinked user's metadata back from its link-time backup.",
)
@click.pass_obj
def unlink(
    app: App,
    *,
    provider: str,
    user_id: str | None,
    yes: bool,
    as_json: bool,
    no_header: bool,
    admin_user: str | None = None,
    restore_metadata: bool = False,
) -> None:
    """Unlink PROVIDER USER_ID from the logged-in user (it becomes a separate user again).

    \b
    With '-' instead of PROVIDER USER_ID, reads provider<TAB>user_id lines
    from stdin (a header line and blank lines are skipped), e.g.
      auth0link identities --secondary-only | grep github | auth0link unlink - --yes
    The primary identity itself cannot be unlinked (exit 2); an identity that is
    not linked is exit 7. Prints the remaining identities.
    """
    from auth0link import linking
    from auth0link.errors import UsageError

    if admin_user or restore_metadata:
        _admin_unlink(
            app,
            primary_id=admin_user,
            provider=provider,
            user_id=user_id,
            restore=restore_metadata,
            as_json=as_json,
        )
        return
    if provider == "-":
        if user_id is not None:
            raise UsageError("Pass either '-' or PROVIDER USER_ID, not both.")
        _require_yes_or_tty(app, yes=yes, what="unlink")
        from auth0link import _stdin

        text = _stdin.read_text(
            sys.stdin,
            what="provider<TAB>user_id lines",
            hint="pipe them in: auth0link identities --secondary-only | auth0link unlink - --yes",
        )
        pairs = linking.parse_identity_lines(text.split("\n"))
    else:
        if not user_id:
            raise UsageError(
                "Missing USER_ID.",
                hint="auth0link unlink PROVIDER USER_ID (see: auth0link identities --secondary-only)",
            )
        _require_yes_or_tty(app, yes=yes, what="unlink")
        pairs = [(provider, user_id)]
    access = app.access()

    def confirm(user: User, targets: Sequence[Identity]) -> bool:
        app.output.unlink_plan(user, targets)
        return yes or click.confirm("Unlink now?", default=False, err=True)

    result = linking.unlink_identities(
        app.client(access_token=access.token),
        access.user_id,
        pairs,
        confirm=confirm,
        report=app.output.success,
    )
    app.output.identities(result.user, as_json=as_json, header=not no_header)


# -- config -----------------------------------------------------------------------------------


@main.group(name="config")
def config_group() -> None:
    """Read and write the profile's settings file."""


def _profile_file(app: App) -> config.ProfileFile:
    from auth0link import config

    profile = app._profile or app.env.get(names.ENV_PROFILE) or names.DEFAULT_PROFILE  # noqa: SLF001
    return config.ProfileFile(config.default_config_dir(app.env), profile)


@config_group.command(name="set")
@click.argument("key", type=click.Choice(sorted(names.CONFIG_KEYS)))
@click.argument("value")
@click.pass_obj
def config_set(app: App, key: str, value: str) -> None:
    """Set KEY to VALUE in the profile (validated before it is written)."""
    profile = _profile_file(app)
    stored = profile.set(key, value)
    app.output.success(f"Set {key} = {stored} in profile {profile.profile} ({profile.path})")


@config_group.command(name="unset")
@click.argument("key", type=click.Choice(sorted(names.CONFIG_KEYS)))
@click.pass_obj
def config_unset(app: App, key: str) -> None:
    """Remove KEY from the profile."""
    profile = _profile_file(app)
    if profile.unset(key):
        app.output.success(f"Removed {key} from profile {profile.profile}")
    else:
        app.output.info(f"{key} was not set in profile {profile.profile}")


@config_group.command(name="get")
@click.argument("key", type=click.Choice(sorted(names.CONFIG_KEYS)))
@click.pass_obj
def config_get(app: App, key: str) -> None:
    """Print the effective value of KEY (exit 1 if unset)."""
    value = _effective(app).get(key)
    if value is None:
        from auth0link.errors import Auth0LinkError

        raise Auth0LinkError(f"{key} is not set.", hint=f"run: auth0link config set {key} VALUE")
    app.output.data(value)


def _effective(app: App) -> dict[str, str | None]:
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


@config_group.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="JSON with stable keys.")
@click.pass_obj
def config_list(app: App, *, as_json: bool) -> None:
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


# -- shell completion -------------------------------------------------------------------------


@main.command()
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def completion(shell: str) -> None:
    """Print the shell completion script: eval "$(auth0link completion bash)"."""
    from click.shell_completion import get_completion_class

    cls = get_completion_class(shell)
    assert cls is not None
    ctx = click.get_current_context()
    click.echo(cls(main, {}, "auth0link", "_AUTH0LINK_COMPLETE").source(), nl=False)
    ctx.exit()


# -- admin: suggest, batch-link, backups (issue #7) --------------------------------------------


@main.command()
@click.option("--email", metavar="EMAIL", help="Only users with this email (users-by-email).")
@click.option("--all", "scan_all", is_flag=True, help="Scan the whole tenant (paged user search).")
@click.option("--include-unverified", is_flag=True, help="Also users whose email is not verified (risky).")
@click.option(
    "--prefer-connection",
    metavar="NAME",
    help="Make a user of this connection the primary when a group has one.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line (stable keys).")
@click.option("--no-header", is_flag=True, help="Omit the TSV header line when piped.")
@click.pass_obj
def suggest(
    app: App,
    *,
    email: str | None,
    scan_all: bool,
    include_unverified: bool,
    prefer_connection: str | None,
    as_json: bool,
    no_header: bool,
) -> None:
    """Suggest pairs of accounts to link: users sharing a verified email (admin).

    \b
    Suggested primary: a --prefer-connection user, else one already holding linked
    identities, else the oldest database (auth0|…) account, else the oldest account.
    TSV when piped (primary_id, secondary_id, email, reason), so
      auth0link suggest --all | auth0link batch-link -
    works; a table on a terminal; JSON lines with --json. Needs read:users.
    """
    from auth0link import suggest as use_case
    from auth0link.errors import UsageError

    if bool(email) == scan_all:
        raise UsageError("Pass either --email EMAIL or --all.", hint="e.g. auth0link suggest --all")
    client = app.admin_client()
    if email:
        found: Any = use_case.suggest_for_email(
            client, email, include_unverified=include_unverified, prefer_connection=prefer_connection
        )
    else:
        progress = app.output.progress(total=None, label="scanning users")

        def on_page(seen: int, _total: int | None) -> None:
            progress.advance(f"{seen} users")

        found = use_case.scan_tenant(
            client,
            include_unverified=include_unverified,
            prefer_connection=prefer_connection,
            on_page=on_page,
        )
        found = _close_after(found, progress.close)
    count = app.output.rows(
        use_case.SUGGEST_COLUMNS,
        (s.row() for s in found),
        as_json=as_json,
        header=not no_header,
        title="Suggested links",
    )
    app.output.info(f"{count} pair(s) suggested.")


def _machine_login(app: App, *, client_id: str | None, secret_source: str | None, machine: bool) -> None:
    """``login --machine``: client credentials; the secret from stdin or the environment only."""
    from auth0link.errors import UsageError
    from auth0link.machine import read_secret

    if not machine:
        raise UsageError(
            "--client-id and --client-secret after `login` are for --machine.",
            hint="auth0link login --machine --client-id M2M_ID (or: auth0link --client-id ID login)",
        )
    if not client_id:
        raise UsageError("--machine needs --client-id (the M2M application's client ID).")
    from auth0link import _stdin

    hint = "pipe it in: … | auth0link login --machine --client-id ID --client-secret -"
    secret = read_secret(
        secret_source, app.env, lambda: _stdin.read_text(sys.stdin, what="a client secret", hint=hint)
    )
    result = app.admin.login(client_id, secret)
    scopes = result.scope or "(no scopes granted)"
    app.output.success(
        f"Machine credentials stored for {app.settings.base_url} (client {client_id}; {scopes})"
    )
    if "update:users" not in result.scope.split():
        app.output.warn(
            "the token lacks update:users: batch-link and the --user forms of link/unlink will fail"
        )


def _admin_link(
    app: App,
    *,
    primary_id: str | None,
    provider: str | None,
    user_id: str | None,
    connection_id: str | None,
    prefer_secondary: bool,
    allow_unverified: bool,
    as_json: bool,
) -> None:
    """``link --user PRIMARY --provider P --user-id U``: admin link with backup and merge."""
    from auth0link.admin import admin_link
    from auth0link.errors import UsageError

    if not (primary_id and provider and user_id):
        raise UsageError(
            "The admin form needs --user PRIMARY_ID --provider P --user-id U.",
            hint="e.g. auth0link link --user 'auth0|abc' --provider google-oauth2 --user-id 1093",
        )
    result = admin_link(
        app.admin_client(),
        primary_id=primary_id,
        provider=provider,
        user_id=user_id,
        connection_id=connection_id,
        backup_dir=app.settings.data_dir / "backups",
        prefer_secondary=prefer_secondary,
        allow_unverified=allow_unverified,
    )
    merged = f", merged user_metadata keys {', '.join(result.merged_keys)}" if result.merged_keys else ""
    app.output.success(
        f"Linked {provider}|{user_id} into {primary_id}{merged} (backup: {result.backup_path})"
    )
    app.output.identities(result.user, as_json=as_json)


def _admin_unlink(
    app: App, *, primary_id: str | None, provider: str, user_id: str | None, restore: bool, as_json: bool
) -> None:
    """``unlink --user PRIMARY P U [--restore-metadata]``."""
    from auth0link.admin import admin_unlink
    from auth0link.errors import UsageError

    if not primary_id or not user_id or provider == "-":
        raise UsageError(
            "The admin form is: auth0link unlink --user PRIMARY_ID PROVIDER USER_ID [--restore-metadata].",
        )
    primary, restored, entry = admin_unlink(
        app.admin_client(),
        primary_id=primary_id,
        provider=provider,
        user_id=user_id,
        backup_dir=app.settings.data_dir / "backups",
        restore_metadata=restore,
    )
    app.output.success(f"Unlinked {provider}|{user_id} from {primary_id}")
    if restored is not None and entry is not None:
        app.output.success(f"Restored the metadata of {restored.user_id} from {entry.location}")
    app.output.identities(primary, as_json=as_json)


def _close_after(items: Any, close: Callable[[], None]) -> Any:
    """Yield ``items``, calling ``close`` before the first one (the scan is over by then)."""
    iterator = iter(items)
    try:
        first = next(iterator)
    except StopIteration:
        close()
        return
    close()
    yield first
    yield from iterator


class _BatchReporter:
    """Per-pair lines and the progress display for batch-link."""

    def __init__(self, app: App, *, total: int | None) -> None:
        from auth0link.batch import Summary

        self.output = app.output
        self.progress = app.output.progress(total=total, label="batch-link")
        self.summary = Summary()

    def pair_done(self, pair: Any, outcome: str, detail: str) -> None:
        if outcome == "failed":
            self.output.warn(f"line {pair.line}: {pair.primary_id} <- {pair.secondary_id}: failed: {detail}")
        elif outcome == "skipped":
            self.output.warn(f"line {pair.line}: {pair.primary_id} <- {pair.secondary_id}: skipped: {detail}")
        self.progress.advance(outcome.replace("_", " "))

    def invalid_line(self, item: Any) -> None:
        self.output.warn(f"line {item.line}: {item.reason} (skipped)")

    def planned(self, pair: Any) -> None:
        self.output.data(f"{pair.primary_id}\t{pair.secondary_id}\twould link")


def _count_lines(path: Path) -> int | None:
    """Pairs in a file, for the ETA (one streaming pass; header, comments and blanks not counted)."""
    try:
        with path.open("rb") as handle:
            return sum(1 for line in handle if line.strip() and not line.startswith((b"#", b"primary_id")))
    except OSError:
        return None


@main.command(name="batch-link")
@click.argument("source", metavar="FILE|-")
@click.option(
    "--journal",
    "journal_path",
    type=click.Path(dir_okay=False),
    help="Journal file for this run (default: <data dir>/journals/batch-<time>.jsonl).",
)
@click.option(
    "--resume",
    "resume_path",
    type=click.Path(dir_okay=False, exists=True),
    help="Continue an interrupted run from its journal: done pairs are skipped, half-done finished.",
)
@click.option("--dry-run", is_flag=True, help="Check the input and print the plan; change nothing.")
@click.option("--strict", is_flag=True, help="Stop at the first invalid line (default: report and skip).")
@click.option(
    "--workers",
    type=click.IntRange(1, 16),
    default=4,
    show_default=True,
    help="Pairs in flight at once (one connection pool; the pacer keeps the tenant at its limit).",
)
@click.option(
    "--prefer-secondary-metadata",
    is_flag=True,
    help="On conflicting user_metadata keys take the secondary's value (default: primary wins).",
)
@click.option(
    "--include-unverified",
    is_flag=True,
    help="Link even when an email is unverified or the emails differ (account-takeover risk).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout.")
@click.pass_obj
def batch_link(
    app: App,
    *,
    source: str,
    journal_path: str | None,
    resume_path: str | None,
    dry_run: bool,
    strict: bool,
    workers: int,
    prefer_secondary_metadata: bool,
    include_unverified: bool,
    as_json: bool,
) -> None:
    """Link many pairs (admin): PRIMARY_ID<TAB>SECONDARY_ID lines or JSON lines.

    \b
    Per pair: fetch both users, back them up (<data dir>/backups/batch-*.jsonl),
    merge the secondary's user_metadata into the primary, link, verify. Every
    step goes to an fsync'd journal: after a crash, kill or Ctrl-C (exit 130),
    run again with --resume JOURNAL; nothing is linked twice or lost.
    Exit 1 when any pair failed or any line was invalid. Needs update:users.
    """
    import datetime as dt
    import secrets
    import threading
    from pathlib import Path

    from auth0link import batch
    from auth0link.errors import Interrupted, UsageError
    from auth0link.journal import AppendFile, Journal
    from auth0link.pacer import Pacer

    if resume_path is not None and journal_path is not None:
        raise UsageError("Pass either --journal or --resume, not both.")
    path = None if source == "-" else Path(source)
    if path is not None and not path.is_file():
        raise UsageError(f"No such input file: {source}.", hint="pass a file of pairs, or - for stdin")
    stdin_lines = _stdin_pairs() if path is None else None  # a closed stdin fails before the journal
    options = batch.BatchOptions(
        dry_run=dry_run,
        strict=strict,
        prefer_secondary=prefer_secondary_metadata,
        include_unverified=include_unverified,
        workers=workers,
    )
    # Unique per run: two runs started in the same second must not share a journal.
    stamp = f"{dt.datetime.now(tz=dt.UTC).strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(3)}"
    data_dir = app.settings.data_dir
    journal: Journal | None = None
    backups: AppendFile | None = None
    if dry_run:
        journal = Journal(Path(resume_path), backup_path=None, resume=True) if resume_path else None
        client = app.client()
    else:
        client = app.admin_client(max_connections=workers)
        client.max_rate_limit_retries = 0  # the pacer handles 429 for all workers at once
        journal = Journal(
            Path(resume_path or journal_path or data_dir / "journals" / f"batch-{stamp}.jsonl"),
            backup_path=None if resume_path else data_dir / "backups" / f"batch-{stamp}.jsonl",
            resume=resume_path is not None,
        )
        backups = AppendFile(journal.backup_path or data_dir / "backups" / f"batch-{stamp}.jsonl")
        app.output.info(f"journal: {journal.path}")
    total = _count_lines(path) if path is not None else None
    reporter = _BatchReporter(app, total=total)
    linker = batch.BatchLinker(
        client,
        journal=journal,
        backups=backups,
        pacer=Pacer(),
        reporter=reporter,
        options=options,
        stop=threading.Event(),
    )
    try:
        with path.open("rb") if path is not None else _nullcontext(stdin_lines) as lines:
            summary = linker.run(batch.read_pairs(lines))  # byte lines: read_pairs decodes each one
    finally:
        reporter.progress.close()
        if journal is not None:
            journal.close()
        if backups is not None:
            backups.close()
    _batch_summary(app, summary, as_json=as_json)
    resume = f"auth0link batch-link {source} --resume {summary.journal}"
    if summary.interrupted:
        raise Interrupted("Interrupted; pairs in flight were finished.", hint=f"continue with: {resume}")
    if summary.failed or summary.invalid:
        from auth0link.errors import Auth0LinkError

        raise Auth0LinkError(
            f"{summary.failed} pair(s) failed and {summary.invalid} line(s) were invalid.",
            hint=f"see the warnings above; after fixing, re-run: {resume}"
            if summary.journal
            else "see the warnings above",
        )


def _stdin_pairs() -> Iterator[bytes]:
    """The lines of stdin for ``batch-link -`` (a closed stdin is refused now, not mid-run)."""
    from auth0link import _stdin

    hint = "pipe the pairs in, or pass a file of pairs instead of -"
    return _stdin.iter_lines(sys.stdin, what="primary<TAB>secondary lines", hint=hint)


def _nullcontext(value: Any = None) -> Any:
    import contextlib

    return contextlib.nullcontext(value)


def _batch_summary(app: App, summary: Any, *, as_json: bool) -> None:
    if as_json:
        app.output.data(__import__("json").dumps(summary.to_json()))
    if summary.planned or (not summary.journal and not summary.processed):
        app.output.info(
            f"dry run: {summary.planned} pair(s) would be linked, {summary.invalid} invalid line(s), "
            f"{summary.done_before} already done in the journal."
        )
        return
    rate = summary.requests / summary.elapsed if summary.elapsed else 0.0
    app.output.info(
        f"linked {summary.linked}, already linked {summary.already_linked}, skipped {summary.skipped}, "
        f"failed {summary.failed}, invalid lines {summary.invalid}, done earlier {summary.done_before} "
        f"in {summary.elapsed:.1f} s ({summary.requests} requests, {rate:.1f}/s, "
        f"{summary.rate_limited} rate-limited)"
    )
    if summary.backup:
        app.output.info(f"backup: {summary.backup}")


@main.group()
def backups() -> None:
    """Find the backups written before each link (to restore metadata)."""


@backups.command(name="list")
@click.option("--user", "user_id", metavar="ID", help="Only backups involving this user.")
@click.option("--json", "as_json", is_flag=True, help="JSON lines with stable keys.")
@click.pass_obj
def backups_list(app: App, *, user_id: str | None, as_json: bool) -> None:
    """List backups (where, when, primary, secondary), oldest first."""
    from auth0link.backups import find_backups

    entries = find_backups(app.settings.data_dir / "backups", user_id)
    app.output.rows(
        ("location", "created_at", "primary_id", "secondary_id"),
        ((e.location, e.created_at, e.kept_id, e.absorbed_id) for e in entries),
        as_json=as_json,
        title="Backups",
    )


@backups.command(name="show")
@click.argument("location", required=False)
@click.option("--user", "user_id", metavar="ID", help="The newest backup involving this user.")
@click.pass_obj
def backups_show(app: App, *, location: str | None, user_id: str | None) -> None:
    """Print one backup record as JSON (LOCATION from `backups list`, or --user ID)."""
    from auth0link.backups import find_backups
    from auth0link.errors import NotFound, UsageError

    if bool(location) == bool(user_id):
        raise UsageError("Pass either LOCATION or --user ID.", hint="see: auth0link backups list")
    entries = find_backups(app.settings.data_dir / "backups", user_id)
    if location:
        entries = [e for e in entries if location in {e.location, str(e.path)}]
    if not entries:
        raise NotFound("No matching backup.", status_code=404, hint="see: auth0link backups list --user ID")
    app.output.json(max(entries, key=lambda e: e.created_at).record)


# -- emulator ---------------------------------------------------------------------------------


@main.command(
    add_help_option=False,
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def emulator(ctx: click.Context, args: tuple[str, ...]) -> None:
    """Run a local Auth0 tenant (needs the 'emulator' extra).

    Every argument, --help included, goes to the emulator's own parser (the same one as
    ``python -m auth0link.emulator``), which also prints its errors and sets the exit code.
    """
    from auth0link.emulator.command import main as emulator_main

    ctx.exit(emulator_main(list(args)))


def run() -> NoReturn:  # pragma: no cover - thin wrapper for `python -m`
    """Entry point for ``python -m auth0link``."""
    main()
    raise SystemExit(0)
