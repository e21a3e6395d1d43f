"""Turning Auth0's answers into typed results and errors (no I/O).

Management API errors become :class:`~auth0link.errors.ApiError` subclasses carrying Auth0's
``statusCode``/``error``/``message``/``errorCode``; Authentication API errors become
:class:`~auth0link.errors.OAuthError` with the RFC 6749 ``error`` code. Messages from the server
are redacted and cut short before they reach an error.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from auth0link._redact import redact_text
from auth0link.client._http import HTTP_SERVER_ERROR, HTTP_TOO_MANY
from auth0link.errors import (
    LOGIN,
    ApiError,
    Command,
    Conflict,
    Fix,
    LoginRequired,
    NotFound,
    OAuthError,
    ServerError,
    clause,
    cmd,
    sentence,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    import httpx


def decode_json(response: httpx.Response) -> Any:
    """The JSON body; a body that is not JSON is a :class:`ServerError` (exit 5)."""
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ServerError(
            f"The server sent an invalid response (HTTP {response.status_code}, not JSON).",
            status_code=response.status_code,
            hint="try again later; run with --debug to see the response",
        ) from None


def api_error(  # noqa: PLR0911 - one return per kind of answer
    response: httpx.Response, *, token_claims: Mapping[str, Any] | None = None
) -> ApiError | LoginRequired:
    """Turn a Management API error response into the matching error class.

    ``token_claims`` (the access token's, unverified) say whose token it was, so the hints for a
    401 or a missing scope fit a user's login or a machine's credentials.
    """
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    message = str(body.get("message") or response.reason_phrase or f"HTTP {status}")
    message = redact_text(message)[:500]
    error = body.get("error") if isinstance(body.get("error"), str) else None
    error_code = body.get("errorCode") if isinstance(body.get("errorCode"), str) else None
    fields: dict[str, Any] = {"status_code": status, "error": error, "error_code": error_code}
    claims = token_claims or {}
    if status == 401:  # noqa: PLR2004 - HTTP status
        return LoginRequired(
            f"The Management API rejected the access token ({clause(message)}).",
            hint="run: " + Fix(_login_command(claims)),
        )
    if status == 403 and error_code == "insufficient_scope":  # noqa: PLR2004
        return ApiError(sentence(message), hint=scope_hint(message, claims), **fields)
    if status == 404:  # noqa: PLR2004
        return NotFound(sentence(message), hint=Fix("check the user ID (", cmd("identities"), ")"), **fields)
    if status == 409:  # noqa: PLR2004
        return Conflict(
            sentence(message),
            hint=Fix("nothing was changed; see the current state: ", cmd("identities")),
            **fields,
        )
    if status == HTTP_TOO_MANY:
        return ApiError(
            f"Rate limited by the tenant: {sentence(message)}",
            hint="wait a moment and try again; batch commands pace themselves",
            **fields,
        )
    if status >= HTTP_SERVER_ERROR:
        return ServerError(
            f"The tenant failed (HTTP {status}): {sentence(message)}",
            hint="try again later; see status.auth0.com",
            **fields,
        )
    if error_code == "invalid_paging":
        return ApiError(
            f"Auth0 reads only the first 1,000 results of a user search: {message}",
            hint=Fix.run(
                "suggest",
                "--all",
                lead="for every user run: ",
                note=" (an export job) or suggest --from-export FILE",
            ),
            **fields,
        )
    return ApiError(sentence(message), hint="see the message above; run with --debug for details", **fields)


def is_machine_token(claims: Mapping[str, Any]) -> bool:
    """A client-credentials (M2M) token: ``gty`` says so, or the subject is ``ID@clients``."""
    sub = claims.get("sub")
    return claims.get("gty") == "client-credentials" or (isinstance(sub, str) and sub.endswith("@clients"))


def _machine_client(claims: Mapping[str, Any]) -> str:
    azp = claims.get("azp")
    sub = claims.get("sub")
    if isinstance(azp, str) and azp:
        return azp
    return sub.removesuffix("@clients") if isinstance(sub, str) and sub else "M2M_CLIENT_ID"


def _login_command(claims: Mapping[str, Any]) -> Command:
    """The login that gets a new token of the same kind."""
    if is_machine_token(claims):
        return cmd("login", "--machine", "--client-id", _machine_client(claims))
    return cmd("login")


def scope_hint(message: str, claims: Mapping[str, Any]) -> Fix:
    """What fixes a 403 ``insufficient_scope``, for the kind of token that met it.

    Auth0 names the scopes that would do (``expected any of: read:users,read:current_user``). A
    user's login can only ever get the ``*:current_user*`` ones (read:users is an admin scope), so
    it is told to log in again asking for one; a machine token gets its scopes from the
    application's grant, which only the tenant's dashboard changes.
    """
    wanted = [s.strip() for s in message.partition("expected any of:")[2].split(",") if s.strip()]
    if is_machine_token(claims):
        admin = [s for s in wanted if "current_user" not in s] or wanted
        client_id = _machine_client(claims)
        grant = admin[0] if admin else "the scopes this command needs"
        return Fix(
            f"grant {grant} to the application {client_id} (Auth0 dashboard: Applications > APIs > "
            "Auth0 Management API > Machine to Machine Applications), then run: ",
            cmd("login", "--machine", "--client-id", client_id),
        )
    own = [s for s in wanted if "current_user" in s]
    if own:
        current = str(claims.get("scope", "")).split()
        scopes = " ".join(dict.fromkeys([*current, own[0]]))
        return Fix(f"log in again asking for {own[0]}: ", cmd("login", "--scopes", f"'{scopes}'"))
    if wanted:
        return Fix(
            f"this needs an admin scope ({', '.join(wanted)}), which a user's login cannot get: "
            "use the command's --user form with machine credentials (",
            cmd("login", "--machine"),
            ")",
        )
    return Fix("log in again with the scopes this command needs: ", cmd("login"))


def oauth_error(response: httpx.Response) -> OAuthError:
    """Turn an Authentication API error (RFC 6749 ``error``) into an :class:`OAuthError`."""
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    error = str(body.get("error") or f"http_{response.status_code}")
    description = redact_text(str(body.get("error_description") or body.get("message") or error))[:500]
    return OAuthError(
        f"The authorization server refused the request: {clause(description)} ({error}).",
        error=error,
        status_code=response.status_code,
        hint=LOGIN if error == "invalid_grant" else Fix.run("doctor"),
        description=clause(description),
    )
