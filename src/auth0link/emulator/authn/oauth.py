"""The token endpoints over HTTP: ``/oauth/token``, ``/oauth/device/code``, ``/oauth/revoke``, ``/userinfo``.

Each reads the form or JSON body (Auth0 accepts both) and client credentials (``client_secret_post``
or HTTP Basic), then calls :mod:`.grants`, which returns ``(status, body)``.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, unquote

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..protocol import grants
from ..web.shared import cross_origin, json_reply, tenant_of

if TYPE_CHECKING:
    from starlette.requests import Request


async def read_params(request: Request) -> dict[str, str] | Response:
    """The form or JSON body (Auth0 accepts both), as a flat dict of strings."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    raw = await request.body()
    if content_type == "application/json":
        try:
            data = json.loads(raw or b"{}")
        except ValueError:
            return json_reply(400, {"error": "invalid_request", "error_description": "Invalid JSON body"})
        if not isinstance(data, dict):
            return json_reply(400, {"error": "invalid_request", "error_description": "Invalid JSON body"})
        return {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in data.items() if v is not None}
    return dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))


def basic_credentials(request: Request) -> tuple[str, str] | None:
    """The ``client_secret_basic`` credentials of an ``Authorization: Basic`` header."""
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip()).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, _, password = decoded.partition(":")
    return unquote(user), unquote(password)


async def token(request: Request) -> Response:
    """``POST /oauth/token``."""
    params = await read_params(request)
    if isinstance(params, Response):
        return params
    status, body = grants.token_endpoint(
        tenant_of(request), params, basic_credentials(request), cross_origin(request)
    )
    return json_reply(status, body)


async def device_code(request: Request) -> Response:
    """``POST /oauth/device/code``."""
    params = await read_params(request)
    if isinstance(params, Response):
        return params
    status, body = grants.device_authorization(tenant_of(request), params)
    return json_reply(status, body)


async def revoke(request: Request) -> Response:
    """``POST /oauth/revoke``: 200 with an empty body."""
    params = await read_params(request)
    if isinstance(params, Response):
        return params
    status, body = grants.revoke(
        tenant_of(request), params, basic_credentials(request), cross_origin(request)
    )
    if status == 200:  # noqa: PLR2004 - HTTP status
        return Response(b"", status_code=200)
    return json_reply(status, body)


async def userinfo(request: Request) -> Response:
    """``GET /userinfo`` with a Bearer access token."""
    tenant = tenant_of(request)
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    claims = tenant.key.verify(value.strip()) if scheme.lower() == "bearer" else None
    body = None
    if claims is not None and claims.get("exp", 0) > tenant.now():
        body = grants.userinfo_claims(tenant, claims)
    if body is None:
        return Response(
            "Unauthorized",
            status_code=401,
            media_type="text/plain",
            headers={"www-authenticate": 'Bearer error="invalid_token"'},
        )
    return JSONResponse(body)


ROUTES = [
    Route("/oauth/token", token, methods=["POST"]),
    Route("/oauth/device/code", device_code, methods=["POST"]),
    Route("/oauth/revoke", revoke, methods=["POST"]),
    Route("/userinfo", userinfo, methods=["GET", "POST"]),
]
