"""Streams and TTY state: status lines on stderr, data on stdout, tables, TSV and JSON rows."""

from __future__ import annotations

import itertools
import os
import sys
from typing import IO, TYPE_CHECKING, Any, Final

from auth0link.output._text import clean, dumps, safe_text, spreadsheet_line, tsv_line

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from rich.console import Console

    from auth0link.output._progress import BatchProgress

IDENTITY_COLUMNS: Final = (
    "provider",
    "user_id",
    "connection",
    "social",
    "primary",
    "name",
    "email",
)


def write_error(stream: IO[str], message: str, hint: str | None) -> None:
    """An error as one ``error:`` line and its ``hint:`` (both made safe)."""
    print(f"error: {clean(message)}", file=stream, flush=True)
    if hint:
        print(f"hint: {clean(hint)}", file=stream, flush=True)


def debug_log_handler(stream: IO[str]) -> Any:
    """A ``logging`` handler for ``--debug`` whose lines pass :func:`safe_text` (bodies quote the tenant)."""
    import logging

    class SafeFormatter(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            return safe_text(super().format(record))

    handler = logging.StreamHandler(stream)
    handler.setFormatter(SafeFormatter("debug: %(name)s: %(message)s"))
    return handler


class Streams:
    """Where output goes and how: the process streams (or injected ones) and their TTY state."""

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
        print(safe_text(message), file=self.stderr, flush=True)

    def success(self, message: str) -> None:
        """A success line on stderr ("✓ …" on a terminal)."""
        mark = "✓ " if self.stderr_isatty else ""
        print(f"{mark}{safe_text(message)}", file=self.stderr, flush=True)

    def warn(self, message: str) -> None:
        """A warning on stderr."""
        print(f"warning: {safe_text(message)}", file=self.stderr, flush=True)

    # -- data (stdout) ---------------------------------------------------------------------

    def data(self, text: str) -> None:
        """Text on stdout (made safe: lines and tabs stay, controls go)."""
        text = safe_text(text)
        self.stdout.write(text if text.endswith("\n") else text + "\n")
        self.stdout.flush()

    def json(self, value: Any) -> None:
        """JSON on stdout (keys in the order the caller built them; they are stable)."""
        self.data(dumps(value, indent=2))

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
        spreadsheet: bool = False,
    ) -> None:
        """A rich table on a TTY; TSV (header first unless ``header=False``) otherwise.

        ``spreadsheet``: CSV safe to open in a spreadsheet (:func:`spreadsheet_line`), TTY or not.
        """
        if spreadsheet:
            lines = [spreadsheet_line(columns)] if header else []
            self.data("\n".join(lines + [spreadsheet_line(row) for row in rows]))
            return
        if not self.stdout_isatty:
            lines = ["\t".join(columns)] if header else []
            lines += [tsv_line(row) for row in rows]
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

    # -- suggest (stdout) ------------------------------------------------------------------

    def rows(
        self,
        columns: Sequence[str],
        rows: Iterable[Sequence[object]],
        *,
        as_json: bool = False,
        header: bool = True,
        title: str | None = None,
        spreadsheet: bool = False,
    ) -> int:
        """Stream rows: JSON lines with ``--json``, TSV when piped (one line each, flushed), else a table.

        ``spreadsheet``: CSV lines safe to open in a spreadsheet instead of TSV or a table.
        Returns the number of rows written.
        """
        count = 0
        if as_json:
            for row in rows:
                self.data(dumps(dict(zip(columns, row, strict=True))))
                count += 1
            return count
        if not self.stdout_isatty or spreadsheet:
            line = spreadsheet_line if spreadsheet else tsv_line
            pending = iter(rows)
            first = next(pending, None)  # a failure while reading comes before the header line
            if header:
                self.data(line(columns))
            for row in itertools.chain([first] if first is not None else [], pending):
                self.data(line(row))
                count += 1
            return count
        materialised = [tuple(row) for row in rows]
        if materialised:
            self.table(columns, materialised, title=title, header=header)
        return len(materialised)

    # -- batch progress (stderr) -------------------------------------------------------------

    def progress(
        self, *, total: int | None, label: str, interval: float = 5.0, unit: str | None = None
    ) -> BatchProgress:
        """A progress display on stderr: a rich bar with rate and ETA on a TTY, else plain lines.

        ``unit`` names what is counted ("page": "2 pages (3.1 pages/s)").
        """
        from auth0link.output._progress import BatchProgress

        return BatchProgress(self, total=total, label=label, interval=interval, unit=unit)
