"""The Management API rate limit: one token bucket per tenant, as Auth0's.

``--rate-limit N/s`` sets a sustained rate of N requests per second with a burst of N;
``--rate-limit N/s:B`` sets the burst to B (Auth0's production figures are ``16/s:50``). Without
it the bucket is effectively unlimited, but the ``x-ratelimit-*`` headers are still sent.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .. import EmulatorError

if TYPE_CHECKING:
    from collections.abc import Callable

UNLIMITED = 1_000_000.0
_SPEC = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*/\s*s\s*(?::\s*(\d+))?\s*$")


def parse_rate_limit(spec: str) -> tuple[float, int]:
    """Parse ``N/s`` or ``N/s:BURST`` into ``(rate, burst)``."""
    match = _SPEC.match(spec)
    if match is None or float(match.group(1)) <= 0:
        raise EmulatorError(f"invalid --rate-limit {spec!r}: use N/s or N/s:BURST with N > 0, e.g. 16/s:50")
    rate = float(match.group(1))
    burst = int(match.group(2)) if match.group(2) else max(1, math.ceil(rate))
    if burst < 1:
        raise EmulatorError(f"invalid --rate-limit {spec!r}: the burst must be at least 1")
    return rate, burst


@dataclass
class TokenBucket:
    """A token bucket refilled continuously at ``rate`` per second up to ``burst``."""

    rate: float = UNLIMITED
    burst: int = int(UNLIMITED)
    clock: Callable[[], float] = time.monotonic
    wall_clock: Callable[[], float] = time.time
    _tokens: float = field(init=False)
    _updated: float = field(init=False)

    def __post_init__(self) -> None:
        """Start full."""
        self._tokens = float(self.burst)
        self._updated = self.clock()

    def take(self) -> tuple[bool, dict[str, str]]:
        """Try to take one token; return whether allowed and the ``x-ratelimit-*`` headers."""
        now = self.clock()
        self._tokens = min(float(self.burst), self._tokens + (now - self._updated) * self.rate)
        self._updated = now
        allowed = self._tokens >= 1.0
        if allowed:
            self._tokens -= 1.0
        missing = float(self.burst) - self._tokens
        # x-ratelimit-reset: UNIX epoch seconds when the bucket will be full again.
        reset = math.ceil(self.wall_clock() + missing / self.rate)
        return allowed, {
            "x-ratelimit-limit": str(self.burst),
            "x-ratelimit-remaining": str(int(self._tokens)),
            "x-ratelimit-reset": str(reset),
        }
