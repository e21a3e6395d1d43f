"""batch-link runs against the emulator in process, for the use-case tests of batch and its journal.

:class:`BatchTenant` is a :class:`~tests.support.tenant.LocalTenant` with a machine token, the
state that matters after a run (:meth:`BatchTenant.state`: who is a user, with which identities
and metadata) and :meth:`BatchTenant.run`, one ``batch-link`` run with its journal and backup
file opened by :func:`~auth0link.infra.journal.open_run_files`, as the CLI does. A run's
client may go through :class:`Before`, which calls a hook before each request reaches the fault
injector (to arm a crash at the n-th request, or to let "someone else" link a pair first).
"""

from __future__ import annotations

import dataclasses
import threading
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import httpx

from auth0link.client import Auth0Client
from auth0link.infra.journal import open_run_files
from auth0link.infra.pacer import Pacer
from auth0link.infra.pipe_format import InvalidLine, Pair, read_pairs
from auth0link.usecases.batch import BatchLinker, BatchOptions
from tests.support.tenant import BASE, LocalTenant
from tests.support.tenants import pair_email, primary_id, secondary_id

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from pathlib import Path

    from auth0link.models import BatchOutcome, BatchSummary

JOURNAL = "journal.jsonl"


def lines_for(pairs: Iterable[int], *, email: bool = True) -> list[str]:
    """TSV input (with ``suggest``'s header) for pairs of :func:`~tests.support.tenants.duplicate_pairs`."""
    return ["primary_id\tsecondary_id\temail\treason"] + [
        f"{primary_id(i)}\t{secondary_id(i)}\t{pair_email(i) if email else ''}\tsame verified email"
        for i in pairs
    ]


def path_of(request: httpx.Request) -> str:
    """The decoded path, as the fault injector matches it."""
    return unquote(request.url.raw_path.decode().split("?", 1)[0])


class Before(httpx.BaseTransport):
    """Call ``hook(request, n)`` before each request goes on to ``inner`` (n: 1, 2, … across threads)."""

    def __init__(self, inner: httpx.BaseTransport, hook: Callable[[httpx.Request, int], None]) -> None:
        """Wrap ``inner``."""
        self.inner = inner
        self.hook = hook
        self.count = 0
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Run the hook, then forward."""
        with self._lock:
            self.count += 1
            n = self.count
        self.hook(request, n)
        return self.inner.handle_request(request)


class Recorder:
    """A Reporter that remembers everything; ``on_done`` runs after each pair."""

    def __init__(self, on_done: Callable[[], None] = lambda: None) -> None:
        """Start empty."""
        self.done: list[tuple[str, str]] = []
        self.details: dict[str, str] = {}
        self.invalid: list[InvalidLine] = []
        self.plan: list[Pair] = []
        self._on_done = on_done

    def pair_done(self, pair: Pair, outcome: BatchOutcome, detail: str) -> None:
        """Remember the outcome."""
        self.done.append((pair.secondary_id, outcome))
        self.details[pair.secondary_id] = detail
        self._on_done()

    def invalid_line(self, item: InvalidLine) -> None:
        """Remember the line."""
        self.invalid.append(item)

    def planned(self, pair: Pair) -> None:
        """Remember the plan."""
        self.plan.append(pair)


@dataclasses.dataclass
class Run:
    """What one run returned and wrote."""

    summary: BatchSummary
    recorder: Recorder
    journal: Path | None
    backup: Path | None


class BatchTenant:
    """The emulator in process, seen by an admin (module docstring)."""

    def __init__(self, users: list[dict[str, Any]]) -> None:
        """Load ``users`` (the users-file format); the token request is not counted."""
        self.local = LocalTenant(users=users)
        self.token = self.local.m2m_token()
        self.faults.requests.clear()
        self._clients: list[Auth0Client] = []

    @property
    def faults(self) -> Any:
        """The client-side fault injector (and its request log)."""
        return self.local.faults

    def client(self, hook: Callable[[httpx.Request, int], None] | None = None) -> Auth0Client:
        """An admin client as batch-link's (no 429 retries: the pacer does them), no sleeping."""
        transport = self.faults if hook is None else Before(self.faults, hook)
        client = Auth0Client(BASE, access_token=self.token, transport=transport, sleep=lambda _s: None)
        client.max_rate_limit_retries = 0
        self._clients.append(client)
        return client

    def close(self) -> None:
        """Close the clients made here and the tenant."""
        for client in self._clients:
            client.close()
        self.local.close()

    def state(self) -> dict[str, tuple[list[str], dict[str, Any], dict[str, Any]]]:
        """Every user: its identities (``provider|id``), user_metadata and app_metadata."""
        return {
            u.user_id: ([i.full_id for i in u.identities], dict(u.user_metadata), dict(u.app_metadata))
            for u in self.local.emulator.tenant.users.values()
        }

    def identities(self, user_id: str) -> list[str]:
        """A user's identities as ``provider|id`` (empty when the user does not exist)."""
        user = self.local.user(user_id)
        return [f"{i['provider']}|{i['user_id']}" for i in user["identities"]] if user else []

    def run(
        self,
        lines: Iterable[str],
        folder: Path,
        *,
        resume: bool = False,
        workers: int = 1,
        stop: threading.Event | None = None,
        recorder: Recorder | None = None,
        hook: Callable[[httpx.Request, int], None] | None = None,
        **options: Any,
    ) -> Run:
        """One run with its journal in ``folder`` (files closed even when the run crashes)."""
        journal = folder / JOURNAL
        files = open_run_files(
            folder,
            journal_path=journal,
            resume_path=journal if resume else None,
            dry_run=bool(options.get("dry_run")),
            now=time.time(),
        )
        recorder = recorder or Recorder()
        linker = BatchLinker(
            self.client(hook),
            journal=files.journal,
            backups=files.backups,
            pacer=Pacer(),
            reporter=recorder,
            options=BatchOptions(workers=workers, **options),
            stop=stop,
            sleep=lambda _s: None,
        )
        try:
            summary = linker.run(read_pairs(lines))
        finally:
            files.close()
        return Run(
            summary,
            recorder,
            files.journal.path if files.journal else None,
            files.backups.path if files.backups else None,
        )
