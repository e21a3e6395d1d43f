"""``auth0link batch-link``: link many pairs, resumably, at the tenant's rate limit (admin)."""

from __future__ import annotations

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
    from auth0link.models import BatchOutcome
    from auth0link.output import Output
    from auth0link.output._progress import BatchProgress


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
def batch_link(
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
    from auth0link.errors import Auth0LinkError, Fix, Interrupted, Refused, cmd
    from auth0link.usecases.batch_link import BatchRequest, batch_link

    request = BatchRequest(
        source=None if source == "-" else Path(source),
        journal_path=journal_path,
        resume_path=resume_path,
        dry_run=dry_run,
        strict=strict,
        workers=workers,
        prefer_secondary=prefer_secondary_metadata,
        include_unverified=include_unverified,
        allow_unknown_tenant=allow_unknown_tenant,
    )
    summary = batch_link(request, app, _Reporter(app.output), stdin=_stdin_lines)
    app.output.batch_summary(summary, as_json=as_json)
    resume = cmd("batch-link", str(source), "--resume", str(summary.journal))
    if summary.interrupted:
        raise Interrupted("Interrupted; pairs in flight were finished.", hint=Fix("continue with: ", resume))
    if summary.failed or summary.invalid:
        raise Auth0LinkError(
            f"{summary.failed} pair(s) failed and {summary.invalid} line(s) were invalid.",
            hint=Fix("see the warnings above; after fixing, re-run: ", resume)
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

    def __init__(self, output: Output) -> None:
        self.output = output
        self.progress: BatchProgress | None = None

    def started(self, *, journal: Path | None, total: int | None) -> None:
        if journal is not None:
            self.output.info(f"journal: {journal}")
        self.progress = self.output.progress(total=total, label="batch-link")

    def finished(self) -> None:
        if self.progress is not None:
            self.progress.close()

    def pair_done(self, pair: Pair, outcome: BatchOutcome, detail: str) -> None:
        from auth0link.models import BatchOutcome

        assert self.progress is not None
        if outcome is BatchOutcome.DONE_BEFORE:  # finished by an earlier run (--resume): not this run's rate
            self.progress.skip()
            return
        if outcome in {BatchOutcome.FAILED, BatchOutcome.SKIPPED}:
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
