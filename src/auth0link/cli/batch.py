"""``auth0link batch-link``: link many pairs, resumably, at the tenant's rate limit (admin)."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from auth0link.cli._globals import command, pass_app
from auth0link.cli._prompts import allow_unknown_tenant

if TYPE_CHECKING:
    from collections.abc import Iterator

    from auth0link.application import Application
    from auth0link.infra.pipe_format import InvalidLine, Pair
    from auth0link.output import Output


@command(name="batch-link")
@click.argument("source", metavar="FILE|-")
@click.option(
    "--journal",
    "journal_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Journal file for this run (default: <data dir>/journals/batch-<time>.jsonl).",
)
@click.option(
    "--resume",
    "resume_path",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Continue an interrupted run from its journal: done pairs are skipped, half-done finished.",
)
@click.option("--dry-run", is_flag=True, help="Check the input and print the plan; change nothing.")
@click.option("--strict", is_flag=True, help="Stop at the first invalid line (default: report and skip).")
@click.option(
    "--workers",
    type=click.IntRange(1, 16),
    default=4,
    show_default=True,
    help="Pairs in flight at once (one connection pool; the pacer keeps the tenant at its limit).",
)
@click.option(
    "--prefer-secondary-metadata",
    is_flag=True,
    help="On conflicting user_metadata keys take the secondary's value (default: primary wins).",
)
@click.option(
    "--include-unverified",
    is_flag=True,
    help="Link even when an email is unverified or the emails differ (account-takeover risk).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout.")
@allow_unknown_tenant
@pass_app
def batch_link(  # long: one parameter per option, and the help text
    app: Application,
    *,
    source: str,
    journal_path: Path | None,
    resume_path: Path | None,
    dry_run: bool,
    strict: bool,
    workers: int,
    prefer_secondary_metadata: bool,
    include_unverified: bool,
    as_json: bool,
    allow_unknown_tenant: bool,
) -> None:
    """Link many pairs, resumably, at the rate limit (admin).

    \b
    Input: PRIMARY_ID<TAB>SECONDARY_ID lines (what suggest prints) or JSON lines.
    Per pair: read both users, back them up (<data dir>/backups/batch-*.jsonl),
    merge the secondary's user_metadata into the primary, link, verify. Every
    step goes to an fsync'd journal: after a crash, kill or Ctrl-C (exit 130),
    run again with --resume JOURNAL; nothing is linked twice or lost.
    Exit 1 when any pair failed or any line was invalid, else 8 when a safety
    check refused a pair (unverified or different emails). Needs update:users.
    """
    import threading

    from auth0link.errors import Auth0LinkError, Interrupted, Refused, UsageError
    from auth0link.infra.journal import open_run_files
    from auth0link.infra.pacer import Pacer
    from auth0link.infra.pipe_format import read_pairs
    from auth0link.usecases import batch

    if resume_path is not None and journal_path is not None:
        raise UsageError("Pass either --journal or --resume, not both.")
    path = None if source == "-" else Path(source)
    if path is not None and not path.is_file():
        raise UsageError(f"No such input file: {source}.", hint="pass a file of pairs, or - for stdin")
    stdin_lines = _stdin_lines() if path is None else None  # a closed stdin fails before the journal
    client = app.client() if dry_run else app.admin_client(max_connections=workers)
    client.max_rate_limit_retries = 0  # the pacer handles 429 for all workers at once
    files = open_run_files(
        app.settings.data_dir,
        journal_path=journal_path,
        resume_path=resume_path,
        dry_run=dry_run,
        now=app.clock(),
        tenant=None if dry_run else app.tenant_mark,  # a dry run writes nothing
        allow_unknown_tenant=allow_unknown_tenant,
    )
    if files.journal is not None and not dry_run:
        app.output.info(f"journal: {files.journal.path}")
    reporter = _Reporter(app.output, total=_count_lines(path) if path is not None else None)
    linker = batch.BatchLinker(
        client,
        journal=files.journal,
        backups=files.backups,
        pacer=Pacer(),
        reporter=reporter,
        options=batch.BatchOptions(
            dry_run=dry_run,
            strict=strict,
            prefer_secondary=prefer_secondary_metadata,
            include_unverified=include_unverified,
            workers=workers,
        ),
        stop=threading.Event(),
        sleep=app.sleep,
    )
    try:
        with path.open("rb") if path is not None else contextlib.nullcontext(stdin_lines) as lines:
            summary = linker.run(read_pairs(lines or ()))  # byte lines: read_pairs decodes each one
    finally:
        reporter.progress.close()
        files.close()
    app.output.batch_summary(summary, as_json=as_json)
    resume = f"auth0link batch-link {source} --resume {summary.journal}"
    if summary.interrupted:
        raise Interrupted("Interrupted; pairs in flight were finished.", hint=f"continue with: {resume}")
    if summary.failed or summary.invalid:
        raise Auth0LinkError(
            f"{summary.failed} pair(s) failed and {summary.invalid} line(s) were invalid.",
            hint=f"see the warnings above; after fixing, re-run: {resume}"
            if summary.journal
            else "see the warnings above",
        )
    if summary.skipped:
        raise Refused(
            f"{summary.skipped} pair(s) were refused by a safety check and not linked; nothing was "
            "changed for them.",
            hint="see the warnings above (each names its override, e.g. --include-unverified)",
        )


class _Reporter:
    """Per-pair lines and the progress display."""

    def __init__(self, output: Output, *, total: int | None) -> None:
        self.output = output
        self.progress = output.progress(total=total, label="batch-link")

    def pair_done(self, pair: Pair, outcome: str, detail: str) -> None:
        if outcome == "done":  # finished by an earlier run (--resume): not this run's rate
            self.progress.skip()
            return
        if outcome in {"failed", "skipped"}:
            self.output.warn(
                f"line {pair.line}: {pair.primary_id} <- {pair.secondary_id}: {outcome}: {detail}"
            )
        self.progress.advance(outcome.replace("_", " "))

    def invalid_line(self, item: InvalidLine) -> None:
        self.output.warn(f"line {item.line}: {item.reason} (skipped)")

    def planned(self, pair: Pair) -> None:
        self.output.data(f"{pair.primary_id}\t{pair.secondary_id}\twould link")


def _stdin_lines() -> Iterator[bytes]:
    """The lines of stdin for ``batch-link -`` (a closed stdin is refused now, not mid-run)."""
    from auth0link import _stdin

    hint = "pipe the pairs in, or pass a file of pairs instead of -"
    return _stdin.iter_lines(sys.stdin, what="primary<TAB>secondary lines", hint=hint)


def _count_lines(path: Path) -> int | None:
    """Pairs in a file, for the ETA (one streaming pass; header, comments and blanks not counted)."""
    try:
        with path.open("rb") as handle:
            return sum(1 for line in handle if line.strip() and not line.startswith((b"#", b"primary_id")))
    except OSError:
        return None
