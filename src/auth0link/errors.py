"""The error model: one exit code enum and one exception tree.

Every error auth0link raises on purpose is an :class:`Auth0LinkError`. Its message is one line
that says what went wrong *and what to do next*; ``cli.py`` maps each class to an
:class:`ExitCode` in exactly one place (:func:`exit_code_for`).

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
    │   ├── Conflict                    exit 7   already linked / nothing to unlink / journal busy
    │   └── ServerError                 exit 5   5xx after retries
    ├── NetworkError                    exit 5   DNS, connect, timeout, dropped connection
    │   └── TlsError                    exit 5   the server's certificate was not trusted, or no TLS handshake
    ├── TokenStorageError               exit 1   keyring missing, locked or too slow
    ├── LinkAborted                     exit 1*  a link/unlink sequence stopped part way (says what changed;
    │                                            *its cause's code when a specific failure stopped it)
    └── Interrupted                     exit 130 Ctrl-C
"""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    """Process exit codes. Stable: scripts depend on them (documented in the README)."""

    OK = 0
    ERROR = 1
    USAGE = 2
    LOGIN_REQUIRED = 3
    API_ERROR = 4
    NETWORK = 5
    NOT_FOUND = 6
    CONFLICT = 7
    INTERRUPTED = 130


class Auth0LinkError(Exception):
    """Base class of every error auth0link raises on purpose.

    ``message`` is shown to the user as a single line; ``hint`` (optional) is the next step,
    shown on a second line prefixed with ``hint:``.
    """

    exit_code: ExitCode = ExitCode.ERROR

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

    exit_code = ExitCode.USAGE


class ConfigurationError(Auth0LinkError):
    """The tenant configuration is missing or invalid (domain, client ID, profile name)."""

    exit_code = ExitCode.USAGE


class LoginRequired(Auth0LinkError):
    """No usable session: never logged in, expired, or the refresh token was revoked."""

    exit_code = ExitCode.LOGIN_REQUIRED

    def __init__(self, message: str = "You are not logged in.", *, hint: str | None = None) -> None:
        """Default to telling the user to run ``auth0link login``."""
        super().__init__(message, hint=hint or "run: auth0link login")


class OAuthError(Auth0LinkError):
    """The authorization server refused a request; ``error`` is the RFC 6749 error code."""

    exit_code = ExitCode.LOGIN_REQUIRED

    def __init__(
        self,
        message: str,
        *,
        error: str,
        status_code: int | None = None,
        hint: str | None = None,
    ) -> None:
        """Keep the machine-readable ``error`` code beside the human message."""
        super().__init__(message, hint=hint)
        self.error = error
        self.status_code = status_code


class DeviceFlowError(OAuthError):
    """The device flow ended without tokens (denied, expired, or an unusable device code)."""


class IdTokenError(Auth0LinkError):
    """An ID token failed validation (signature, alg, iss, aud, exp, nonce, auth_time)."""

    exit_code = ExitCode.LOGIN_REQUIRED


class ApiError(Auth0LinkError):
    """The Management API answered with a 4xx; carries Auth0's error body fields."""

    exit_code = ExitCode.API_ERROR

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

    exit_code = ExitCode.NOT_FOUND


class Conflict(ApiError):
    """The request conflicts with the current state (already linked, nothing to unlink)."""

    exit_code = ExitCode.CONFLICT


class ServerError(ApiError):
    """The server failed (HTTP 5xx) and retrying did not help."""

    exit_code = ExitCode.NETWORK


class NetworkError(Auth0LinkError):
    """The server could not be reached or did not answer in time.

    ``maybe_applied`` is True when a write was sent but its answer never arrived (a timeout or a
    dropped connection after sending): the server may have applied it, or may still apply it.
    """

    exit_code = ExitCode.NETWORK

    def __init__(self, message: str, *, hint: str | None = None, maybe_applied: bool = False) -> None:
        """Remember whether the failed request may still have taken effect."""
        super().__init__(message, hint=hint)
        self.maybe_applied = maybe_applied


class TlsError(NetworkError):
    """The TLS handshake failed, so nothing was sent (never retried).

    The server's certificate is not trusted here (unknown CA, expired, issued for another host),
    or the server does not speak TLS at all.
    """


class TokenStorageError(Auth0LinkError):
    """The OS keyring is missing, locked, or did not answer in time."""


class LinkAborted(Auth0LinkError):
    """A link or unlink sequence stopped part way; the message says what was changed.

    Its exit code is its cause's when there is one (5 when the tenant failed, 3 when the login
    was refused …), so scripts can tell "try again" from "fix something"; otherwise 1.
    """

    def __init__(self, message: str, *, hint: str | None = None, cause: Auth0LinkError | None = None) -> None:
        """Keep the cause's exit code when a specific failure stopped the sequence."""
        super().__init__(message, hint=hint)
        if cause is not None:
            self.exit_code = cause.exit_code


class Interrupted(Auth0LinkError):
    """The user pressed Ctrl-C; nothing half-finished was stored."""

    exit_code = ExitCode.INTERRUPTED

    def __init__(self, message: str = "Interrupted.", *, hint: str | None = None) -> None:
        """Default message for Ctrl-C."""
        super().__init__(message, hint=hint)


def exit_code_for(error: BaseException) -> ExitCode:
    """Map any exception to the process exit code. The one place that does so."""
    if isinstance(error, Auth0LinkError):
        return error.exit_code
    if isinstance(error, KeyboardInterrupt):
        return ExitCode.INTERRUPTED
    return ExitCode.ERROR
