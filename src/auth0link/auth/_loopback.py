"""The loopback listener of a browser login: a one-shot HTTP server on ``127.0.0.1``.

It waits for the browser's redirect back (``/callback?code=…&state=…``), accepts the first answer
whose ``state`` matches (compared in constant time), answers the browser with a short page, and
ignores or refuses everything else (a wrong ``state`` is a 400, stray requests a 404). Threaded,
so an idle connection a browser opens speculatively cannot hold up the real callback.
"""

from __future__ import annotations

import dataclasses
import hmac
import html
import http.server
import socket
import threading
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qs, urlsplit

from auth0link.errors import Auth0LinkError

if TYPE_CHECKING:
    from collections.abc import Sequence

CALLBACK_PATH: Final = "/callback"
CALLBACK_HOST: Final = "127.0.0.1"


def callback_urls(ports: Sequence[int], *, host: str = CALLBACK_HOST) -> list[str]:
    """The exact redirect URIs the application must list as Allowed Callback URLs."""
    return [f"http://{host}:{port}{CALLBACK_PATH}" for port in ports]


_PAGE: Final = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>auth0link</title>
<style>body{{font-family:system-ui,sans-serif;margin:4em auto;max-width:34em;color:#222}}</style>
</head><body><h1>{title}</h1><p>{text}</p></body></html>
"""


@dataclasses.dataclass
class Outcome:
    code: str | None = None
    error: str | None = None
    error_description: str | None = None
    rejected_state: int = 0


class Listener(http.server.ThreadingHTTPServer):
    """A loopback HTTP server that records the first valid callback.

    Threaded, so an idle connection a browser opens speculatively (preconnect) cannot hold up the
    real callback; the first valid answer wins (under ``lock``).
    """

    daemon_threads = True

    def __init__(self, port: int, expected_state: str) -> None:
        self.expected_state = expected_state
        self.outcome = Outcome()
        self.done = threading.Event()
        self.lock = threading.Lock()
        super().__init__((CALLBACK_HOST, port), _Handler)


class _Handler(http.server.BaseHTTPRequestHandler):
    server: Listener
    timeout = 10  # seconds a connection may stay silent

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Silence the default access log (it would print the code on stderr)."""

    def _page(self, status: int, title: str, text: str) -> None:
        body = _PAGE.format(title=html.escape(title), text=html.escape(text)).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        """Handle the browser's redirect back (or anything else it asks for)."""
        with self.server.lock:
            self._callback()

    def _callback(self) -> None:
        parts = urlsplit(self.path)
        if parts.path != CALLBACK_PATH or self.server.done.is_set():
            self._page(404, "Not found", "This is auth0link's login listener.")
            return
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        state = query.get("state", "")
        if not hmac.compare_digest(state.encode(), self.server.expected_state.encode()):
            self.server.outcome.rejected_state += 1
            self._page(
                400,
                "Login not accepted",
                "This answer does not belong to the login auth0link started (state mismatch). "
                "Go back to the terminal.",
            )
            return
        outcome = self.server.outcome
        if query.get("error"):
            outcome.error = query["error"]
            outcome.error_description = query.get("error_description") or query["error"]
            self._page(
                200,
                "Login failed",
                f"{outcome.error_description} You can close this tab and go back to the terminal.",
            )
        elif query.get("code"):
            outcome.code = query["code"]
            self._page(
                200,
                "You are logged in",
                "auth0link received the login. It is safe to close this tab and return to the terminal.",
            )
        else:
            self._page(400, "Login not accepted", "The answer has neither a code nor an error.")
            return
        # Only now, with the page handed to the kernel (wfile is unbuffered: sendall), may the login
        # go on: the CLI can exit at once and the browser still gets the whole page (tests pin it).
        self.server.done.set()


def bind_listener(ports: Sequence[int], state: str) -> Listener:
    """Bind the first free port of ``ports`` on 127.0.0.1, or fail naming the URLs to register."""
    busy: list[int] = []
    for port in ports:
        try:
            return Listener(port, state)
        except OSError:
            busy.append(port)
    several = len(busy) > 1
    raise Auth0LinkError(
        f"Cannot listen for the login callback: port{'s' if several else ''} "
        f"{', '.join(map(str, busy))} on {CALLBACK_HOST} {'are' if several else 'is'} in use.",
        hint=(
            f"stop the program using {'them' if several else 'it'}, "
            "or pass --callback-port PORT and register "
            f"http://{CALLBACK_HOST}:PORT{CALLBACK_PATH} in the application's Allowed Callback URLs "
            f"(currently expected: {', '.join(callback_urls(ports))})"
        ),
    )


def port_is_free(port: int) -> bool:
    """True when ``127.0.0.1:port`` can be bound right now (used by ``doctor``)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((CALLBACK_HOST, port))
        except OSError:
            return False
    return True
