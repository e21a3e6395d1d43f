"""The pacer: mirrors the tenant's token bucket, measures the refill rate, pauses everyone on 429."""

from __future__ import annotations

import pytest

from auth0link.errors import ApiError
from auth0link.infra.pacer import MAX_429_RETRIES, Pacer, paced
from auth0link.models import RateLimit


class FakeTime:
    """A clock that moves only when told, or when the pacer waits on it (it never sleeps for real)."""

    def __init__(self) -> None:
        """Start at t=0 (wall clock 1,000,000)."""
        self.now = 0.0

    def mono(self) -> float:
        """Monotonic time."""
        return self.now

    def wall(self) -> float:
        """UNIX time."""
        return 1_000_000.0 + self.now

    def wait(self, seconds: float) -> None:
        """The pacer's wait: the time passes at once."""
        self.now += seconds


def simulate(pacer: Pacer, clock: FakeTime, *, rate: float, burst: int, seconds: float) -> tuple[int, int]:
    """Drive the pacer against a simulated token bucket; returns (accepted, rejected) requests."""
    tokens = float(burst)
    accepted = rejected = 0
    step = 0.001
    while clock.now < seconds:
        tokens = min(float(burst), tokens + rate * step)
        if pacer._wait_time(clock.now) is None:
            assert pacer.acquire()
            if tokens >= 1:
                tokens -= 1
                accepted += 1
                remaining = int(tokens)
                pacer.observe(RateLimit(burst, remaining, clock.wall() + (burst - tokens) / rate))
            else:
                rejected += 1
                pacer.observe(RateLimit(burst, 0, clock.wall() + burst / rate), limited=True)
        clock.now += step
    return accepted, rejected


@pytest.mark.parametrize(("rate", "burst"), [(50.0, 50), (16.0, 50), (2.0, 10)])
def test_sustains_at_least_95_percent_of_the_limit_without_429(rate: float, burst: int) -> None:
    """Against a token bucket of any rate/burst, the pacer reaches >= 95 % of the refill rate, no 429."""
    clock = FakeTime()
    pacer = Pacer(clock=clock.mono, wall_clock=clock.wall)
    seconds = 20.0
    accepted, rejected = simulate(pacer, clock, rate=rate, burst=burst, seconds=seconds)
    sustained = (accepted - burst) / seconds
    assert sustained >= 0.95 * rate
    assert rejected <= 1
    assert pacer.rate == pytest.approx(rate, rel=0.15)  # `remaining` is floored: coarse at 2/s


def test_a_429_pauses_every_worker_until_reset() -> None:
    """After a 429 no request may start before x-ratelimit-reset."""
    clock = FakeTime()
    pacer = Pacer(clock=clock.mono, wall_clock=clock.wall)
    assert pacer.acquire()
    pacer.observe(RateLimit(10, 0, clock.wall() + 2.0), limited=True)
    assert pacer.limited == 1
    wait = pacer._wait_time(clock.now)
    assert wait == pytest.approx(2.0)
    clock.now = 2.01
    assert pacer._wait_time(clock.now) is None


def test_first_request_goes_alone_then_unpaced_without_headers() -> None:
    """Before any headers only one probe is in flight; a server without headers is not paced."""
    clock = FakeTime()
    pacer = Pacer(clock=clock.mono, wall_clock=clock.wall)
    assert pacer.acquire()
    assert pacer._wait_time(clock.now) == 0.05
    pacer.observe(RateLimit(None, None, None))
    assert pacer.unlimited
    for _ in range(100):
        assert pacer._wait_time(clock.now) is None
        pacer.acquire()


def test_stop_event_ends_a_wait() -> None:
    """acquire returns False at once when the stop event is set (Ctrl-C while waiting)."""
    import threading

    stop = threading.Event()
    stop.set()
    assert not Pacer().acquire(stop)


class TickingTime(FakeTime):
    """A clock that moves 0.3 s each time it is read (a pause ends after a few short waits)."""

    def mono(self) -> float:
        """Monotonic time, a tick later."""
        self.now += 0.3
        return self.now


def test_paced_retries_a_429_after_the_pause_and_returns_the_answer() -> None:
    """paced(): a 429 pauses the pacer until reset, then the request is sent again and its answer returned."""
    clock = TickingTime()
    pacer = Pacer(clock=clock.mono, wall_clock=clock.wall, wait=clock.wait)
    seen: list[float] = []
    headers = RateLimit(10, 0, clock.wall() + 1.0)

    def request() -> str:
        seen.append(clock.wall())
        if len(seen) == 1:
            raise ApiError("Too many requests", status_code=429)
        return "answer"

    assert paced(pacer, request, rate_limit=lambda: headers) == "answer"
    assert len(seen) == 2
    assert headers.reset is not None
    assert seen[1] >= headers.reset  # not before x-ratelimit-reset
    assert (pacer.requests, pacer.limited) == (2, 1)


def test_paced_gives_up_after_a_run_of_429s_with_the_hint() -> None:
    """paced(): a tenant that keeps answering 429 fails with the caller's hint, other errors pass through."""
    clock = TickingTime()
    pacer = Pacer(clock=clock.mono, wall_clock=clock.wall, wait=clock.wait)

    def limited() -> None:
        raise ApiError("Too many requests", status_code=429)

    with pytest.raises(ApiError, match="kept answering 429") as caught:
        paced(pacer, limited, rate_limit=lambda: RateLimit(10, 0, clock.wall() + 1.0), hint="wait")
    assert caught.value.hint == "wait"
    assert pacer.limited == MAX_429_RETRIES

    def refused() -> None:
        raise ApiError("Forbidden", status_code=403)

    with pytest.raises(ApiError, match="Forbidden"):
        paced(pacer, refused, rate_limit=lambda: RateLimit(10, 5, clock.wall() + 1.0))


def test_a_pause_passes_through_the_injected_wait_not_a_real_sleep() -> None:
    """acquire() during a 30 s pause waits only through ``wait=``: a fake clock passes it without sleeping."""
    import time

    clock = FakeTime()
    waits: list[float] = []

    def wait(seconds: float) -> None:
        waits.append(seconds)
        clock.wait(seconds)

    pacer = Pacer(clock=clock.mono, wall_clock=clock.wall, wait=wait)
    pacer.observe(RateLimit(10, 0, clock.wall() + 30.0), limited=True)
    started = time.monotonic()
    assert pacer.acquire()
    assert time.monotonic() - started < 1.0
    assert clock.now >= 30.0
    assert waits
    assert max(waits) <= 0.5  # woken at least every half second (a stop event is noticed)
