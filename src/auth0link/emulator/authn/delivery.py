"""How ``/authorize`` hands its answer (a code or an error) to the application: the response modes.

========================  =================================================================
``query`` (default)       302 to ``redirect_uri?code=…&state=…``
``fragment``              302 to ``redirect_uri#code=…&state=…``
``form_post``             a page whose form posts ``code`` and ``state`` to ``redirect_uri``
``web_message``           a page that posts ``{type: "authorization_response", response}``
                          to its opener (popup) or parent (hidden iframe), for the origin of
                          ``redirect_uri``, which must be one of the client's Allowed Web
                          Origins (auth0-spa-js ``loginWithPopup`` and ``getTokenSilently``)
========================  =================================================================

Errors that can reach the application travel the same way (``error``, ``error_description``,
``state``); the ones that cannot (unknown client, callback mismatch, unregistered web origin,
unknown response mode) are an error page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final
from urllib.parse import urlencode

from ..pages import hosted
from ..state.applications import origin_of
from ..web.framing import frame_ancestors
from ..web.shared import html, redirect, with_query

if TYPE_CHECKING:
    from starlette.responses import Response

    from ..state.applications import Client

RESPONSE_MODES: Final = ("query", "fragment", "form_post", "web_message")


def response_mode(params: dict[str, str]) -> str:
    """The requested mode (when absent: ``query`` for the code flow, ``fragment`` when tokens come back)."""
    if params.get("response_mode"):
        return params["response_mode"]
    return "fragment" if set(params.get("response_type", "").split()) & {"token", "id_token"} else "query"


def check_mode(client: Client, params: dict[str, str]) -> Response | None:
    """The error page for a mode that cannot be used with this request, else ``None``."""
    mode = response_mode(params)
    if mode not in RESPONSE_MODES:
        # Undocumented wording; an unknown mode cannot be answered in that mode.
        return html(hosted.error("invalid_request", f"Unsupported response_mode: {mode}"), 400)
    redirect_uri = params.get("redirect_uri", "")
    if mode == "web_message" and origin_of(redirect_uri) not in client.web_message_origins():
        # Auth0's words (tenant log "Failed Silent Auth"); the origin must be listed exactly.
        return html(
            hosted.error(
                "invalid_request",
                f"The specified redirect_uri '{redirect_uri}' does not have a registered origin.",
            ),
            400,
        )
    return None


def deliver(redirect_uri: str, mode: str, params: dict[str, str]) -> Response:
    """Answer the application with ``params`` in ``mode`` (checked by :func:`check_mode`)."""
    if mode == "fragment":
        return redirect(f"{redirect_uri}#{urlencode(params)}")
    if mode == "form_post":
        response = html(hosted.form_post(action=redirect_uri, params=params))
        response.headers.update(frame_ancestors(origin_of(redirect_uri) or "'none'"))
        return response
    if mode == "web_message":
        target = origin_of(redirect_uri) or redirect_uri
        response = html(hosted.web_message(target_origin=target, response=params))
        response.headers.update(frame_ancestors(target))
        return response
    return redirect(with_query(redirect_uri, params))
