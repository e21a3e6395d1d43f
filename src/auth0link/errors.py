"""The error model: one exit code enum and one exception tree.

Every error auth0link raises on purpose is an :class:`Auth0LinkError`. Its message is one line
that says what went wrong *and what to do next*; the command line maps each class to an
:class:`ExitCode` in exactly one place (``auth0link.cli.exit_code_for``), as drawn here.

The tree (indentation is inheritance)::

    Auth0LinkError                      exit 1   (generic)
    ├── UsageError                      exit 2   bad option value, bad input line
    ├── ConfigurationError              exit 2   missing/invalid domain, client id, profile
    ├── LoginRequired                   exit 3   no session, expired session, revoked refresh token
    ├── OAuthError                      exit 3   the authorization server refused (RFC 6749 `error`)
    │   └── DeviceFlowError             exit 3   access_denied / expired_token / invalid_grant
    ├── IdTokenError                    exit 3   an ID token failed validation (never stored)
    ├── ApiError                        exit 4   the Management API answered 4xx
    │   ├── NotFound                    exit 6   404, or an identity that is not linked
    │   ├── Conflict                    exit 7   nothing to unlink / journal busy / the same account
    │   │   └── AlreadyLinked           exit 7   the identity is linked already (maybe by someone else)
    │   └── ServerError                 exit 5   5xx after retries
    ├── NetworkError                    exit 5   DNS, connect, timeout, dropped connection
    │   └── TlsError                    exit 5   the server's certificate was not trusted, or no TLS handshake
    ├── ExportFailed                    exit 5   a users-export job failed or expired, or its file
    │                                            could not be downloaded with fresh locations
    ├── TokenStorageError               exit 1   keyring missing, locked or too slow
    ├── Refused                         exit 8   a safety check said no (unverified email, another
    │                                            person's account, a --login-hint mismatch); nothing changed
    ├── Cancelled                       exit 9   you answered "no" at a confirmation; nothing changed
    ├── LinkAborted                     exit 1*  a link/unlink sequence stopped part way (says what changed;
    │                                            *its cause's code when a specific failure stopped it)
    └── Interrupted                     exit 130 Ctrl-C

Messages are built from sentences with :func:`join_sentences` (each part ends with one full
stop, whatever it ended with) and another error's message is embedded with :func:`clause` (no
full stop inside parentheses), so no message reads "…a JWT Nothing was changed." or "(x).).".
"""

from __future__ import annotations

import enum
from typing import Final

_SENTENCE_ENDS: Final = (".", "!", "?")


def sentence(text: str) -> str:
    """``text`` stripped and ending with one full stop (unless it ends with ``.``, ``!`` or ``?``)."""
    text = text.strip()
    return text if not text or text.endswith(_SENTENCE_ENDS) else text + "."


def clause(text: str) -> str:
    """``text`` to embed in another sentence (after a colon, in parentheses): no final full stop."""
    text = text.strip()
    while text.endswith(".") and not text.endswith(".."):
        text = text[:-1].rstrip()
    return text


def join_sentences(*parts: str) -> str:
    """The non-empty ``parts`` as sentences, one space apart: ``join_sentences("a", "B.")`` → ``a. B.``."""
    return " ".join(sentence(part) for part in parts if part.strip())


class ExitCode(enum.IntEnum):
    """Process exit codes. Stable: scripts depend on them (documented in docs/scripting.md)."""

    OK = 0
    ERROR = 1
    USAGE = 2
    LOGIN_REQUIRED = 3
    API_ERROR = 4
    NETWORK = 5
    NOT_FOUND = 6
    CONFLICT = 7
    REFUSED = 8
    CANCELLED = 9
    INTERRUPTED = 130


class Auth0LinkError(Exception):
    """Base class of every error auth0link raises on purpose.

    ``message`` is shown to the user as a single line; ``hint`` (optional) is the next step,
    shown on a second line prefixed with ``hint:``.
    """

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        """Build the error from a one-line message and an optional next step."""
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        """The message, followed by the hint when there is one."""
        return f"{self.message} ({self.hint})" if self.hint else self.message


class UsageError(Auth0LinkError):
    """An option or input value is invalid (bad argument, malformed stdin line)."""


class ConfigurationError(Auth0LinkError):
    """The tenant configuration is missing or invalid (domain, client ID, profile name)."""


class LoginRequired(Auth0LinkError):
    """No usable session: never logged in, expired, or the refresh token was revoked."""

    def __init__(self, message: str = "You are not logged in.", *, hint: str | None = None) -> None:
        """Default to telling the user to run ``auth0link login``."""
        super().__init__(message, hint=hint or "run: auth0link login")


class OAuthError(Auth0LinkError):
    """The authorization server refused a request; ``error`` is the RFC 6749 error code."""

    def __init__(
        self,
        message: str,
        *,
        error: str,
        status_code: int | None = None,
        hint: str | None = None,
        description: str | None = None,
    ) -> None:
        """Keep the machine-readable ``error`` code (and the server's own words) beside the message."""
        super().__init__(message, hint=hint)
        self.error = error
        self.status_code = status_code
        #: the server's ``error_description`` (or the error code), to quote in another message
        self.description = description or error


class DeviceFlowError(OAuthError):
    """The device flow ended without tokens (denied, expired, or an unusable device code)."""


class IdTokenError(Auth0LinkError):
    """An ID token failed validation (signature, alg, iss, aud, exp, nonce, auth_time)."""


class ApiError(Auth0LinkError):
    """The Management API answered with a 4xx; carries Auth0's error body fields."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        error: str | None = None,
        error_code: str | None = None,
        hint: str | None = None,
    ) -> None:
        """Keep Auth0's ``statusCode``, ``error`` and ``errorCode`` for callers and ``--json``."""
        super().__init__(message, hint=hint)
        self.status_code = status_code
        self.error = error
        self.error_code = error_code


class NotFound(ApiError):
    """The user or identity does not exist (HTTP 404, or an identity that is not linked)."""


class Conflict(ApiError):
    """The request conflicts with the current state (already linked, nothing to unlink)."""


class AlreadyLinked(Conflict):
    """The identity to link is already linked to that user (by an earlier run, or by someone else)."""


class ServerError(ApiError):
    """The server failed (HTTP 5xx) and retrying did not help."""


class NetworkError(Auth0LinkError):
    """The server could not be reached or did not answer in time.

    ``maybe_applied`` is True when a write was sent but its answer never arrived (a timeout or a
    dropped connection after sending): the server may have applied it, or may still apply it.
    """

    def __init__(self, message: str, *, hint: str | None = None, maybe_applied: bool = False) -> None:
        """Remember whether the failed request may still have taken effect."""
        super().__init__(message, hint=hint)
        self.maybe_applied = maybe_applied


class TlsError(NetworkError):
    """The TLS handshake failed, so nothing was sent (never retried).

    The server's certificate is not trusted here (unknown CA, expired, issued for another host),
    or the server does not speak TLS at all. The message is one line: the host and the reason
    (``problem``), then the fix (``fix``), which ``doctor`` shows apart.
    """

    def __init__(self, problem: str, *, fix: str) -> None:
        """One line: ``<problem>; <fix>.``."""
        super().__init__(f"{problem}; {fix}.")
        self.problem = problem
        self.fix = fix


class ExportFailed(Auth0LinkError):
    """A users-export job ended without a file: it failed, it expired, or every download broke.

    Nothing was changed at the tenant; the hint says how to get the users another way
    (``suggest --from-export`` with a file exported from the dashboard).
    """


class TokenStorageError(Auth0LinkError):
    """The OS keyring is missing, locked, or did not answer in time."""


class Refused(Auth0LinkError):
    """A safety check refused the request before anything changed; the hint names the override.

    One kind of refusal, one exit code, whichever command met it: an unverified email (an account
    takeover risk), a second account with another person's email, a ``--login-hint`` mismatch, a
    secondary that has linked identities of its own.
    """


class Cancelled(Auth0LinkError):
    """The user answered "no" at a confirmation; nothing was changed."""


class LinkAborted(Auth0LinkError):
    """A link or unlink sequence stopped part way; the message says what was changed.

    Its exit code is its cause's when there is one (5 when the tenant failed, 3 when the login
    was refused …), so scripts can tell "try again" from "fix something"; otherwise 1.
    """

    def __init__(self, message: str, *, hint: str | None = None, cause: Auth0LinkError | None = None) -> None:
        """Keep the cause: its exit code is this error's (see ``auth0link.cli.exit_code_for``)."""
        super().__init__(message, hint=hint)
        self.cause = cause


class Interrupted(Auth0LinkError):
    """The user pressed Ctrl-C; nothing half-finished was stored."""

    def __init__(self, message: str = "Interrupted.", *, hint: str | None = None) -> None:
        """Default message for Ctrl-C."""
        super().__init__(message, hint=hint)
