"""Implicit and hybrid responses of ``/authorize`` (clients with the ``implicit`` grant).

``response_type`` is a set of ``code``, ``token`` and ``id_token`` (order free): ``code`` alone
is the code flow; any set with ``token`` or ``id_token`` needs the client's ``implicit`` grant
(Auth0: "Grant type 'implicit' not allowed for the client."), and one with ``id_token`` needs a
``nonce`` (Auth0: ``invalid_request`` "Missing required parameter: nonce"). Such answers default
to the ``fragment`` response mode (``query`` is refused: tokens must not reach server logs), and
travel in every mode (``form_post`` for express-openid-connect, ``web_message`` for auth0-js
``checkSession``).

What is handed back, as Auth0 does:

* ``token`` → ``access_token``, ``token_type: Bearer``, ``expires_in`` (7200 s: the API's
  "token lifetime for web"), ``scope``;
* ``id_token`` → an ID token with the ``nonce``, and ``at_hash`` when an access token comes with
  it, ``c_hash`` when a code does (OIDC Core 3.3.2.11: the left half of the SHA-256 of the value,
  base64url); the profile claims follow the scopes;
* ``code`` → a code redeemed at ``/oauth/token`` as in the code flow.
"""

from __future__ import annotations

import base64
import hashlib
from typing import TYPE_CHECKING, Any, Final

from ..protocol import minting

if TYPE_CHECKING:
    from ..state.applications import Client
    from ..state.model import SsoSession, User
    from ..state.tenant import Tenant

VALID_TYPES: Final = frozenset(
    frozenset(t.split())
    for t in (
        "code",
        "token",
        "id_token",
        "id_token token",
        "code id_token",
        "code token",
        "code id_token token",
    )
)
WEB_TOKEN_LIFETIME: Final = 7200  # Auth0's default "Token Expiration For Browser Flows" (s)


def response_types(params: dict[str, str]) -> frozenset[str]:
    """The requested response types as a set (``{"code"}`` when absent is not assumed)."""
    return frozenset(params.get("response_type", "").split())


def is_implicit(params: dict[str, str]) -> bool:
    """Whether tokens come back from ``/authorize`` itself (implicit or hybrid)."""
    return bool(response_types(params) & {"token", "id_token"})


def check(client: Client, params: dict[str, str]) -> tuple[str, str] | None:
    """Why this ``response_type`` cannot be served to ``client``, as ``(error, description)``."""
    wanted = response_types(params)
    if wanted not in VALID_TYPES:
        return "unsupported_response_type", f"Unsupported response type: {params.get('response_type', '')}"
    if wanted == {"code"}:
        return None
    if "implicit" not in client.grant_types:
        return "unauthorized_client", "Grant type 'implicit' not allowed for the client."
    if "id_token" in wanted and not params.get("nonce"):
        return "invalid_request", "Missing required parameter: nonce"
    if params.get("response_mode") == "query":
        # Undocumented wording; tokens in a query string would reach server logs.
        return "invalid_request", "response_mode query is not allowed for implicit and hybrid flows"
    return None


def half_hash(value: str) -> str:
    """``at_hash``/``c_hash`` of ``value`` for RS256: base64url of the left half of its SHA-256."""
    digest = hashlib.sha256(value.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode("ascii")


def answer(
    tenant: Tenant,
    client: Client,
    user: User,
    session: SsoSession,
    params: dict[str, str],
    *,
    scope: str,
    code: str | None,
    auth_time: int | None,
) -> dict[str, str]:
    """The fields of an implicit or hybrid answer (``code`` already issued when asked for)."""
    wanted = response_types(params)
    audience = params.get("audience") or None
    body: dict[str, str] = {}
    if code is not None:
        body["code"] = code
    access: str | None = None
    if "token" in wanted:
        access = minting.access_token(
            tenant, sub=user.user_id, client_id=client.client_id, scope=scope, audience=audience, m2m=False
        )
        body.update(access_token=access, scope=scope, expires_in=str(WEB_TOKEN_LIFETIME))
        body["token_type"] = "Bearer"  # noqa: S105 - a token type, not a secret
    if "id_token" in wanted:
        extra: dict[str, Any] = {}
        if access is not None:
            extra["at_hash"] = half_hash(access)
        if code is not None:
            extra["c_hash"] = half_hash(code)
        body["id_token"] = minting.id_token(
            tenant,
            user,
            client_id=client.client_id,
            scope=scope,
            nonce=params.get("nonce"),
            sid=session.sid,
            auth_time=auth_time,
            extra=extra,
        )
    if params.get("state") is not None:
        body["state"] = params["state"]
    return body
