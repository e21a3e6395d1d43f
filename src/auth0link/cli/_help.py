"""Help pages and the ``-h/--help`` option, in English, without click's gettext lookups.

auth0link's own help text is English and not translated, so the few words click adds to it
(``Usage:``, ``Options``, ``Commands``, "Show this message and exit.") are English too. click
looks each of them up with :func:`gettext.gettext`, and the first lookup imports :mod:`locale`
and searches the disk for a ``messages.mo`` catalogue: about 1 ms of every run (click creates
the help option while parsing any command line), a tenth of the start-up budget of ``auth0link
--help`` (docs/performance.md). These classes write the same words without the lookup; what
they print is what click prints with no catalogue installed (tests/cli/test_help.py).
"""

from __future__ import annotations

from typing import Final

import click

HELP_TEXT: Final = "Show this message and exit."


def _show_help(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """Print the help page and exit, as click's own help option does."""
    if not value or ctx.resilient_parsing:
        return
    click.echo(ctx.get_help(), color=ctx.color)
    ctx.exit()


class HelpCommand(click.Command):
    """A command whose help option and help page add no gettext lookup."""

    _english_help: click.Option | None = None

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        """``-h/--help`` (the context's names, in their order), created once per command."""
        if not self.add_help_option:
            return None
        free = set(self.get_help_option_names(ctx))
        names = [name for name in ctx.help_option_names if name in free]
        if not names:
            return None
        if self._english_help is None:
            self._english_help = click.Option(
                names, is_flag=True, expose_value=False, is_eager=True, callback=_show_help, help=HELP_TEXT
            )
        return self._english_help

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """``Usage: auth0link COMMAND [OPTIONS] …``."""
        pieces = self.collect_usage_pieces(ctx)
        formatter.write_usage(ctx.command_path, " ".join(pieces), prefix="Usage: ")

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The options under ``Options`` (arguments are named in the usage line)."""
        rows = [
            record
            for param in self.get_params(ctx)
            if not isinstance(param, click.Argument) and (record := param.get_help_record(ctx)) is not None
        ]
        if rows:
            with formatter.section("Options"):
                formatter.write_dl(rows)


class HelpGroup(HelpCommand, click.Group):
    """A group of commands, its help page written as :class:`HelpCommand` writes one."""

    command_class = HelpCommand  # what ``@group.command()`` makes

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """``Options``, then ``Commands``."""
        super().format_options(ctx, formatter)
        self.format_commands(ctx, formatter)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Each visible command and its short help, under ``Commands``."""
        commands = [
            (name, command)
            for name in self.list_commands(ctx)
            if (command := self.get_command(ctx, name)) is not None and not command.hidden
        ]
        if not commands:
            return
        limit = formatter.width - 6 - max(len(name) for name, _ in commands)
        with formatter.section("Commands"):
            formatter.write_dl([(name, command.get_short_help_str(limit)) for name, command in commands])
