"""The SSO session cookie and logout (``/v2/logout``, ``/oidc/logout``).

The session is the ``auth0`` cookie. Its attributes come from one place,
:func:`session_cookie_attributes`: over HTTPS (the default) ``HttpOnly; Secure; SameSite=None``
as Auth0 sets it (a silent-auth iframe on an app's origin must be able to send it); over
``--http`` ``HttpOnly; SameSite=Lax`` (browsers refuse ``SameSite=None`` without ``Secure``, and
cookie jars drop ``Secure`` cookies on plain HTTP): logins and popups work, silent
authentication from another site does not.

Logout honours the Allowed Logout URLs (exact match), as Auth0: the client's when the request
names one (``client_id``, or for ``/oidc/logout`` the audience of ``id_token_hint``), else the
tenant's (``allowed_logout_urls`` of the tenant settings, ``tenant:`` in ``--tenant FILE``; none
on a fresh tenant). ``returnTo`` (or ``post_logout_redirect_uri``) elsewhere is an error page; a
``/v2/logout`` naming a client but no ``returnTo`` goes to the client's first Allowed Logout URL.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from starlette.routing import Route

from ..pages import hosted
from ..web.shared import html, redirect, tenant_of, with_query
from ..web.urls import is_loopback_web_url, is_plain

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

    from ..state.model import SsoSession

SESSION_COOKIE = "auth0"
SESSION_DAYS = 3


def current_session(request: Request) -> SsoSession | None:
    """The browser's live SSO session, if its cookie names one."""
    return tenant_of(request).sessions.get(request.cookies.get(SESSION_COOKIE))


def session_cookie_attributes(*, secure: bool) -> dict[str, Any]:
    """The session cookie's attributes (``set_cookie``/``delete_cookie`` keywords), HTTPS or not."""
    samesite: Literal["none", "lax"] = "none" if secure else "lax"
    return {"httponly": True, "secure": secure, "samesite": samesite, "path": "/"}


def _attributes(request: Request) -> dict[str, Any]:
    return session_cookie_attributes(secure=tenant_of(request).base_url.startswith("https://"))


def set_session_cookie(request: Request, response: Response, session: SsoSession) -> None:
    """Hand the browser its session cookie (3 days)."""
    response.set_cookie(SESSION_COOKIE, session.sid, max_age=SESSION_DAYS * 86400, **_attributes(request))


def _allowed_target(request: Request, client_id: str | None, target: str) -> bool:
    """Whether ``target`` may follow a logout (see the module).

    The native demo client has no Allowed Logout URLs; for it (and a ``client_id`` the tenant
    does not know) any loopback http(s) URL is allowed, a choice of the emulator's.
    """
    if not is_plain(target):  # user info, backslashes, controls: never a redirect target
        return False
    if not client_id:
        return target in _tenant_logout_urls(request)
    client = tenant_of(request).clients.get(client_id)
    if client is not None and client.allowed_logout_urls:
        return target in client.allowed_logout_urls
    return is_loopback_web_url(target)


def _tenant_logout_urls(request: Request) -> tuple[str, ...]:
    """The tenant-level Allowed Logout URLs (Tenant Settings > Advanced)."""
    urls = tenant_of(request).config.settings.get("allowed_logout_urls")
    return tuple(url for url in urls if isinstance(url, str)) if isinstance(urls, list) else ()


def _end_session(request: Request, target: str | None, *, allowed: bool) -> Response:
    tenant_of(request).sessions.end(request.cookies.get(SESSION_COOKIE))
    if target and allowed:
        response: Response = redirect(target)
    elif target:
        response = html(
            hosted.error(
                "invalid_request",
                f'The "returnTo" querystring parameter "{target}" is not defined as a valid URL '
                'in "Allowed Logout URLs".',
            ),
            400,
        )
    else:
        response = html(hosted.logged_out())
    response.delete_cookie(SESSION_COOKIE, **_attributes(request))
    return response


async def logout_v2(request: Request) -> Response:
    """``GET /v2/logout?client_id=…&returnTo=…``."""
    client_id = request.query_params.get("client_id")
    target = request.query_params.get("returnTo")
    if not target and client_id:  # Auth0: back to the client's first Allowed Logout URL
        client = tenant_of(request).clients.get(client_id)
        if client is not None and client.allowed_logout_urls:
            return _end_session(request, client.allowed_logout_urls[0], allowed=True)
    allowed = bool(target) and _allowed_target(request, client_id, target or "")
    return _end_session(request, target, allowed=allowed)


def _hinted_client(request: Request) -> str | None:
    """``client_id``, or the audience of a valid ``id_token_hint``."""
    params = request.query_params
    if params.get("client_id"):
        return params["client_id"]
    claims = tenant_of(request).key.verify(params.get("id_token_hint", ""))
    aud = claims.get("aud") if claims is not None else None
    return aud if isinstance(aud, str) else None


async def logout_oidc(request: Request) -> Response:
    """``GET /oidc/logout?id_token_hint=…&post_logout_redirect_uri=…&state=…``."""
    target = request.query_params.get("post_logout_redirect_uri")
    state = request.query_params.get("state")
    # The registered URL is checked without the state appended to it.
    allowed = bool(target) and _allowed_target(request, _hinted_client(request), target or "")
    if target and state and allowed:
        target = with_query(target, {"state": state})
    return _end_session(request, target, allowed=allowed)


ROUTES = [
    Route("/v2/logout", logout_v2, methods=["GET"]),
    Route("/oidc/logout", logout_oidc, methods=["GET"]),
]
