"""``auth0link completion SHELL``: the shell completion script."""

from __future__ import annotations

import click

from auth0link.cli._help import HelpCommand


@click.command(cls=HelpCommand)
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def completion(shell: str) -> None:
    """Print the shell completion script.

    eval "$(auth0link completion bash)" (or zsh, fish).
    """
    from click.shell_completion import get_completion_class

    from auth0link.cli import main

    cls = get_completion_class(shell)
    assert cls is not None
    click.echo(cls(main, {}, "auth0link", "_AUTH0LINK_COMPLETE").source(), nl=False)
