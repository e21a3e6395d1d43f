"""Clickjacking protection for every hosted page, as Auth0's Universal Login sends by default.

An HTML answer gets ``X-Frame-Options: deny`` and ``Content-Security-Policy: frame-ancestors
'none'`` unless it set its own policy: the ``web_message`` and ``form_post`` answers of
:mod:`.delivery` run in an iframe of the application and allow exactly its origin
(:func:`frame_ancestors`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.datastructures import MutableHeaders

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

DENY = {"x-frame-options": "deny", "content-security-policy": "frame-ancestors 'none'"}


def frame_ancestors(origin: str) -> dict[str, str]:
    """Headers letting only ``origin`` frame a page (a silent-authentication iframe)."""
    return {"content-security-policy": f"frame-ancestors {origin}"}


class FramingMiddleware:
    """Add :data:`DENY` to every ``text/html`` answer that has no CSP of its own."""

    def __init__(self, app: ASGIApp) -> None:
        """Wrap ``app``."""
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI entry point."""
        if scope["type"] != "http" or scope["path"].startswith("/api/v2/"):  # JSON only: the hot path
            await self.app(scope, receive, send)
            return

        async def guarded(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                html = headers.get("content-type", "").startswith("text/html")
                if html and "content-security-policy" not in headers:
                    for name, value in DENY.items():
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, guarded)
