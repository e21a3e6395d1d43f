"""The SSO session cookie and logout (``/v2/logout``, ``/oidc/logout``).

The session is the ``auth0`` cookie. Its attributes come from one place,
:func:`session_cookie_attributes`: over HTTPS (the default) ``HttpOnly; Secure; SameSite=None``
as Auth0 sets it (a silent-auth iframe on an app's origin must be able to send it); over
``--http`` ``HttpOnly; SameSite=Lax`` (browsers refuse ``SameSite=None`` without ``Secure``, and
cookie jars drop ``Secure`` cookies on plain HTTP).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from starlette.routing import Route

from auth0link.emulator import pages
from auth0link.emulator.web import html, is_non_verifiable, redirect, tenant_of, with_query

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

    from auth0link.emulator.model import SsoSession

SESSION_COOKIE = "auth0"


def current_session(request: Request) -> SsoSession | None:
    """The browser's live SSO session, if its cookie names one."""
    return tenant_of(request).session(request.cookies.get(SESSION_COOKIE))


def session_cookie_attributes(*, secure: bool) -> dict[str, Any]:
    """The session cookie's attributes (``set_cookie``/``delete_cookie`` keywords), HTTPS or not."""
    samesite: Literal["none", "lax"] = "none" if secure else "lax"
    return {"httponly": True, "secure": secure, "samesite": samesite, "path": "/"}


def _attributes(request: Request) -> dict[str, Any]:
    return session_cookie_attributes(secure=tenant_of(request).base_url.startswith("https://"))


def set_session_cookie(request: Request, response: Response, session: SsoSession) -> None:
    """Hand the browser its session cookie (3 days)."""
    response.set_cookie(SESSION_COOKIE, session.sid, max_age=3 * 86400, **_attributes(request))


def _end_session(request: Request, target: str | None) -> Response:
    tenant_of(request).end_session(request.cookies.get(SESSION_COOKIE))
    # Allowed Logout URLs are undocumented for the demo client: any loopback http(s) URL.
    if target and urlsplit(target).scheme in ("http", "https") and is_non_verifiable(target):
        response: Response = redirect(target)
    elif target:
        response = html(
            pages.error(
                "invalid_request",
                f'The "returnTo" querystring parameter "{target}" is not defined as a valid URL '
                'in "Allowed Logout URLs".',
            ),
            400,
        )
    else:
        response = html(pages.logged_out())
    response.delete_cookie(SESSION_COOKIE, **_attributes(request))
    return response


async def logout_v2(request: Request) -> Response:
    """``GET /v2/logout?client_id=…&returnTo=…``."""
    return _end_session(request, request.query_params.get("returnTo"))


async def logout_oidc(request: Request) -> Response:
    """``GET /oidc/logout?id_token_hint=…&post_logout_redirect_uri=…&state=…``."""
    target = request.query_params.get("post_logout_redirect_uri")
    state = request.query_params.get("state")
    if target and state:
        target = with_query(target, {"state": state})
    return _end_session(request, target)


ROUTES = [
    Route("/v2/logout", logout_v2, methods=["GET"]),
    Route("/oidc/logout", logout_oidc, methods=["GET"]),
]
