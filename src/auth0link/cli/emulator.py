"""``auth0link emulator``: forwards every argument to the emulator's own command line."""

from __future__ import annotations

import click


@click.command(
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
    from auth0link.emulator.server.command import main as emulator_main

    ctx.exit(emulator_main(list(args)))
