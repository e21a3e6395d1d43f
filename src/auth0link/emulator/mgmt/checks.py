"""What the Management API handlers share: scope checks, body parsing, Auth0's error wording.

Used by :mod:`.api` (users, linking, search) and :mod:`.admin` (creating users,
listing clients and connections); errors are :class:`~.model.ManagementError`, which the ASGI
app turns into Auth0's ``{statusCode, error, message, errorCode}`` body.
"""

from __future__ import annotations

import json
from typing import Any

from ..state.model import ManagementError, json_type


def insufficient(*expected: str) -> ManagementError:
    """403 ``insufficient_scope`` naming the scopes that would do."""
    return ManagementError(
        403, "Insufficient scope, expected any of: " + ",".join(expected), "insufficient_scope"
    )


def bad_body(message: str) -> ManagementError:
    """400 ``invalid_body`` with Auth0's "Payload validation error" wording."""
    return ManagementError(400, f"Payload validation error: '{message}'.", "invalid_body")


def require(claims: dict[str, Any], admin: tuple[str, ...], own: tuple[str, ...], target: str | None) -> None:
    """Admin scopes act on anyone; ``*:current_user*`` scopes only on the token's own user."""
    scopes = str(claims.get("scope", "")).split()
    if any(s in scopes for s in admin):
        return
    if target is not None and claims.get("sub") == target and any(s in scopes for s in own):
        return
    raise insufficient(*admin, *own)


def json_object(raw: bytes) -> dict[str, Any]:
    """The request body as a JSON object, or Auth0's 400."""
    try:
        body = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError):
        raise ManagementError(400, "Invalid request payload JSON format", "invalid_body") from None
    if not isinstance(body, dict):
        raise bad_body(f"Expected type object but found type {json_type(body)}")
    return body
