"""Request forms a test sends to the emulator: a PKCE challenge, a machine-token request.

Computed here independently of the emulator's own code (:mod:`..protocol.minting`), so a test
that uses them checks the emulator rather than agreeing with it.
"""

from __future__ import annotations

import base64
import hashlib

from ..state import demo


def pkce_challenge(verifier: str) -> str:
    """The S256 code challenge of ``verifier`` (RFC 7636)."""
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def m2m_token_form(scope: str | None = None, *, base: str) -> dict[str, str]:
    """The demo M2M client's client-credentials request for the Management API of ``base``."""
    data = {
        "grant_type": "client_credentials",
        "client_id": demo.M2M_CLIENT_ID,
        "client_secret": demo.M2M_CLIENT_SECRET,
        "audience": base + "/api/v2/",
    }
    if scope is not None:
        data["scope"] = scope
    return data
