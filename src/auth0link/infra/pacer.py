"""A pacer that keeps a tenant at its Management API rate limit without 429 storms.

Auth0 limits are a token bucket per tenant: ``x-ratelimit-limit`` is the bucket size (the
burst), ``x-ratelimit-remaining`` the tokens left, ``x-ratelimit-reset`` the UNIX time the bucket
is full again. The sustained (refill) rate is **not** sent, so the pacer measures it:

* It mirrors the server's bucket. Each request takes one token from the mirror before it is
  sent (:meth:`Pacer.acquire`), keeping a reserve of 2 tokens (or a tenth of a small bucket)
  for jitter — in steady state this costs nothing, the send rate is the refill rate; each
  response re-synchronises the mirror to ``remaining - requests still in flight``
  (:meth:`Pacer.observe`), so errors never accumulate.
* The refill rate is measured over a sliding window while the bucket is not full:
  ``rate = (requests answered + Δremaining) / Δt``. Before the first measurement it is estimated
  from ``x-ratelimit-reset``. The mirror refills at 99 % of the measured rate (a small safety
  margin against clock jitter).
* A 429 pauses *every* worker until ``x-ratelimit-reset`` (when the bucket is full again, so
  waiting costs no throughput), instead of each worker retrying on its own (a 429 storm).
* A server that sends no rate-limit headers is not paced.

Thread-safe; the clocks and the wait are injectable for tests. It makes no requests itself:
:func:`paced` runs one request through it (batch-link's pairs, suggest's export job).
"""

from __future__ import annotations

import collections
import threading
import time
from typing import TYPE_CHECKING, Final, TypeVar

from auth0link.errors import ApiError

if TYPE_CHECKING:
    from collections.abc import Callable

    from auth0link.models import RateLimit

_T = TypeVar("_T")

SAFETY: Final = 0.99
WINDOW: Final = 5.0  # seconds of history used to measure the refill rate
RESERVE: Final = 2.0  # tokens left in the server's bucket for jitter (free in steady state)
MIN_SPAN: Final = 0.5  # measure only over at least this many seconds
MAX_WAIT: Final = 60.0
MAX_429_RETRIES: Final = 20
_HTTP_TOO_MANY: Final = 429


class Pacer:
    """A client-side mirror of the tenant's token bucket, shared by all workers."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        safety: float = SAFETY,
        window: float = WINDOW,
        wait: Callable[[float], object] | None = None,
    ) -> None:
        """Start knowing nothing: the first request goes alone to learn the headers.

        ``wait(seconds)`` is how a worker waits for a token, called while holding the pacer's
        condition; the default is that condition's own ``wait``, which an answer ends early. A
        test with a fake ``clock`` passes one that moves its clock instead of sleeping.
        """
        self._clock = clock
        self._wall = wall_clock
        self._safety = safety
        self._window = window
        self._cond = threading.Condition()
        self._wait = self._cond.wait if wait is None else wait
        self.limit: int | None = None
        self.rate: float | None = None
        self.unlimited = False
        self._tokens = 0.0
        self._last_seen: RateLimit | None = None
        self._measured = False
        self._stamp = clock()
        self._inflight = 0
        self._paused_until = 0.0
        self._answered = 0
        self._history: collections.deque[tuple[float, int, int]] = collections.deque()
        self.requests = 0
        self.limited = 0

    # -- sending ----------------------------------------------------------------------------

    def _refill(self, now: float) -> None:
        if self.rate and self.limit is not None:
            self._tokens = min(
                float(self.limit), self._tokens + (now - self._stamp) * self.rate * self._safety
            )
        self._stamp = now

    def _wait_time(self, now: float) -> float | None:
        """Seconds to wait before a token is free, or None when one is free now."""
        if now < self._paused_until:
            return self._paused_until - now
        if self.unlimited:
            return None
        if self.limit is None:  # nothing known yet: one probe request at a time
            return None if self._inflight == 0 else 0.05
        self._refill(now)
        needed = 1.0 + min(RESERVE, self.limit / 10)
        if self._tokens >= needed:
            return None
        if not self.rate:
            return 0.05
        return (needed - self._tokens) / (self.rate * self._safety)

    def acquire(self, stop: threading.Event | None = None) -> bool:
        """Block until a request may be sent; False if ``stop`` was set while waiting."""
        with self._cond:
            while True:
                if stop is not None and stop.is_set():
                    return False
                wait = self._wait_time(self._clock())
                if wait is None:
                    if self.limit is not None and not self.unlimited:
                        self._tokens -= 1.0
                    self._inflight += 1
                    self.requests += 1
                    return True
                self._wait(min(max(wait, 0.001), 0.5))

    # -- answers ----------------------------------------------------------------------------

    def observe(self, rate_limit: RateLimit | None, *, limited: bool = False) -> None:
        """Account for one answered request (``limited``: it was a 429) and its headers."""
        with self._cond:
            self._inflight = max(0, self._inflight - 1)
            now = self._clock()
            if rate_limit is None or rate_limit.limit is None or rate_limit.remaining is None:
                if self.limit is None and not limited:
                    self.unlimited = True
                self._cond.notify_all()
                return
            self.unlimited = False
            if rate_limit is self._last_seen and not limited:
                # The client keeps the *last* headers seen by any worker: already accounted for.
                self._answered += 1
                self._cond.notify_all()
                return
            self._last_seen = rate_limit
            self.limit = rate_limit.limit
            remaining = rate_limit.remaining
            if limited:
                self.limited += 1
                self._pause_until_reset(now, rate_limit)
            else:
                self._answered += 1
                self._measure(now, remaining, rate_limit.reset)
                self._refill(now)
                self._tokens = float(remaining - self._inflight)
            self._cond.notify_all()

    def _pause_until_reset(self, now: float, rate_limit: RateLimit) -> None:
        reset = rate_limit.reset
        wait = (reset - self._wall()) if reset is not None else 1.0
        wait = min(MAX_WAIT, max(0.05, wait))
        self._paused_until = max(self._paused_until, now + wait)
        # At reset the bucket is full again; the requests in flight will take from it.
        self._tokens = float((self.limit or 1) - self._inflight)
        self._stamp = self._paused_until
        self._history.clear()

    def _measure(self, now: float, remaining: int, reset: float | None) -> None:
        limit = self.limit or 0
        if remaining >= limit - 1:  # a full bucket wastes refill: the window would under-measure
            self._history.clear()
        self._history.append((now, self._answered, remaining))
        while self._history and now - self._history[0][0] > self._window:
            self._history.popleft()
        t0, answered0, remaining0 = self._history[0]
        span = now - t0
        if span >= MIN_SPAN:
            measured = ((self._answered - answered0) + (remaining - remaining0)) / span
            if measured > 0:
                self.rate = measured
                self._measured = True
        elif not self._measured and reset is not None and remaining < limit:
            # Until measured: the deficit refills by `reset`. Reset is rounded up to a whole
            # second, so this underestimates the rate (the safe side); keep the best guess.
            guess = (limit - remaining) / max(1.0, reset - self._wall())
            self.rate = max(self.rate or 1.0, guess)


def paced(
    pacer: Pacer,
    request: Callable[[], _T],
    *,
    rate_limit: Callable[[], RateLimit],
    hint: str = "another client is using the tenant's rate limit; try again later",
) -> _T:
    """One request through ``pacer``: a 429 pauses every user of it until the bucket resets, then retries.

    ``rate_limit()`` reads the headers the request's client saw last (``client.rate_limit``);
    that client must not retry 429s itself (``max_rate_limit_retries = 0``). After
    :data:`MAX_429_RETRIES` 429s in a row the request fails with ``hint``.
    """
    for _ in range(MAX_429_RETRIES):
        pacer.acquire()
        try:
            result = request()
        except ApiError as exc:
            limited = exc.status_code == _HTTP_TOO_MANY
            pacer.observe(rate_limit(), limited=limited)
            if limited:
                continue
            raise
        except BaseException:
            pacer.observe(rate_limit())
            raise
        pacer.observe(rate_limit())
        return result
    raise ApiError("The tenant kept answering 429 (rate limited).", status_code=_HTTP_TOO_MANY, hint=hint)
