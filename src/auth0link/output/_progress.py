"""Progress of long runs (batch-link, suggest): a rich bar on a terminal, plain lines otherwise.

:meth:`BatchProgress.advance` counts items one by one (pairs); :meth:`BatchProgress.update` sets
the position (a percentage, KiB downloaded or read); :meth:`BatchProgress.skip` takes an item done
by an earlier run out of the total, so the rate and the ETA count only this run's work.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from auth0link.output._text import clean

if TYPE_CHECKING:
    from auth0link.output._streams import Streams


class BatchProgress:
    """Progress of a long run: rich bar (rate, ETA) on a TTY; a plain line every few seconds otherwise."""

    def __init__(
        self, output: Streams, *, total: int | None, label: str, interval: float, unit: str | None = None
    ) -> None:
        """Start the display now; ``unit`` names what one :meth:`advance` counts ("page")."""
        import time

        self._output = output
        self._label = label
        self._unit = unit
        self._total = total
        self._interval = interval
        self._done = 0
        self._skipped = 0
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
                TextColumn(_units(unit, 2) if unit else ""),
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
            self._bar.update(self._task, advance=1, rate=self._rate(rate), status=clean(self._status))
            return
        if now - self._last >= self._interval:
            self._last = now
            self._line(rate)

    def skip(self) -> None:
        """One item that an earlier run finished (``--resume``): not this run's work, so not in the rate.

        The total shrinks by one instead of the count growing: "M/N" is this run's pairs, and the
        rate and ETA are this run's alone.
        """
        self._skipped += 1
        if self._total is not None:
            self._total = max(self._total - 1, self._done)
        if self._bar is not None:
            self._bar.update(self._task, total=self._total)

    def update(self, done: int, *, total: int | None = None, status: str = "") -> None:
        """Set the position to ``done`` (of ``total``, when it becomes known)."""
        import time

        self._done = done
        self._total = total if total is not None else self._total
        self._status = status or self._status
        now = time.monotonic()
        rate = done / max(now - self._started, 1e-6)
        if self._bar is not None:
            self._bar.update(
                self._task,
                completed=done,
                total=self._total,
                rate=self._rate(rate),
                status=clean(self._status),
            )
            return
        if now - self._last >= self._interval:
            self._last = now
            self._line(rate)

    def _rate(self, rate: float) -> str:
        if self._unit == "%":
            return ""  # a percentage has no meaningful rate; the status says the time left
        return f"{rate:.1f} {_units(self._unit, 2)}/s" if self._unit else f"{rate:.1f}/s"

    def _line(self, rate: float) -> None:
        total = f"/{self._total}" if self._total is not None else ""
        eta = ""
        if self._total and rate > 0:
            eta = f", ETA {max(0.0, (self._total - self._done) / rate):.0f} s"
        status = clean(self._status)
        if self._unit is None:
            self._output.info(f"{self._label}: {self._done}{total} ({rate:.1f}/s{eta}) {status}")
            return
        # "scanning users: 2 pages (3.1 pages/s), 200 users read": says what each number counts
        if self._unit == "%":
            counted = f"{self._done}%"
        else:
            unit = _units(self._unit, 1 if self._done == 1 and not total else 2)
            counted = f"{self._done}{total} {unit} ({self._rate(rate)}{eta})"
        self._output.info(f"{self._label}: {counted}{', ' + status if status else ''}")

    def close(self) -> None:
        """Stop the bar (or print a last plain line)."""
        import time

        if self._bar is not None:
            self._bar.stop()
            return
        if self._done:
            self._line(self._done / max(time.monotonic() - self._started, 1e-6))


def _units(unit: str, count: int) -> str:
    """``page`` → ``pages``; symbols (``KiB``, ``%``) stay as they are."""
    return unit if count == 1 or not unit.isalpha() or unit[-1].isupper() else unit + "s"
