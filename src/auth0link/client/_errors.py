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
from auth0link.errors import ApiError, Conflict, LoginRequired, NotFound, OAuthError, ServerError

if TYPE_CHECKING:
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


def api_error(response: httpx.Response) -> ApiError | LoginRequired:  # noqa: PLR0911
    """Turn a Management API error response into the matching error class."""
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
    if status == 401:  # noqa: PLR2004 - HTTP status
        return LoginRequired(
            f"The Management API rejected the access token ({message.rstrip('.')}).",
            hint="run: auth0link login",
        )
    if status == 403 and error_code == "insufficient_scope":  # noqa: PLR2004
        wanted = message.split("expected any of:", 1)[-1].strip() if "expected any of:" in message else ""
        first = wanted.split(",")[0].strip() if wanted else ""
        hint = (
            f"log in again with the missing scope: auth0link login --scopes '<current scopes> {first}'"
            if first
            else "log in again with the scopes this command needs: auth0link login"
        )
        return ApiError(f"Insufficient scope: {message}", hint=hint, **fields)
    if status == 404:  # noqa: PLR2004
        return NotFound(message, hint="check the user ID (auth0link identities)", **fields)
    if status == 409:  # noqa: PLR2004
        return Conflict(message, hint="nothing was changed", **fields)
    if status == HTTP_TOO_MANY:
        return ApiError(
            f"Rate limited by the tenant: {message}",
            hint="wait a moment and try again; batch commands pace themselves",
            **fields,
        )
    if status >= HTTP_SERVER_ERROR:
        return ServerError(
            f"The tenant failed (HTTP {status}): {message}",
            hint="try again later; see status.auth0.com",
            **fields,
        )
    if error_code == "invalid_paging":
        return ApiError(
            f"Auth0 reads only the first 1,000 results of a user search: {message}",
            hint="for every user run: auth0link suggest --all (an export job) or suggest --from-export FILE",
            **fields,
        )
    return ApiError(message, hint="see the message above; run with --debug for details", **fields)


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
        f"The authorization server refused the request: {description} ({error}).",
        error=error,
        status_code=response.status_code,
        hint="run: auth0link login" if error == "invalid_grant" else "run: auth0link doctor",
    )
