"""``batch-link``'s one entry point: a :class:`BatchRequest` in, a ``BatchSummary`` out.

It owns the run's wiring: the client (no 429 retries of its own: the pacer waits for the bucket
for every worker at once), the journal and backup file (:func:`~auth0link.infra.journal.open_run_files`),
the pacer and the :class:`~auth0link.usecases.batch.BatchLinker`. The command parses options,
calls :func:`batch_link` and renders the summary.
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
from typing import TYPE_CHECKING, Protocol

from auth0link.errors import UsageError
from auth0link.infra.journal import open_run_files
from auth0link.infra.pacer import Pacer
from auth0link.infra.pipe_format import count_pairs, read_pairs
from auth0link.usecases.batch import DEFAULT_WORKERS, BatchLinker, BatchOptions, Reporter

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from pathlib import Path

    from auth0link.client import Auth0Client
    from auth0link.config import Settings
    from auth0link.models import BatchSummary, TenantMark


@dataclasses.dataclass(frozen=True)
class BatchRequest:
    """One ``batch-link`` run: where the pairs come from, its journal, and how to run."""

    source: Path | None  # None: the lines of stdin
    journal_path: Path | None = None
    resume_path: Path | None = None
    dry_run: bool = False
    strict: bool = False
    workers: int = DEFAULT_WORKERS
    prefer_secondary: bool = False
    include_unverified: bool = False
    allow_unknown_tenant: bool = False

    @property
    def options(self) -> BatchOptions:
        """How the linker runs."""
        return BatchOptions(
            dry_run=self.dry_run,
            strict=self.strict,
            prefer_secondary=self.prefer_secondary,
            include_unverified=self.include_unverified,
            workers=self.workers,
        )


class BatchWorld(Protocol):
    """What a run needs of the application (:class:`~auth0link.application.Application` is one)."""

    settings: Settings
    clock: Callable[[], float]
    sleep: Callable[[float], None]

    @property
    def tenant_mark(self) -> TenantMark:
        """The tenant the journal and backups name."""
        ...

    def client(self) -> Auth0Client:
        """A client without credentials (a dry run reads nothing)."""
        ...

    def machine_client(self, *, max_connections: int = 10) -> Auth0Client:
        """A client with a machine token."""
        ...


class RunReporter(Reporter, Protocol):
    """A :class:`~auth0link.usecases.batch.Reporter` that also hears when the run starts and ends."""

    def started(self, *, journal: Path | None, total: int | None) -> None:
        """The run files are open (``journal`` unless a dry run); ``total`` pairs when known."""

    def finished(self) -> None:
        """The run is over (also on an error)."""


def batch_link(
    request: BatchRequest,
    world: BatchWorld,
    reporter: RunReporter,
    *,
    stdin: Callable[[], Iterable[bytes]],
) -> BatchSummary:
    """Link every pair of ``request.source`` (or of ``stdin()``), resumably (module docstring)."""
    options = request.options
    if request.resume_path is not None and request.journal_path is not None:
        raise UsageError("Pass either --journal or --resume, not both.")
    path = request.source
    if path is not None and not path.is_file():
        raise UsageError(f"No such input file: {path}.", hint="pass a file of pairs, or - for stdin")
    stdin_lines = stdin() if path is None else None  # a closed stdin fails before the journal
    client = world.client() if options.dry_run else world.machine_client(max_connections=options.workers)
    client.max_rate_limit_retries = 0  # the pacer handles 429 for all workers at once
    files = open_run_files(
        world.settings.data_dir,
        journal_path=request.journal_path,
        resume_path=request.resume_path,
        dry_run=options.dry_run,
        now=world.clock(),
        tenant=None if options.dry_run else world.tenant_mark,  # a dry run writes nothing
        allow_unknown_tenant=request.allow_unknown_tenant,
    )
    reporter.started(
        journal=files.journal.path if files.journal is not None and not options.dry_run else None,
        total=count_pairs(path) if path is not None else None,
    )
    linker = BatchLinker(
        client,
        journal=files.journal,
        backups=files.backups,
        pacer=Pacer(),
        reporter=reporter,
        options=options,
        stop=threading.Event(),
        sleep=world.sleep,
    )
    try:
        with path.open("rb") if path is not None else contextlib.nullcontext(stdin_lines) as lines:
            return linker.run(read_pairs(lines or ()))  # byte lines: read_pairs decodes each one
    finally:
        reporter.finished()
        files.close()
