"""What the Starlette routes share: the tenant of a request, responses, forms, the transaction guard.

:func:`in_transaction` is the one guard of the hosted pages: it reads the form (for a POST),
finds the login transaction named by ``state`` in one of the states the page accepts, and answers
"unknown or expired" itself when there is none, so a handler always gets a live transaction.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse

from ..pages import hosted
from .urls import is_loopback_web_url

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.types import Message, Send

    from ..protocol.transaction import Transaction, TxState
    from ..state.applications import Client
    from ..state.tenant import Tenant

    Handler = Callable[[Request], Awaitable[Response]]
    TxHandler = Callable[[Request, Transaction, dict[str, str]], Awaitable[Response]]


def tenant_of(request: Request) -> Tenant:
    """The tenant this app serves."""
    tenant: Tenant = request.app.state.tenant
    return tenant


def cross_origin(request: Request) -> str | None:
    """The ``Origin`` of a browser request from another origin (``None``: not cross-origin)."""
    origin = request.headers.get("origin")
    if origin is None or origin.lower() == tenant_of(request).origin:
        return None
    return origin.lower()


def html(body: str, status: int = 200) -> HTMLResponse:
    """An uncacheable HTML page."""
    return HTMLResponse(body, status_code=status, headers={"cache-control": "no-store"})


def json_reply(status: int, body: dict[str, Any]) -> JSONResponse:
    """An uncacheable JSON answer (as Auth0's token endpoints send)."""
    return JSONResponse(body, status_code=status, headers={"cache-control": "no-store", "pragma": "no-cache"})


def redirect(url: str) -> RedirectResponse:
    """A 302 that no cache keeps."""
    return RedirectResponse(url, status_code=302, headers={"cache-control": "no-store"})


def with_query(uri: str, params: dict[str, str]) -> str:
    """``uri`` with ``params`` appended to its query."""
    separator = "&" if urlsplit(uri).query else "?"
    return f"{uri}{separator}{urlencode(params)}"


def page_url(path: str, tx: Transaction, **extra: str) -> str:
    """A hosted page of transaction ``tx`` (``/u/…?state=…``)."""
    return f"{path}?{urlencode({'state': tx.id, **extra})}"


def is_non_verifiable(uri: str) -> bool:
    """Loopback HTTP and custom-scheme callbacks cannot be verified (``.localhost`` can)."""
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https"):
        return True
    return is_loopback_web_url(uri)


def needs_confirmation(client: Client, redirect_uri: str) -> bool:
    """Whether Auth0 shows the non-verifiable callback confirmation screen for this callback.

    Auth0 describes the screen for native applications (mobile, desktop, CLIs); a single-page
    or regular web application's loopback callback is a dev server, not an app that another
    program could impersonate, so the emulator shows it to native clients only (undocumented).
    """
    return (
        client.app_type == "native"
        and is_non_verifiable(redirect_uri)
        and not client.skip_non_verifiable_callback_uri_confirmation_prompt
    )


async def read_form(request: Request) -> dict[str, str]:
    """A plain urlencoded form (no python-multipart dependency); the last value wins."""
    raw = await request.body()
    return dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))


async def read_json_or_form(request: Request) -> dict[str, Any] | None:
    """A JSON object (``application/json``) or a urlencoded form; ``None`` for anything else.

    Nested JSON values are kept (``user_metadata``), as the Authentication API's JSON endpoints do.
    """
    import json

    raw = await request.body()
    if request.headers.get("content-type", "").split(";")[0].strip().lower() == "application/json":
        try:
            data = json.loads(raw or b"{}")
        except ValueError:
            return None
        return data if isinstance(data, dict) else None
    return dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))


def expired_page() -> Response:
    """The page for a login transaction that is unknown, expired, or past this step."""
    return html(hosted.error("invalid_request", "The login transaction is unknown or has expired."), 400)


def in_transaction(
    *states: TxState, missing: Callable[[], Response] = expired_page
) -> Callable[[TxHandler], Handler]:
    """Turn ``handler(request, tx, form)`` into a route that needs a live transaction in ``states``."""

    def decorate(handler: TxHandler) -> Handler:
        @functools.wraps(handler)
        async def endpoint(request: Request) -> Response:
            form = await read_form(request) if request.method == "POST" else {}
            tx_id = form.get("state") or request.query_params.get("state", "")
            tx = tenant_of(request).transactions.get(tx_id, states)
            if tx is None:
                return missing()
            return await handler(request, tx, form)

        return endpoint

    return decorate


_JSON = b"application/json"
_JSON_UTF8 = b"application/json; charset=utf-8"


def with_json_charset(send: Send) -> Send:
    """``send`` with every ``application/json`` answer labelled ``; charset=utf-8``.

    A real tenant's JSON answers, authentication API and Management API alike, say
    ``application/json; charset=utf-8`` (every response in auth0/go-auth0's
    test/data/recordings/*.yaml); Starlette's ``JSONResponse`` says bare ``application/json``.
    """

    async def labelled(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [
                (key, _JSON_UTF8 if key == b"content-type" and value == _JSON else value)
                for key, value in message.get("headers", [])
            ]
        await send(message)

    return labelled
