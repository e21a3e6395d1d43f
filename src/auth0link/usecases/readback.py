"""When a write's answer is lost: decide from what the tenant shows, never from a guess.

A ``POST`` or ``DELETE`` whose answer never arrived (a timeout after sending, a dropped
connection), failed with a 5xx, or came back as an unreadable 2xx may or may not have been
applied, and a request that timed out on this side can still be applied by the server seconds
later. So callers read the state back a few times (:data:`DELAYS`): if the change shows up, it
happened; if it does not, the outcome is *unknown*, never "not done".
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Final

from auth0link.errors import Auth0LinkError, NetworkError, ServerError

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

#: Seconds to wait before each read-back of an unknown outcome (about 7 s in all).
DELAYS: Final = (0.0, 1.0, 2.0, 4.0)


_NOT_PROCESSED: Final = 503  # "Service Unavailable": refused before processing


def maybe_applied(error: Auth0LinkError) -> bool:
    """True when a write failed in a way that leaves its effect unknown.

    A timeout or dropped connection after sending, a 5xx other than 503 (a gateway may time out
    while the tenant finishes the work), and a 2xx whose body could not be read (it *was*
    applied; reading back recovers the answer).
    """
    if isinstance(error, NetworkError):
        return error.maybe_applied
    return isinstance(error, ServerError) and error.status_code != _NOT_PROCESSED


def read_back(
    probe: Callable[[], bool],
    *,
    sleep: Callable[[float], None] = time.sleep,
    delays: Sequence[float] = DELAYS,
) -> tuple[bool, Auth0LinkError | None]:
    """Call ``probe`` after each delay until it reports the change as applied.

    Returns ``(True, None)`` once ``probe()`` is True, else ``(False, last_error)`` where
    ``last_error`` is the last failure to read (None when every read worked but never showed
    the change). ``(False, …)`` means *unknown*, not "not applied".
    """
    last: Auth0LinkError | None = None
    for delay in delays:
        if delay:
            sleep(delay)
        try:
            if probe():
                return True, None
            last = None
        except Auth0LinkError as exc:
            last = exc
    return False, last
