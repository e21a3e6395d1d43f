"""Who may talk to the emulator: its own ``Host`` only, and ``/__emulator/*`` with the start's secret.

Two checks in front of every route (before CORS, faults and the rate limit):

- **Host.** A request whose ``Host`` names another host (``rebind.attacker.example``: a web page
  whose name now resolves to 127.0.0.1, "DNS rebinding") is refused with 403 ``invalid_host``.
  The emulator's own host, ``localhost`` and loopback addresses are its names; with a port, it
  must be the emulator's.
- **Control secret.** ``/__emulator/*`` (except ``/__emulator/health``) drives the tenant: it
  reads one-time codes, every user, moves the clock and injects faults. Each start makes a random
  secret (:attr:`.Emulator.control_token`), printed in the ``--json`` line (``control_token``) and
  the ``export`` lines (``AUTH0LINK_EMULATOR_TOKEN``); a control request sends it as
  ``X-Emulator-Token: SECRET`` or ``Authorization: Bearer SECRET``, else 401.
"""

from __future__ import annotations

import hmac
import json
from typing import TYPE_CHECKING, Final
from urllib.parse import urlsplit

from .urls import is_loopback_host

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send

TOKEN_HEADER: Final = "x-emulator-token"  # noqa: S105 - a header name, not a secret
TOKEN_ENV: Final = "AUTH0LINK_EMULATOR_TOKEN"  # noqa: S105 - a variable name, not a secret
CONTROL_PREFIX: Final = "/__emulator/"
OPEN_PATHS: Final = frozenset({"/__emulator/health"})


def control_headers(token: str) -> dict[str, str]:
    """The header that authorises a ``/__emulator/*`` call."""
    return {TOKEN_HEADER: token}


class GuardMiddleware:
    """Refuse foreign ``Host`` headers everywhere and unauthenticated control calls."""

    def __init__(self, app: ASGIApp, *, base_url: str, token: str) -> None:
        """Guard ``app`` serving ``base_url`` with the control secret ``token``."""
        self.app = app
        parts = urlsplit(base_url)
        self.hostname = (parts.hostname or "").lower()
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.token = token.encode("ascii")

    def host_allowed(self, host: str) -> bool:
        """Whether a ``Host`` header names this emulator."""
        try:
            parts = urlsplit("//" + host)
            port = parts.port
        except ValueError:
            return False
        name = (parts.hostname or "").lower()
        if not name or (name != self.hostname and not is_loopback_host(name)):
            return False
        return port is None or port == self.port

    def authorised(self, scope: Scope) -> bool:
        """Whether a control request carries the secret (header or bearer token)."""
        for key, value in scope["headers"]:
            if key == TOKEN_HEADER.encode() and hmac.compare_digest(value, self.token):
                return True
            if key == b"authorization" and hmac.compare_digest(value, b"Bearer " + self.token):
                return True
        return False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI entry point."""
        if scope["type"] == "http":
            host = next((v for k, v in scope["headers"] if k == b"host"), None)
            if host is not None and not self.host_allowed(host.decode("latin-1")):
                await _refuse(send, 403, "invalid_host", "This server answers to its own host name only.")
                return
            path: str = scope["path"]
            if path.startswith(CONTROL_PREFIX) and path not in OPEN_PATHS and not self.authorised(scope):
                await _refuse(
                    send,
                    401,
                    "unauthorized",
                    f"Send the emulator's control token ({TOKEN_ENV}) in the {TOKEN_HEADER} header.",
                )
                return
        await self.app(scope, receive, send)


async def _refuse(send: Send, status: int, error: str, description: str) -> None:
    body = json.dumps({"error": error, "error_description": description}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
