"""``POST /dbconnections/change_password``: ask for a password-reset email (auth0-js ``changePassword``).

The body (JSON or form) names ``client_id``, ``email`` and a database ``connection`` enabled for
the client; no secret is sent (Auth0's Node and browser SDKs send none). Auth0 answers 200 with
the text "We've just sent you an email to reset your password." whether or not the user exists,
so the answer does not tell who has an account; when the user exists the email lands in the
outbox (``GET /__emulator/outbox``) with kind ``password_reset`` (the emulator serves no
reset page: set a new password with ``PATCH /api/v2/users/{id}``). Errors (undocumented wording):
400 ``{error, error_description}`` for a missing ``email``, an unknown client or a connection that
is not a database enabled for it. A browser's ``Origin`` must be one of the client's CORS origins
(401 ``access_denied`` otherwise, see :mod:`.cors`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from starlette.responses import Response
from starlette.routing import Route

from ..state import accounts
from ..web.shared import cross_origin, json_reply, read_json_or_form, tenant_of

if TYPE_CHECKING:
    from starlette.requests import Request

SENT: Final = "We've just sent you an email to reset your password."


def _bad(description: str) -> Response:
    return json_reply(400, {"error": "invalid_request", "error_description": description})


async def change_password(request: Request) -> Response:
    """``POST /dbconnections/change_password``."""
    body = await read_json_or_form(request)
    if body is None:
        return _bad("Invalid request payload JSON format")
    tenant = tenant_of(request)
    client = tenant.clients.get(str(body.get("client_id") or ""))
    if client is None:
        return _bad("Unknown client: " + str(body.get("client_id") or ""))
    origin = cross_origin(request)
    if origin is not None and origin not in client.cors_origins():
        return json_reply(401, {"error": "access_denied", "error_description": "Unauthorized"})
    email = body.get("email")
    if not isinstance(email, str) or not email.strip():
        return _bad("Missing required property: email")
    conn = tenant.connection_for(client.client_id, str(body.get("connection") or ""))
    if conn is None or not conn.is_database:
        return _bad("Connection does not exist or is not a database enabled for the client")
    address = email.strip().lower()
    if accounts.find(tenant.users, conn.name, "email", address) is not None:
        tenant.outbox.send_message(
            address,
            conn.name,
            "password_reset",
            f"A password reset was requested for your {conn.name} account.",
        )
    return Response(SENT, media_type="text/html; charset=utf-8", headers={"cache-control": "no-store"})


ROUTES = [Route("/dbconnections/change_password", change_password, methods=["POST"])]
