"""The help classes of auth0link.cli._help print what click's own classes print."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from auth0link.cli._help import HelpCommand, HelpGroup


def build(group_class: type[click.Group], command_class: type[click.Command]) -> click.Group:
    """The same small CLI (a group, an option, a flag, a subcommand with an argument) on the given classes."""

    @click.group(
        cls=group_class, context_settings={"help_option_names": ["-h", "--help"], "terminal_width": 60}
    )
    @click.option(
        "--profile", metavar="NAME", help="Profile to use, a sentence long enough to wrap the column."
    )
    def tool(profile: str | None) -> None:
        """A tool.

        \b
        Kept as written:
        line one, line two.
        """  # noqa: D301 - click's \b paragraph marker is the backspace character

    @tool.command(cls=command_class)
    @click.argument("user_id")
    @click.option("--json", "as_json", is_flag=True, help="JSON on stdout.")
    def show(user_id: str, as_json: bool) -> None:
        """Show USER_ID."""
        click.echo(f"{user_id} {as_json}")

    @tool.command(cls=command_class, hidden=True)
    def secret() -> None:
        """Not listed."""

    return tool


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["-h"],
        [],
        ["show", "--help"],
        ["show"],
        ["show", "--bogus"],
        ["nosuch"],
        ["show", "u1", "--json"],
    ],
    ids=[
        "--help",
        "-h",
        "bare",
        "show --help",
        "missing argument",
        "unknown option",
        "unknown command",
        "a run",
    ],
)
def test_help_pages_and_usage_errors_match_clicks_own(argv: list[str]) -> None:
    """Help pages, usage errors (with their "Try … --help" line) and runs are the same as with click's classes."""
    runner = CliRunner()
    ours = runner.invoke(build(HelpGroup, HelpCommand), argv, prog_name="tool")
    clicks = runner.invoke(build(click.Group, click.Command), argv, prog_name="tool")
    assert (ours.exit_code, ours.output) == (clicks.exit_code, clicks.output)
    assert ours.output  # every case prints something to compare


def test_a_group_command_gets_the_help_class() -> None:
    """`@group.command()` on a HelpGroup makes a HelpCommand (config set/unset)."""
    group = HelpGroup("g")

    @group.command()
    def sub() -> None:
        """A subcommand."""

    assert isinstance(group.commands["sub"], HelpCommand)


def test_no_help_option_when_switched_off_or_taken() -> None:
    """`add_help_option=False` or an option already named --help/-h leaves no help option, as in click."""
    ctx_settings = {"help_option_names": ["-h", "--help"]}
    off = HelpCommand("off", add_help_option=False, context_settings=ctx_settings)
    taken = HelpCommand(
        "taken", params=[click.Option(["-h", "--help", "flag"], is_flag=True)], context_settings=ctx_settings
    )
    assert off.get_help_option(off.make_context("off", [])) is None
    assert taken.get_help_option(taken.make_context("taken", [])) is None
