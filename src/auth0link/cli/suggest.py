"""``auth0link suggest``: candidate pairs among users who share a verified email (admin)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Self

import click

from auth0link.cli._globals import command, pass_app, spreadsheet_option

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

    from auth0link.application import Application
    from auth0link.infra.export_file import ReadStats
    from auth0link.models import ExportJob
    from auth0link.output import Output
    from auth0link.output._progress import BatchProgress

FILE = click.Path(dir_okay=False, path_type=Path)


@command()
@click.option("--email", metavar="EMAIL", help="Only users with this email (users-by-email).")
@click.option(
    "--all", "scan_all", is_flag=True, help="Every user, through a users-export job (no 1,000 cap)."
)
@click.option(
    "--from-export",
    type=FILE,
    metavar="FILE",
    help="Read a users export you already have (NDJSON or CSV, gzipped or not); no tenant needed.",
)
@click.option(
    "--save-export",
    type=FILE,
    metavar="FILE",
    help="With --all: keep the export (gzipped NDJSON, with names and metadata, 0600), e.g. for "
    "auth0link emulator --users FILE.",
)
@click.option("--include-unverified", is_flag=True, help="Also users whose email is not verified (risky).")
@click.option(
    "--prefer-connection",
    metavar="NAME",
    help="Make a user of this connection the primary when a group has one.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line (stable keys).")
@click.option("--no-header", is_flag=True, help="Omit the TSV header line when piped.")
@spreadsheet_option
@pass_app
def suggest(
    app: Application,
    *,
    email: str | None,
    scan_all: bool,
    from_export: Path | None,
    save_export: Path | None,
    include_unverified: bool,
    prefer_connection: str | None,
    as_json: bool,
    no_header: bool,
    spreadsheet: bool,
) -> None:
    """Suggest pairs of accounts to link (admin).

    \b
    Users sharing a verified email. Suggested primary: a --prefer-connection
    user, else one already holding linked identities, else the oldest database
    (auth0|…) account, else the oldest account.
    --all runs a users-export job and reads its file (every user, however many);
    --from-export FILE reads an export you have. TSV when piped (primary_id,
    secondary_id, email, reason), so
      auth0link suggest --all | auth0link batch-link -
    works; a table on a terminal; JSON lines with --json; --csv to open in a
    spreadsheet (TSV is exact and not safe there). Needs read:users.
    """
    from auth0link.infra.pipe_format import COLUMNS
    from auth0link.usecases.suggest import SuggestRequest, suggest_pairs

    request = SuggestRequest(
        email=email,
        scan_all=scan_all,
        from_export=from_export,
        save_export=save_export,
        include_unverified=include_unverified,
        prefer_connection=prefer_connection,
    )
    with _Phases(app.output) as phases, suggest_pairs(request, app, phases) as found:
        count = app.output.rows(
            COLUMNS,
            (s.row() for s in _close_after(found, phases.close)),
            as_json=as_json,
            header=not no_header,
            title="Suggested links",
            spreadsheet=spreadsheet,
        )
    app.output.info(f"{count} pair(s) suggested.")


_PHASE_UNITS: Final = {"export job": "%", "download": "KiB", "scan": "KiB"}


class _Phases:
    """Progress of the phases (export job, download, scan): one display each, on stderr."""

    def __init__(self, output: Output) -> None:
        self.output = output
        self.current = ""
        self.progress: BatchProgress | None = None

    def phase(self, phase: str, done: int, total: int | None, status: str) -> None:
        """Progress of ``phase``: a new display when the phase changes."""
        if phase != self.current:
            self.close()
            self.current = phase
            self.progress = self.output.progress(total=total, label=phase, unit=_PHASE_UNITS.get(phase))
        assert self.progress is not None
        self.progress.update(done, total=total, status=status)

    def downloaded(self, job: ExportJob, saved_to: Path | None) -> None:
        """The export job's file is downloaded."""
        self.close()
        where = f" to {saved_to}" if saved_to is not None else ""
        self.output.info(f"users export {job.id} downloaded{where}")

    def read(self, stats: ReadStats) -> None:
        """The export is read: the count, and a warning when identities were not exported."""
        self.close()
        self.output.info(f"read {stats.users:,} users ({stats.with_email:,} with an email)")
        if stats.without_identities:
            self.output.warn(
                f"{stats.without_identities:,} users in the export have no identities field: a user that "
                "already holds linked accounts is not recognised as one (export the identities field)"
            )

    def close(self) -> None:
        """End the current phase's display."""
        if self.progress is not None:
            self.progress.close()
        self.progress = None
        self.current = ""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _close_after(items: Iterable[Any], close: Callable[[], None]) -> Iterator[Any]:
    """Yield ``items``, calling ``close`` before the first one (the scan is over by then)."""
    iterator = iter(items)
    try:
        first = next(iterator)
    except StopIteration:
        close()
        return
    close()
    yield first
    yield from iterator
