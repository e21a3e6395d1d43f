"""Global options anywhere on the line, and the one application a command runs with.

Every global option (and every per-command option that is a *setting*, such as ``login
--scopes``) records its value in the root context instead of being passed to the command. When
the command runs, :func:`application` resolves all of them once, with the environment and the
profile file (:func:`auth0link.config.resolve_settings`), into the
:class:`~auth0link.application.Application` that :func:`pass_app` hands to the command. What a caller
injects (``main(obj=Services(…))``: a transport, a token store, a second login …) goes into it.
"""

from __future__ import annotations

import functools
import os
import sys
from typing import TYPE_CHECKING, Any, Final, TypeVar

import click

from auth0link import _constants as names
from auth0link.cli._help import HelpCommand

if TYPE_CHECKING:
    from collections.abc import Callable

    from auth0link.application import Application

_F = TypeVar("_F", bound="Callable[..., Any]")

FLAGS: Final = "auth0link.flags"
APP: Final = "auth0link.application"
ENV: Final = "auth0link.env"


def env_help(text: str, env_name: str) -> str:
    """Help text naming the environment variable, as hatch does: ``… [env var: NAME]``."""
    return f"{text} [env var: {env_name}]"


def _record(setting: str, transform: Callable[[Any], Any] | None = None) -> Callable[..., Any]:
    """An option callback that records the value under ``setting`` (when given)."""

    def callback(ctx: click.Context, _param: click.Parameter, value: Any) -> Any:
        if value is None or value is False or value == ():
            return value
        ctx.find_root().meta.setdefault(FLAGS, {})[setting] = transform(value) if transform else value
        return value

    return callback


def complete_profile_names(
    _ctx: click.Context, _param: click.Parameter, incomplete: str
) -> list[click.shell_completion.CompletionItem]:
    """Shell completion (bash, zsh, fish) of ``--profile NAME`` and ``profiles switch NAME``.

    The known profiles (files, machine credentials, stored logins) starting with ``incomplete``;
    the config directory is read only when the shell asks, never at start-up.
    """
    from click.shell_completion import CompletionItem

    from auth0link.config import default_config_dir
    from auth0link.usecases.profiles import known_profiles

    try:
        names = known_profiles(default_config_dir(os.environ), active="default")
    except OSError:
        return []
    return [CompletionItem(name) for name in names if name.startswith(incomplete)]


_GLOBALS: Final[tuple[tuple[str, str, dict[str, Any]], ...]] = (
    (
        "--profile",
        "profile",
        {
            "metavar": "NAME",
            "help": env_help("Profile to use.", names.ENV_PROFILE),
            "shell_complete": complete_profile_names,
        },
    ),
    ("--domain", "domain", {"metavar": "DOMAIN", "help": env_help("Tenant domain.", names.ENV_DOMAIN)}),
    (
        "--client-id",
        "client_id",
        {"metavar": "ID", "help": env_help("Native application client ID.", names.ENV_CLIENT_ID)},
    ),
    (
        "--ca-bundle",
        "ca_bundle",
        {
            "metavar": "FILE",
            "help": env_help("PEM file of CAs to trust next to the OS trust store.", names.ENV_CA_BUNDLE),
        },
    ),
    (
        "--debug",
        "debug",
        {"is_flag": True, "help": env_help("Tracebacks and a redacted HTTP log on stderr.", names.ENV_DEBUG)},
    ),
    (
        "--no-input",
        "no_input",
        {
            "is_flag": True,
            "help": env_help(
                "Never prompt; fail instead (also under CI or without a TTY).", names.ENV_NO_INPUT
            ),
        },
    ),
)


class GlobalOption(click.Option):
    """An option every command takes (listed apart in a command's help)."""


class Command(HelpCommand):
    """A command whose help lists its own options first, then the global ones."""

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """``Options`` (the command's own, and --help), then ``Global options``."""
        own: list[tuple[str, str]] = []
        shared: list[tuple[str, str]] = []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is not None:
                (shared if isinstance(param, GlobalOption) else own).append(record)
        for title, rows in (("Options", own), ("Global options", shared)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


def global_options(f: _F, *, skip: tuple[str, ...] = ()) -> _F:
    """Add the global options (before or after the command name, same meaning)."""
    for flag, setting, extra in reversed(_GLOBALS):
        if setting not in skip:
            f = click.option(
                flag, setting, cls=GlobalOption, expose_value=False, callback=_record(setting), **extra
            )(f)
    return f


def setting_option(
    *decls: str, setting: str, transform: Callable[[Any], Any] | None = None, **extra: Any
) -> Callable[[_F], _F]:
    """A command's option that is a setting (``login --scopes``): resolved with the rest."""
    return click.option(*decls, expose_value=False, callback=_record(setting, transform), **extra)


def command(
    name: str | None = None, *, skip_globals: tuple[str, ...] = (), **attrs: Any
) -> Callable[[_F], click.Command]:
    """``@click.command`` with the global options added."""

    def decorate(f: _F) -> click.Command:
        make: Callable[[_F], click.Command] = click.command(name=name, cls=Command, **attrs)
        return make(global_options(f, skip=skip_globals))

    return decorate


def start(ctx: click.Context) -> None:
    """The root callback: read the environment once, then keep secrets from child processes."""
    ctx.meta[ENV] = dict(os.environ)
    for secret in (names.ENV_ACCESS_TOKEN, names.ENV_CLIENT_SECRET):
        os.environ.pop(secret, None)  # the browser (or any child) must not inherit them


def flags(ctx: click.Context) -> dict[str, Any]:
    """The global and setting options given on this command line."""
    recorded: dict[str, Any] = ctx.find_root().meta.setdefault(FLAGS, {})
    return recorded


def environment(ctx: click.Context) -> dict[str, str]:
    """The environment as it was when the command started (secrets included)."""
    env: dict[str, str] = ctx.find_root().meta.get(ENV) or dict(os.environ)
    return env


def debug_enabled(ctx: click.Context) -> bool:
    """``--debug`` (anywhere) or ``AUTH0LINK_DEBUG``: the resolved setting, else the same rule.

    When resolving the settings failed, :func:`auth0link.config.debug_wanted` decides, as it did
    for :class:`~auth0link.config.Settings`.
    """
    app: Application | None = ctx.find_root().meta.get(APP)
    if app is not None:
        return app.settings.debug
    from auth0link.config import debug_wanted

    return debug_wanted(environment(ctx), flag=bool(flags(ctx).get("debug")))


def _stdin_isatty() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (ValueError, AttributeError):
        return False


def application(ctx: click.Context) -> Application:
    """The command's application: every setting resolved once (cached for the command)."""
    root = ctx.find_root()
    cached: Application | None = root.meta.get(APP)
    if cached is not None:
        return cached
    from auth0link import config
    from auth0link._files import make_private
    from auth0link.application import Application, Services

    given = flags(ctx)
    services = root.obj if isinstance(root.obj, Services) else Services()
    settings = config.resolve_settings(
        env=environment(ctx),
        stdin_isatty=_stdin_isatty() if services.stdin_isatty is None else services.stdin_isatty,
        **{k: v for k, v in given.items() if k not in {"no_input", "debug"}},
        no_input=bool(given.get("no_input")),
        debug=bool(given.get("debug")),
    )
    make_private(settings.config_dir, own=names.CONFIG_DIR_ENTRIES)  # 0755 from older versions
    make_private(settings.data_dir, own=names.DATA_DIR_ENTRIES)
    if settings.debug:
        _debug_logging()
    app = Application.from_services(settings, services)
    root.meta[APP] = app
    root.call_on_close(app.close)
    return app


def _debug_logging() -> None:
    import logging

    from auth0link.output import debug_log_handler

    logging.basicConfig(level=logging.DEBUG, handlers=[debug_log_handler(sys.stderr)])
    for noisy in ("httpcore", "httpx", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def pass_app(f: _F) -> _F:
    """Call the command with its :class:`~auth0link.application.Application` as the first argument."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return f(application(click.get_current_context()), *args, **kwargs)

    return wrapper  # type: ignore[return-value]


#: ``--csv`` on the commands that print rows: CSV safe to open in a spreadsheet (TSV stays exact).
spreadsheet_option = click.option(
    "--csv",
    "spreadsheet",
    is_flag=True,
    help="CSV safe to open in a spreadsheet (a cell starting = + - @ gets a leading ').",
)
