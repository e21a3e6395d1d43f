"""``--ready-file`` and ``--pid-file``: tell another process, in any language, that the emulator serves.

A harness starts ``auth0link emulator --ready-file F`` and waits until ``F`` exists: it then
holds the same JSON line ``--json`` prints, and the server already answers requests (the file
is written after uvicorn has started serving the bound socket, not when the banner is printed).
``--pid-file`` holds the process ID (decimal, newline), written at the same moment, for
harnesses that stop it with ``kill -TERM``.

Both files are published whole, mode 0600 (the line holds the demo clients' secrets): written
to a temporary file in the same folder, then renamed, so a reader never sees half of one. A
file left at either path by an earlier run that was killed is removed at start, before the
port is bound, so a waiter never mistakes it for this run's. Both are removed when the
emulator stops (SIGTERM or SIGINT, exit 0), after ``--state`` is saved.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from .. import EmulatorError


class ReadyFiles:
    """The ``--ready-file`` and ``--pid-file`` of one run (either may be ``None``)."""

    def __init__(self, ready_file: Path | None, pid_file: Path | None) -> None:
        """Remember the paths; nothing is written yet."""
        self.ready_file = ready_file
        self.pid_file = pid_file
        self._written: list[Path] = []

    def clear_stale(self) -> None:
        """Check the folders; remove what an earlier run left at these paths (one killed with SIGKILL).

        Raises :class:`~auth0link.emulator.EmulatorError` for a missing folder or a path that
        is a folder, before anything is served.
        """
        for path, flag in ((self.ready_file, "--ready-file"), (self.pid_file, "--pid-file")):
            if path is None:
                continue
            if not path.parent.is_dir():
                raise EmulatorError(f"invalid {flag} {path}: its folder does not exist; create it first")
            if path.is_dir():
                raise EmulatorError(f"invalid {flag} {path}: it is a folder; name a file")
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

    def publish(self, ready_line: str) -> None:
        """Write the ready line and the process ID (the server answers requests from now on).

        Raises :class:`~auth0link.emulator.EmulatorError` if a file cannot be written (the
        emulator then stops: a harness waiting for the file would wait forever).
        """
        for path, flag, text in (
            (self.pid_file, "--pid-file", f"{os.getpid()}\n"),
            (self.ready_file, "--ready-file", ready_line),  # last: a waiter on it finds the PID file too
        ):
            if path is None:
                continue
            try:
                _publish(path, text)
            except OSError as exc:
                raise EmulatorError(
                    f"cannot write {flag} {path} ({exc.strerror}); choose another path"
                ) from exc
            self._written.append(path)

    def remove(self) -> None:
        """Remove the files :meth:`publish` wrote (the emulator has stopped serving)."""
        for path in self._written:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        self._written.clear()


def _publish(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` whole (temporary file + rename), mode 0600 from the first byte."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        Path(tmp).replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            Path(tmp).unlink()
        raise
