"""Reading a JWT's claims without verifying it, for display and for the ``sub`` of our own token.

This never decides trust: ID tokens from a login are validated with the JWKS (``oidc.py``). It
exists so that commands can learn the logged-in user from the access token they already hold
without importing PyJWT/cryptography (≈100 ms) or making a request.
"""

from __future__ import annotations

import base64
import json
from typing import Any


def unverified_claims(token: str) -> dict[str, Any]:
    """The payload of a compact JWS, or ``{}`` if it is not one."""
    parts = token.split(".")
    if len(parts) != 3:  # noqa: PLR2004 - header.payload.signature
        return {}
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        data = json.loads(base64.urlsafe_b64decode(payload.encode("ascii")))
    except (ValueError, UnicodeError):
        return {}
    return data if isinstance(data, dict) else {}
