"""The tenant's clock: injectable, and movable forward for expiry tests (``/__emulator/clock``)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable


class Clock:
    """``now()`` = the wall clock (or an injected one) plus how far the clock was moved."""

    def __init__(self, source: Callable[[], float] = time.time) -> None:
        """A clock reading ``source``, not moved yet."""
        self._source = source
        self._offset = 0.0

    def now(self) -> float:
        """The tenant's time (seconds since the epoch)."""
        return self._source() + self._offset

    @property
    def offset(self) -> float:
        """How far :meth:`advance` moved the clock."""
        return self._offset

    def advance(self, seconds: float) -> None:
        """Move the clock forward."""
        self._offset += seconds

    def reset(self) -> None:
        """Undo :meth:`advance`."""
        self._offset = 0.0
