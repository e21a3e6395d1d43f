"""Cross-site request forgery protection for every hosted form (login, consent, device, codes).

A browser gets a random ``auth0_csrf`` cookie (``HttpOnly``, ``SameSite=Lax``; ``Secure`` over
HTTPS) with the first hosted page it loads. Every ``<form method="post">`` of a hosted page that
posts to the emulator itself carries a hidden ``_csrf`` field: an HMAC of that cookie under a
per-start secret, so the page never shows the cookie itself. A ``POST`` to ``/u/…`` or
``/activate`` is refused (403, the error page) unless

- its ``Origin``, when sent, is the emulator's own (``scheme://Host``): a foreign page's form is
  refused even before the token is looked at, and
- its ``_csrf`` field matches the browser's cookie.

So a page elsewhere cannot make a signed-in browser confirm an attacker's device code, accept a
consent or submit a login: it can neither read the cookie nor compute the field. The form
``/authorize`` answers in ``form_post`` mode posts to the application, not here, and gets no
field. The check sits in one middleware, so new hosted forms are covered without code of their own.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from http.cookies import SimpleCookie
from typing import TYPE_CHECKING, Final
from urllib.parse import parse_qsl

from starlette.datastructures import MutableHeaders

from ..pages import hosted
from .limits import read_body, replay
from .shared import html

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE: Final = "auth0_csrf"
FIELD: Final = "_csrf"
PROTECTED_PREFIXES: Final = ("/u/", "/activate")
# Where hosted pages (with forms) are served: everything but the APIs. The Management API, the
# token endpoints and the control endpoints never parse the cookie (their hot path stays lean).
_API_PREFIXES: Final = ("/api/v2/", "/oauth/", "/__emulator/", "/.well-known/", "/userinfo")
_FORM_TAG = re.compile(r"<form\b[^>]*>", re.IGNORECASE)
_POST = re.compile(r"""\bmethod\s*=\s*["']?post\b""", re.IGNORECASE)
_ACTION = re.compile(r"""\baction\s*=\s*["']([^"']*)["']""", re.IGNORECASE)
_COOKIE_VALUE = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


def _cookie_of(scope: Scope) -> str | None:
    for key, value in scope["headers"]:
        if key == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # noqa: BLE001, S112 - a malformed Cookie header is no cookie
                continue
            morsel = jar.get(COOKIE)
            if morsel is not None and _COOKIE_VALUE.match(morsel.value):
                return morsel.value
    return None


def _header(scope: Scope, name: bytes) -> str | None:
    return next((v.decode("latin-1") for k, v in scope["headers"] if k == name), None)


def _own_form(tag: str) -> bool:
    """A ``method="post"`` form whose action is on this server (a path, not another origin)."""
    if not _POST.search(tag):
        return False
    action = _ACTION.search(tag)
    return action is None or (action.group(1).startswith("/") and not action.group(1).startswith("//"))


class CsrfMiddleware:
    """Check the origin and token of hosted-form posts; add the token to hosted forms."""

    def __init__(self, app: ASGIApp, *, secure: bool) -> None:
        """Wrap ``app``; ``secure``: the cookie gets ``Secure`` (HTTPS)."""
        self.app = app
        self.secure = secure
        self._secret = secrets.token_bytes(32)

    def token(self, cookie: str) -> str:
        """The form field for a browser with this cookie."""
        return hmac.new(self._secret, cookie.encode(), hashlib.sha256).hexdigest()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI entry point."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"].startswith(_API_PREFIXES):
            await self.app(scope, receive, send)
            return
        cookie = _cookie_of(scope)
        if scope["method"] == "POST" and scope["path"].startswith(PROTECTED_PREFIXES):
            body = await read_body(receive)  # already read and bounded by .limits, replayed
            if not self._allowed(scope, cookie, body):
                await html(
                    hosted.error(
                        "access_denied", "The form came from another site or has expired; reload the page."
                    ),
                    403,
                )(scope, replay(b"", receive), send)
                return
            receive = replay(body, receive)
        await self.app(scope, receive, self._injecting(send, cookie))

    def _allowed(self, scope: Scope, cookie: str | None, body: bytes) -> bool:
        origin = _header(scope, b"origin")
        host = _header(scope, b"host")
        own = f"{'https' if self.secure else 'http'}://{host}".lower()
        if origin is not None and origin.lower() != own:
            return False
        sent = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)).get(FIELD, "")
        return cookie is not None and hmac.compare_digest(sent.encode(), self.token(cookie).encode())

    def _injecting(self, send: Send, cookie: str | None) -> Send:
        """``send`` adding the hidden field to hosted forms (and the cookie when the browser has none)."""
        value = cookie or secrets.token_urlsafe(32)
        field = f'<input type="hidden" name="{FIELD}" value="{self.token(value)}">'
        start: Message | None = None
        chunks: list[bytes] = []

        async def injecting(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if not headers.get("content-type", "").startswith("text/html"):
                    await send(message)
                    return
                start = message
                return
            if start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            text = b"".join(chunks).decode("utf-8")
            forms = [m for m in _FORM_TAG.finditer(text) if _own_form(m.group())]
            for match in reversed(forms):
                text = text[: match.end()] + field + text[match.end() :]
            raw = text.encode("utf-8")
            headers = MutableHeaders(scope=start)
            headers["content-length"] = str(len(raw))
            if forms and cookie is None:
                attributes = "; Secure" if self.secure else ""
                headers.append("set-cookie", f"{COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax{attributes}")
            await send(start)
            await send({"type": "http.response.body", "body": raw})

        return injecting
