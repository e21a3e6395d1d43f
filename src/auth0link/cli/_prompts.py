"""Asking the person at the terminal: only when there is one, and never under ``--yes``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from auth0link.application import Application


#: ``--allow-unknown-tenant``: restore or resume from a record that names no tenant (an older one).
allow_unknown_tenant = click.option(
    "--allow-unknown-tenant",
    is_flag=True,
    help="Accept a backup or journal that names no tenant (written by an older auth0link) as this "
    "tenant's. Records of another tenant are always refused.",
)


def require_yes_or_tty(app: Application, *, yes: bool, what: str) -> None:
    """Confirmation needs a TTY; without one (or with --no-input/CI) --yes is required."""
    if not yes and app.settings.no_input:
        from auth0link.errors import UsageError

        raise UsageError(
            f"{what} asks for confirmation, but there is no terminal to ask on (stdin is not a TTY, "
            "or --no-input/CI is set). Nothing was changed.",
            hint=f"pass --yes to {what} without asking",
        )


def confirm(question: str, *, yes: bool) -> bool:
    """True under ``--yes``; otherwise ask on stderr (the default is no)."""
    return yes or click.confirm(question, default=False, err=True)
