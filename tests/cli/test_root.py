"""The root group: the lazy command list and its help lines."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

import pytest

from auth0link.cli import COMMANDS

if TYPE_CHECKING:
    import click


@pytest.mark.parametrize("name", list(COMMANDS))
def test_each_help_line_is_the_commands_own_first_line(name: str) -> None:
    """`auth0link --help` shows, without importing the command, the first line of its own help."""
    target, short = COMMANDS[name]
    module, _, attribute = target.partition(":")
    command: click.Command = getattr(importlib.import_module(module), attribute)
    assert command.help is not None
    assert short == command.help.strip().splitlines()[0]
