"""Redaction of secrets in anything that may be shown: debug logs, error text.

Used by the HTTP debug log and by the CLI's last-resort error handler. Redaction is by field
name (JSON bodies, form bodies, query strings, headers) *and* by shape (anything that looks
like a JWT or a bearer token), so a secret in an unexpected place is still hidden.
"""

from __future__ import annotations

import functools
import re
from typing import Any, Final

REDACTED: Final = "[redacted]"

SECRET_FIELDS: Final = frozenset(
    {
        "access_token",
        "refresh_token",
        "id_token",
        "client_secret",
        "device_code",
        "code",
        "code_verifier",
        "link_with",
        "token",
        "password",
        "otp",
        "id_token_hint",
        "authorization",
        "cookie",
        "set-cookie",
        "proxy-authorization",
        "x-client-secret",
        # a users-export job's location is a pre-signed URL: its signature is a credential
        "signature",
        "x-amz-signature",
        "x-amz-credential",
        "x-amz-security-token",
    }
)


@functools.cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """Three base64url segments (a JWT/JWS), bearer values, ``field=value`` pairs.

    Compiled on first use: most runs never redact anything (start-up time).
    """
    fields = "|".join(sorted(SECRET_FIELDS, key=len, reverse=True))
    return (
        re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"),
        re.compile(r"(?i)(bearer\s+)[^\s\"',;]+"),
        re.compile(r"(?i)\b(" + fields + r")(\"?\s*[=:]\s*\"?)([^\s\"&,;}]+)"),
    )


def redact_text(text: str) -> str:
    """Hide JWTs, bearer tokens and ``secret_field=value`` pairs in free text."""
    jwt, bearer, pair = _patterns()
    text = jwt.sub(REDACTED, text)
    text = bearer.sub(lambda m: m.group(1) + REDACTED, text)
    return pair.sub(lambda m: m.group(1) + m.group(2) + REDACTED, text)


def redact_value(value: Any) -> Any:
    """Recursively hide secret fields in decoded JSON/form data."""
    if isinstance(value, dict):
        return {
            k: REDACTED if isinstance(k, str) and k.lower() in SECRET_FIELDS else redact_value(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact_value(v) for v in value]
    if isinstance(value, str):
        return redact_text(value)
    return value
