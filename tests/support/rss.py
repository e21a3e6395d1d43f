"""Peak RSS of a child process, for the benchmarks: its ``VmHWM``, sampled from ``/proc`` while it runs.

Not ``wait4``'s ``ru_maxrss``: Linux counts in it the parent's RSS at the fork (the child's
memory before ``exec`` is a copy of the parent's, and ``exec`` folds that copy's high-water mark
into the figure), so a benchmark process holding a few megabytes of test data inflates every
child's figure to its own size. ``VmHWM`` belongs to the memory the child has after ``exec``.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Self

if TYPE_CHECKING:
    import subprocess
    from types import TracebackType


def vm_hwm_mb(pid: int) -> float:
    """``VmHWM`` of ``pid`` in MB (0.0 once it has exited, or where there is no /proc)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return 0.0


class PeakRss:
    """``with PeakRss(process) as peak: …; peak.mb``: the highest ``VmHWM`` seen every ``interval`` s."""

    def __init__(self, process: subprocess.Popen[bytes], interval: float = 0.02) -> None:
        """Sample ``process`` from a thread until the block ends."""
        self.process = process
        self.interval = interval
        self.mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():  # no poll(): reaping the child is the caller's business
            self.mb = max(self.mb, vm_hwm_mb(self.process.pid))
            self._stop.wait(self.interval)

    def __enter__(self) -> Self:
        """Start sampling."""
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Stop sampling."""
        self._stop.set()
        self._thread.join()
