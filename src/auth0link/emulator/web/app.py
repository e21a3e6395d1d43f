"""The emulator's ASGI application, wired in one place.

access log → guard (Host, control secret) → limits (body size, JSON depth, slow bodies) → CORS
→ fault injection → framing headers → CSRF (hosted forms) → routes.

``/api/v2/*`` goes straight to the lean :class:`~.api.ManagementAPI`; everything else goes to
one Starlette router built from the route lists of the Authentication API modules (discovery,
authorize, the login pages, the device pages, the token endpoints, SSO/logout) and of the
``/__emulator`` control endpoints. A new group of endpoints adds its ``ROUTES`` to :data:`ROUTES`.
CORS (:mod:`.cors`) answers preflights before faults and the rate limit see them.
"""

from __future__ import annotations

import logging
import secrets
import time
from typing import TYPE_CHECKING

from starlette.applications import Starlette

from ..authn import (
    authorize,
    cross_origin,
    device,
    discovery,
    embedded,
    oauth,
    password_reset,
    sso,
    universal_login,
)
from ..mgmt import downloads
from ..mgmt.api import ManagementAPI
from ..protocol.cors import CorsMiddleware
from ..protocol.rate_limit import UNLIMITED, TokenBucket
from . import control
from .csrf import CsrfMiddleware
from .faults import DropConnection, FaultMiddleware, FaultRegistry, FaultRule
from .framing import FramingMiddleware
from .guard import GuardMiddleware
from .limits import LimitsMiddleware
from .shared import with_json_charset

if TYPE_CHECKING:
    from starlette.types import Message, Receive, Scope, Send

    from ..state.tenant import Tenant

LOG = logging.getLogger("auth0link.emulator")
ROUTES = [
    *discovery.ROUTES,
    *authorize.ROUTES,
    *universal_login.ROUTES,
    *device.ROUTES,
    *oauth.ROUTES,
    *embedded.ROUTES,
    *password_reset.ROUTES,
    *cross_origin.ROUTES,
    *sso.ROUTES,
    *control.ROUTES,
    *downloads.ROUTES,
]


class Emulator:
    """One emulated tenant served over ASGI."""

    def __init__(
        self,
        tenant: Tenant,
        *,
        rate_limit: tuple[float, int] | None = None,
        faults: list[FaultRule] | None = None,
        access_log: bool = False,
        control_token: str | None = None,
    ) -> None:
        """Wire the tenant, its rate limit, its fault rules and the routers together."""
        self.tenant = tenant
        #: this start's secret for ``/__emulator/*`` (see :mod:`.guard`)
        self.control_token = control_token or secrets.token_urlsafe(32)
        tenant.keep_initial()
        rate, burst = rate_limit or (UNLIMITED, int(UNLIMITED))
        self.bucket = TokenBucket(rate=rate, burst=burst, clock=time.monotonic)
        self.faults = FaultRegistry(list(faults or []))
        self.access_log = access_log
        self.router = Starlette(routes=ROUTES)
        self.router.state.tenant = tenant
        self.router.state.emulator = self
        self.management = ManagementAPI(tenant, self.bucket)
        secure = tenant.base_url.startswith("https://")
        self._pages = FramingMiddleware(CsrfMiddleware(self._dispatch, secure=secure))
        self._faulted = GuardMiddleware(
            LimitsMiddleware(CorsMiddleware(FaultMiddleware(self._pages, self.faults), tenant)),
            base_url=tenant.base_url,
            token=self.control_token,
        )

    def reset(self) -> None:
        """Back to the initial users; forget sessions, codes, tokens, outbox, faults, clock moves."""
        self.tenant.reset()
        self.faults.rules.clear()
        self.bucket = TokenBucket(rate=self.bucket.rate, burst=self.bucket.burst, clock=time.monotonic)
        self.management.bucket = self.bucket

    async def _dispatch(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/api/v2/"):
            await self.management(scope, receive, send)
        else:
            await self.router(scope, receive, with_json_charset(send))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI entry point."""
        if scope["type"] != "http" or not self.access_log:
            await (self._faulted if scope["type"] == "http" else self.router)(scope, receive, send)
            return
        started = time.perf_counter()
        status: int | str = 0

        async def logged_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self._faulted(scope, receive, logged_send)
        except DropConnection:
            status = f"{status} (dropped)"
            raise
        finally:
            # The path only: query strings may carry codes, states or user codes.
            LOG.info(
                "%s %s %s %.1fms",
                scope["method"],
                scope["path"],
                status or "-",
                (time.perf_counter() - started) * 1000,
            )


def create_app(
    tenant: Tenant,
    *,
    rate_limit: tuple[float, int] | None = None,
    faults: list[FaultRule] | None = None,
    access_log: bool = False,
) -> Emulator:
    """Build the ASGI app for ``tenant``."""
    return Emulator(tenant, rate_limit=rate_limit, faults=faults, access_log=access_log)
