"""``auth0link suggest``: candidate pairs among users who share a verified email (admin)."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Self

import click

from auth0link.cli._globals import command, pass_app, spreadsheet_option

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

    from auth0link.application import Application
    from auth0link.infra.export_file import ExportReader, ReadStats
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
    from auth0link.usecases import suggest as use_case

    _check_sources(email=email, scan_all=scan_all, from_export=from_export, save_export=save_export)
    if email:
        client = app.admin_client()
        found: Iterable[Any] = use_case.suggest_for_email(
            client, email, include_unverified=include_unverified, prefer_connection=prefer_connection
        )
        _emit(app.output, found, as_json=as_json, no_header=no_header, spreadsheet=spreadsheet)
        return
    with _Phases(app.output) as phases, _workdir() as work:
        source = from_export or _fetch(app, save_export or work / "export.json.gz", phases, keep=save_export)
        found = use_case.suggest_from_export(
            _reader(source, from_tenant=from_export is None),
            include_unverified=include_unverified,
            prefer_connection=prefer_connection,
            workdir=work,
            on_progress=phases,
            on_read=lambda stats: _report_read(app.output, stats, phases),
        )
        _emit(
            app.output,
            _close_after(found, phases.close),
            as_json=as_json,
            no_header=no_header,
            spreadsheet=spreadsheet,
        )


def _check_sources(
    *, email: str | None, scan_all: bool, from_export: Path | None, save_export: Path | None
) -> None:
    """Exactly one source of users; --save-export only with --all."""
    from auth0link.errors import UsageError

    if [bool(email), scan_all, from_export is not None].count(True) != 1:
        raise UsageError(
            "Pass --email EMAIL or --all, or --from-export FILE (one of them).",
            hint="e.g. auth0link suggest --all",
        )
    if save_export is not None and not scan_all:
        raise UsageError(
            "--save-export goes with --all.", hint="e.g. auth0link suggest --all --save-export users.json.gz"
        )


def _emit(
    output: Output, found: Iterable[Any], *, as_json: bool, no_header: bool, spreadsheet: bool = False
) -> None:
    from auth0link.usecases.suggest import SUGGEST_COLUMNS

    count = output.rows(
        SUGGEST_COLUMNS,
        (s.row() for s in found),
        as_json=as_json,
        header=not no_header,
        title="Suggested links",
        spreadsheet=spreadsheet,
    )
    output.info(f"{count} pair(s) suggested.")


def _fetch(app: Application, dest: Path, phases: _Phases, *, keep: Path | None) -> Path:
    """Run the users-export job into ``dest`` (paced; progress on stderr)."""
    from auth0link.errors import UsageError
    from auth0link.infra.export_job import COPY_FIELDS, FIELDS, ExportRun
    from auth0link.infra.pacer import Pacer

    if keep is not None and not keep.parent.is_dir():
        raise UsageError(
            f"No such folder for --save-export: {keep.parent}.", hint="create it, or pass another path"
        )
    client = app.admin_client()
    client.max_rate_limit_retries = 0  # the pacer waits for the bucket on a 429
    run = ExportRun(client, Pacer(), sleep=app.sleep, on_progress=phases)
    job = run.fetch(dest, fields=COPY_FIELDS if keep is not None else FIELDS)
    phases.close()
    app.output.info(f"users export {job.id} downloaded" + (f" to {keep}" if keep is not None else ""))
    return dest


def _reader(path: Path, *, from_tenant: bool) -> ExportReader:
    from auth0link.errors import UsageError
    from auth0link.infra.export_file import ExportReader

    if not from_tenant and not path.is_file():
        raise UsageError(
            f"No such export file: {path}.", hint="pass the path of a users export (.json.gz, .csv …)"
        )
    return ExportReader(path, name="the tenant's export" if from_tenant else str(path))


def _report_read(output: Output, stats: ReadStats, phases: _Phases) -> None:
    phases.close()
    output.info(f"read {stats.users:,} users ({stats.with_email:,} with an email)")
    if stats.without_identities:
        output.warn(
            f"{stats.without_identities:,} users in the export have no identities field: a user that "
            "already holds linked accounts is not recognised as one (export the identities field)"
        )


_PHASE_UNITS: Final = {"export job": "%", "download": "KiB", "scan": "KiB"}


class _Phases:
    """Progress of the phases (export job, download, scan): one display each, on stderr."""

    def __init__(self, output: Output) -> None:
        self.output = output
        self.phase = ""
        self.progress: BatchProgress | None = None

    def __call__(self, phase: str, done: int, total: int | None, status: str) -> None:
        if phase != self.phase:
            self.close()
            self.phase = phase
            self.progress = self.output.progress(total=total, label=phase, unit=_PHASE_UNITS.get(phase))
        assert self.progress is not None
        self.progress.update(done, total=total, status=status)

    def close(self) -> None:
        if self.progress is not None:
            self.progress.close()
        self.progress = None
        self.phase = ""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextlib.contextmanager
def _workdir() -> Iterator[Path]:
    """A private temporary folder (0700) for the export and the index, removed at the end.

    Named with the process ID, so the next run removes it if this one is killed (``kill -9``).
    """
    from auth0link._files import work_dir

    with work_dir("auth0link-suggest-") as path:
        yield path


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
