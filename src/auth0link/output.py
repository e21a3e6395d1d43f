"""Rendering: the only module that imports rich.

Data goes to stdout, everything else (status, warnings, errors, prompts) to stderr. Data is
rendered three ways: a rich table when stdout is a terminal, TSV (with a header unless
``--no-header``) when it is not, and ``--json`` with stable keys for scripts. Colour is off
when ``NO_COLOR`` is set or the stream is not a terminal. Every value shown is stripped of
control characters, so a display name cannot smuggle terminal escapes.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
from typing import IO, TYPE_CHECKING, Any, Final, TextIO, cast

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Sequence

    from rich.console import Console

    from auth0link.errors import Auth0LinkError
    from auth0link.linking import LinkPlan
    from auth0link.login import Check, LoginOutcome, SessionStatus
    from auth0link.models import DeviceAuthorization, Identity, User

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


def _short(value: object, limit: int = 60) -> str:
    """A JSON value on one line, cut to ``limit`` characters."""
    text = clean(json.dumps(value, ensure_ascii=False, default=str))
    return text if len(text) <= limit else text[: limit - 1] + "…"


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

    def link_plan(self, plan: LinkPlan) -> None:
        """What ``link`` is about to do (stderr): who is kept, and the metadata merge."""
        kept = plan.kept.user_id
        if plan.different_accounts is not None:
            current, second = plan.different_accounts
            self.warn("the two accounts have different emails:")
            self.info(f"  logged in:        {clean(current)}")
            self.info(f"  just signed in:   {clean(second)}")
            self.info("  Link them only if both are yours and you just signed in to the second one yourself.")
        self.info(f"Link {clean(plan.absorbed_id)} ({clean(plan.absorbed_email)}) into {clean(kept)}.")
        self.info(
            f"  {clean(kept)} stays the primary user; {clean(plan.absorbed_id)} becomes one of its identities"
        )
        self.info("  and Auth0 discards its own user_metadata and app_metadata.")
        merge = plan.merge
        if merge is None:
            reason = plan.merge_skipped_reason or "no access token for the secondary account"
            self.info(f"  user_metadata: not merged ({clean(reason)}).")
            return
        if not merge.patch and not merge.conflicts:
            self.info(f"  user_metadata: nothing to merge into {clean(kept)}.")
            return
        self.info(f"  user_metadata merge into {clean(kept)}:")
        for key, value in merge.patch.items():
            if key in merge.conflicts:
                old = merge.conflicts[key][0]
                self.info(f"    ~ {clean(key)}: {_short(value)} (replaces {_short(old)})")
            else:
                self.info(f"    + {clean(key)}: {_short(value)}")
        for key, (kept_value, other) in merge.conflicts.items():
            if key not in merge.patch:
                self.info(
                    f"    = {clean(key)}: {_short(kept_value)} (kept; the other account had {_short(other)})"
                )

    def unlink_plan(self, user: User, targets: Sequence[Identity]) -> None:
        """What ``unlink`` is about to do (stderr)."""
        for identity in targets:
            self.info(
                f"Unlink {clean(identity.full_id)} from {clean(user.user_id)}: it becomes a separate user "
                "again, without the metadata it lost when it was linked (find that in the link "
                f"backup: auth0link backups list --user '{clean(identity.full_id)}')."
            )

    def ansi_svg(self, ansi: str, path: str, *, title: str = "auth0link") -> None:
        """Turn captured terminal output (ANSI) of a real run into an SVG (README screenshots)."""
        from rich.text import Text

        self.record_svg(lambda console: console.print(Text.from_ansi(ansi)), path, title=title)

    # -- login, status, doctor ------------------------------------------------------------

    def login_url(self, url: str) -> None:
        """The authorize URL, always on stderr (also when a browser opens)."""
        self.info("Opening the login page in your browser. If it does not open, visit:")
        self.info(f"  {clean(url)}")

    def device_code(self, auth: DeviceAuthorization) -> None:
        """The verification URL and user code (stderr), and a QR code on a terminal."""
        self.info(f"To log in, visit {clean(auth.verification_uri)} and enter the code:")
        self.info(f"  {clean(auth.user_code)}")
        if auth.verification_uri_complete:
            self.info(f"or open: {clean(auth.verification_uri_complete)}")
            if self.stderr_isatty:
                self.qr(auth.verification_uri_complete)

    def qr(self, text: str) -> None:
        """A QR code on stderr when segno (the 'qr' extra) is installed; otherwise nothing."""
        try:
            import segno
        except ImportError:
            return
        segno.make(text, error="l").terminal(out=cast("TextIO", self.stderr), compact=True)
        self.stderr.flush()

    @contextlib.contextmanager
    def waiting(self, message: str) -> Iterator[Callable[[float], None]]:
        """A spinner with the time left on a terminal; silent otherwise.

        Yields a callable taking the seconds remaining (called by the polling loop).
        """
        if not self.stderr_isatty:
            yield lambda _remaining: None
            return
        status = self.console(stderr=True).status(message, spinner="dots")

        def update(remaining: float) -> None:
            minutes, seconds = divmod(int(remaining), 60)
            status.update(f"{message} ({minutes}:{seconds:02d} left, Ctrl-C to cancel)")

        with status:
            yield update

    def login_done(self, outcome: LoginOutcome) -> None:
        """The success line after a login (stderr)."""
        who = clean(outcome.email or outcome.name or outcome.user_id)
        self.success(f"Logged in as {who} ({clean(outcome.user_id)})")
        self.info(f"Tokens stored in {clean(outcome.storage)}.")

    def sessions(self, statuses: Sequence[SessionStatus], *, as_json: bool, env_token: bool) -> None:
        """``auth0link status``: one block per profile (stdout), or JSON."""
        if as_json:
            self.json({"env_token": env_token, "sessions": [s.to_json() for s in statuses]})
            return
        import time

        lines: list[str] = []
        if env_token:
            lines.append("AUTH0LINK_ACCESS_TOKEN is set: commands use it, not the stored sessions.")
            lines.append("  Fix: unset AUTH0LINK_ACCESS_TOKEN to use the stored login.")
        for status in statuses:
            marker = " (active)" if status.active else ""
            lines.append(f"{clean(status.domain)} — profile {clean(status.profile)}{marker}")
            if status.logged_in:
                who = f"{clean(status.user_id)}" + (f" ({clean(status.email)})" if status.email else "")
                lines.append(f"  ✓ Logged in as {who}")
                if status.expires_at is not None:
                    left = int(status.expires_at - time.time())
                    if status.expired:
                        state = "expired; refreshes on next use" if status.refreshable else "expired"
                    else:
                        state = f"expires in {left // 3600} h {left % 3600 // 60} min"
                    lines.append(f"  - Access token: {state}")
                lines.append(f"  - Refresh token: {'yes' if status.refreshable else 'no'}")
                lines.append(f"  - Scopes: {clean(' '.join(status.scopes))}")
            lines.append(f"  - Storage: {clean(status.storage)}")
            lines.extend(f"  X {clean(problem)}" for problem in status.problems)
        self.data("\n".join(lines) if lines else "No sessions.")

    def doctor(self, checks: Sequence[Check], *, as_json: bool) -> None:
        """``auth0link doctor``: one line per check, with the fix under each failure (stdout)."""
        if as_json:
            self.json({"ok": all(c.ok is not False for c in checks), "checks": [c.to_json() for c in checks]})
            return
        lines = []
        for check in checks:
            mark = {True: "✓", False: "X", None: "-"}[check.ok]
            lines.append(f"{mark} {clean(check.name)}: {clean(check.detail)}")
            if check.fix and check.ok is not True:
                lines.append(f"    fix: {clean(check.fix)}")
        self.data("\n".join(lines))

    def record_svg(self, render: Any, path: str, *, title: str = "auth0link") -> None:
        """Render with ``render(console)`` into an SVG file (README screenshots)."""
        import io

        from rich.console import Console

        console = Console(
            record=True, file=io.StringIO(), width=self.width or 100, force_terminal=True, markup=False
        )
        render(console)
        console.save_svg(path, title=title)

    # -- suggest (stdout) ------------------------------------------------------------------

    def rows(
        self,
        columns: Sequence[str],
        rows: Iterable[Sequence[object]],
        *,
        as_json: bool = False,
        header: bool = True,
        title: str | None = None,
    ) -> int:
        """Stream rows: JSON lines with ``--json``, TSV when piped (one line each, flushed), else a table.

        Returns the number of rows written.
        """
        count = 0
        if as_json:
            for row in rows:
                self.data(json.dumps(dict(zip(columns, row, strict=True)), ensure_ascii=False))
                count += 1
            return count
        if not self.stdout_isatty:
            if header:
                self.data("\t".join(columns))
            for row in rows:
                self.data("\t".join(clean(v).replace("\t", " ") for v in row))
                count += 1
            return count
        materialised = [tuple(row) for row in rows]
        if materialised:
            self.table(columns, materialised, title=title, header=header)
        return len(materialised)

    # -- batch progress (stderr) -------------------------------------------------------------

    def progress(self, *, total: int | None, label: str, interval: float = 5.0) -> BatchProgress:
        """A progress display on stderr: a rich bar with rate and ETA on a TTY, else plain lines."""
        return BatchProgress(self, total=total, label=label, interval=interval)


class BatchProgress:
    """Progress of a long run: rich bar (rate, ETA) on a TTY; a plain line every few seconds otherwise."""

    def __init__(self, output: Output, *, total: int | None, label: str, interval: float) -> None:
        """Start the display now."""
        import time

        self._output = output
        self._label = label
        self._total = total
        self._interval = interval
        self._done = 0
        self._status = ""
        self._started = time.monotonic()
        self._last = self._started
        self._bar: Any = None
        self._task: Any = None
        if output.stderr_isatty:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]}"),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                TextColumn("{task.fields[status]}"),
                console=output.console(stderr=True),
                transient=False,
            )
            self._task = self._bar.add_task(label, total=total, rate="", status="")
            self._bar.start()

    def advance(self, status: str = "") -> None:
        """One more item done; ``status`` is a short summary shown beside the bar."""
        import time

        self._done += 1
        self._status = status or self._status
        now = time.monotonic()
        rate = self._done / max(now - self._started, 1e-6)
        if self._bar is not None:
            self._bar.update(self._task, advance=1, rate=f"{rate:.1f}/s", status=clean(self._status))
            return
        if now - self._last >= self._interval:
            self._last = now
            self._line(rate)

    def _line(self, rate: float) -> None:
        total = f"/{self._total}" if self._total is not None else ""
        eta = ""
        if self._total and rate > 0:
            eta = f", ETA {max(0.0, (self._total - self._done) / rate):.0f} s"
        self._output.info(f"{self._label}: {self._done}{total} ({rate:.1f}/s{eta}) {clean(self._status)}")

    def close(self) -> None:
        """Stop the bar (or print a last plain line)."""
        import time

        if self._bar is not None:
            self._bar.stop()
            return
        if self._done:
            self._line(self._done / max(time.monotonic() - self._started, 1e-6))
