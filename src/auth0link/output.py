"""Rendering: the only module that imports rich.

Data goes to stdout, everything else (status, warnings, errors, prompts) to stderr. Data is
rendered three ways: a rich table when stdout is a terminal, TSV (with a header unless
``--no-header``) when it is not, and ``--json`` with stable keys for scripts. Colour is off
when ``NO_COLOR`` is set or the stream is not a terminal. Every value shown is stripped of
control characters, so a display name cannot smuggle terminal escapes.
"""

from __future__ import annotations

import json
import os
import re
import sys
from typing import IO, TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from collections.abc import Sequence

    from rich.console import Console

    from auth0link.errors import Auth0LinkError
    from auth0link.models import User

_CONTROL_RE: Final = re.compile(r"[\x00-\x1f\x7f-\x9f]")

IDENTITY_COLUMNS: Final = (
    "provider",
    "user_id",
    "connection",
    "social",
    "primary",
    "name",
    "email",
)


def clean(value: object) -> str:
    """A value as one safe line: None → '', control characters → a space."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return _CONTROL_RE.sub(" ", str(value))


class Output:
    """Streams and TTY state, injected (tests pass StringIO and flags)."""

    def __init__(
        self,
        *,
        stdout: IO[str] | None = None,
        stderr: IO[str] | None = None,
        stdout_isatty: bool | None = None,
        stderr_isatty: bool | None = None,
        no_color: bool | None = None,
        width: int | None = None,
    ) -> None:
        """Default to the process streams and their real TTY state."""
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr
        self.stdout_isatty = self.stdout.isatty() if stdout_isatty is None else stdout_isatty
        self.stderr_isatty = self.stderr.isatty() if stderr_isatty is None else stderr_isatty
        self.no_color = bool(os.environ.get("NO_COLOR")) if no_color is None else no_color
        self.width = width

    # -- status lines (stderr) ---------------------------------------------------------------

    def info(self, message: str) -> None:
        """A status line on stderr."""
        print(message, file=self.stderr, flush=True)

    def success(self, message: str) -> None:
        """A success line on stderr ("✓ …" on a terminal)."""
        mark = "✓ " if self.stderr_isatty else ""
        print(f"{mark}{message}", file=self.stderr, flush=True)

    def warn(self, message: str) -> None:
        """A warning on stderr."""
        print(f"warning: {message}", file=self.stderr, flush=True)

    def error(self, error: Auth0LinkError) -> None:
        """An error as one line, plus its hint on a second line."""
        print(f"error: {clean(error.message)}", file=self.stderr, flush=True)
        if error.hint:
            print(f"hint: {clean(error.hint)}", file=self.stderr, flush=True)

    # -- data (stdout) ---------------------------------------------------------------------

    def data(self, text: str) -> None:
        """Raw text on stdout."""
        self.stdout.write(text if text.endswith("\n") else text + "\n")
        self.stdout.flush()

    def json(self, value: Any) -> None:
        """JSON on stdout (keys in the order the caller built them; they are stable)."""
        self.data(json.dumps(value, indent=2, ensure_ascii=False))

    def console(self, *, stderr: bool = False) -> Console:
        """A rich Console for the stream (markup, emoji and highlighting off: data is data)."""
        from rich.console import Console

        stream = self.stderr if stderr else self.stdout
        isatty = self.stderr_isatty if stderr else self.stdout_isatty
        return Console(
            file=stream,
            force_terminal=isatty,
            no_color=self.no_color or not isatty,
            markup=False,
            emoji=False,
            highlight=False,
            width=self.width,
        )

    def table(
        self,
        columns: Sequence[str],
        rows: Sequence[Sequence[object]],
        *,
        title: str | None = None,
        header: bool = True,
    ) -> None:
        """A rich table on a TTY; TSV (header first unless ``header=False``) otherwise."""
        if not self.stdout_isatty:
            lines = ["\t".join(columns)] if header else []
            lines += ["\t".join(clean(v).replace("\t", " ") for v in row) for row in rows]
            if lines:
                self.data("\n".join(lines))
            return
        from rich.table import Table

        table = Table(title=title, show_header=header, header_style="bold", title_justify="left")
        for column in columns:
            table.add_column(column)
        for row in rows:
            table.add_row(*(clean(v) for v in row))
        self.console().print(table)

    # -- domain renderings -----------------------------------------------------------------

    def identities(
        self, user: User, *, as_json: bool, header: bool = True, secondary_only: bool = False
    ) -> None:
        """The user's identities as a table, TSV or JSON."""
        identities = user.secondary_identities if secondary_only else user.identities
        if as_json:
            self.json(
                {
                    "user_id": user.user_id,
                    "email": user.email,
                    "identities": [i.to_json(primary_user_id=user.user_id) for i in identities],
                }
            )
            return
        rows = [
            (
                i.provider,
                i.user_id,
                i.connection,
                i.is_social,
                i.full_id == user.user_id,
                i.profile_data.get("name") or (user.name if i.full_id == user.user_id else ""),
                i.profile_data.get("email") or (user.email if i.full_id == user.user_id else ""),
            )
            for i in identities
        ]
        self.table(IDENTITY_COLUMNS, rows, title=f"Identities of {clean(user.user_id)}", header=header)

    def record_svg(self, render: Any, path: str, *, title: str = "auth0link") -> None:
        """Render with ``render(console)`` into an SVG file (README screenshots)."""
        from rich.console import Console

        console = Console(record=True, width=self.width or 100, force_terminal=True, markup=False)
        render(console)
        console.save_svg(path, title=title)
