r"""The command line: the only package that imports click.

* The root group (:data:`main`) loads each command's module only when that command runs (click's
  lazy-group pattern): ``auth0link --help`` lists the commands from :data:`COMMANDS` without
  importing any of them (a bare ``auth0link --version`` is answered earlier still, by
  :mod:`auth0link.__main__`, before click is imported).
* Global options (``--profile``, ``--domain``, ``--client-id``, ``--debug``, ``--no-input``) work
  before or after the subcommand, as gh users expect (``auth0link identities --debug``):
  :mod:`._globals` adds them to every command and records them for the application.
* A command parses its options, calls one use case and hands the result to the output; its
  application (:class:`auth0link.application.Application`) comes from :func:`._globals.pass_app`.
* :func:`exit_code_for` is the one place that maps errors to exit codes, and
  :meth:`RootGroup.invoke` the one place that turns them into a one-line ``error:`` (no
  traceback unless ``--debug``).
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any, Final

import click

from auth0link.cli import _globals
from auth0link.cli._help import HelpGroup

if TYPE_CHECKING:
    from auth0link.errors import Auth0LinkError, ExitCode

#: name → (``module:attribute``, the one-line help ``auth0link --help`` shows without importing it).
#: tests/cli/test_root.py checks each line against the first line of the command's own help.
COMMANDS: Final[dict[str, tuple[str, str]]] = {
    "login": (
        "auth0link.cli.login:login",
        "Log in as the primary user and keep the session in the OS keyring.",
    ),
    "logout": ("auth0link.cli.logout:logout", "Revoke the refresh token and delete the stored session."),
    "status": ("auth0link.cli.status:status", "Show who is logged in where, checked with the tenant."),
    "token": ("auth0link.cli.token:token", "Print a valid access token for scripts (refreshed if needed)."),
    "identities": ("auth0link.cli.identities:identities", "List the logged-in user's identities."),
    "link": ("auth0link.cli.link:link", "Link another of your accounts to the logged-in user."),
    "unlink": ("auth0link.cli.unlink:unlink", "Unlink PROVIDER USER_ID from the logged-in user."),
    "doctor": ("auth0link.cli.doctor:doctor", "Check this profile against the tenant and this machine."),
    "config": ("auth0link.cli.config:config_group", "Read and write the profile's settings file."),
    "profiles": ("auth0link.cli.profiles:profiles", "List the profiles and switch the active one."),
    "backups": ("auth0link.cli.backups:backups", "Find the backups written before each link."),
    "suggest": ("auth0link.cli.suggest:suggest", "Suggest pairs of accounts to link (admin)."),
    "batch-link": (
        "auth0link.cli.batch:batch_link",
        "Link many pairs, resumably, at the rate limit (admin).",
    ),
    "emulator": ("auth0link.cli.emulator:emulator", "Run a local Auth0 tenant (needs the 'emulator' extra)."),
    "completion": ("auth0link.cli.completion:completion", "Print the shell completion script."),
}


def exit_code_for(error: BaseException) -> ExitCode:
    """The process exit code for ``error``: the one place errors become codes (docs/scripting.md table).

    By class (a subclass has its parent's code unless listed); a
    :class:`~auth0link.errors.LinkAborted` takes its cause's code when a specific failure stopped
    the sequence (5 when the tenant failed, 4 when it refused …), otherwise 1.
    """
    from auth0link import errors as e

    codes: dict[type[BaseException], e.ExitCode] = {
        e.UsageError: e.ExitCode.USAGE,
        e.ConfigurationError: e.ExitCode.USAGE,
        e.LoginRequired: e.ExitCode.LOGIN_REQUIRED,
        e.OAuthError: e.ExitCode.LOGIN_REQUIRED,
        e.IdTokenError: e.ExitCode.LOGIN_REQUIRED,
        e.ServerError: e.ExitCode.NETWORK,
        e.NotFound: e.ExitCode.NOT_FOUND,
        e.Conflict: e.ExitCode.CONFLICT,
        e.ApiError: e.ExitCode.API_ERROR,
        e.NetworkError: e.ExitCode.NETWORK,
        e.ExportFailed: e.ExitCode.NETWORK,
        e.Refused: e.ExitCode.REFUSED,
        e.Cancelled: e.ExitCode.CANCELLED,
        e.Interrupted: e.ExitCode.INTERRUPTED,
        KeyboardInterrupt: e.ExitCode.INTERRUPTED,
    }
    if isinstance(error, e.LinkAborted) and error.cause is not None:
        return exit_code_for(error.cause)
    for cls in type(error).__mro__:
        if cls in codes:
            return codes[cls]
    return e.ExitCode.ERROR


def _report(error: Auth0LinkError, *, profile: str | None = None) -> None:
    """One ``error:`` line and its ``hint:``; with ``--profile NAME`` given, the fix's commands repeat it."""
    from auth0link.errors import render_fix
    from auth0link.output import write_error

    fix = error.fix if error.hint else None  # a fix with no text is no hint
    write_error(sys.stderr, error.message, render_fix(fix, profile=profile) if fix else None)


class RootGroup(HelpGroup):
    """Commands loaded on demand, and every error turned into one line and a documented code."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """The command names, in the order of :data:`COMMANDS` (help and completion)."""
        del ctx
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Import the command's module now (and only now)."""
        del ctx
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        import importlib

        module_name, _, attribute = entry[0].partition(":")
        command: click.Command = getattr(importlib.import_module(module_name), attribute)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List the commands from :data:`COMMANDS` without importing them."""
        del ctx
        with formatter.section("Commands"):
            formatter.write_dl([(name, short) for name, (_, short) in COMMANDS.items()])

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; turn errors into one-line messages and documented exit codes."""
        from auth0link.errors import Auth0LinkError, ExitCode, Interrupted

        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException):
            raise
        except (KeyboardInterrupt, click.Abort):
            _report(Interrupted())
            ctx.exit(ExitCode.INTERRUPTED)
        except Auth0LinkError as exc:
            if _globals.debug_enabled(ctx):
                import traceback

                traceback.print_exc(file=sys.stderr)
            _report(exc, profile=_globals.flags(ctx).get("profile"))
            ctx.exit(exit_code_for(exc))
        except BrokenPipeError:
            # `auth0link identities | head -1`: the reader left; exit quietly.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(ExitCode.ERROR)
        except Exception as exc:
            if _globals.debug_enabled(ctx):
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


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from auth0link import version_line

    click.echo(version_line())
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
    cls=RootGroup,
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
@_globals.global_options
@click.pass_context
def main(ctx: click.Context) -> None:
    """Link and unlink Auth0 user accounts from the terminal.

    \b
    Settings are resolved in this order: flag, environment variable,
    profile file (auth0link config set), default. Global options work
    before or after the command (auth0link identities --debug).
    Exit codes: 0 ok, 1 error, 2 usage/config, 3 login required, 4 API refused,
    5 network/server, 6 not found, 7 conflict, 8 refused by a safety check,
    9 cancelled, 130 interrupted.
    """
    _globals.start(ctx)
