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

Every error says what to do next, as a value: its ``fix`` is a :class:`Fix`, a sentence with
the auth0link commands in it kept as :class:`Command` values (``Fix.run("login")`` reads
``run: auth0link login``). :func:`render_fix` is the one place a fix becomes text; the command
line passes it the ``--profile NAME`` it was given, which it places right after ``auth0link``
(``auth0link --profile work login``). Nothing reads a hint's text back: code that needs to know
a fix compares the values.

Messages are built from sentences with :func:`join_sentences` (each part ends with one full
stop, whatever it ended with) and another error's message is embedded with :func:`clause` (no
full stop inside parentheses), so no message reads "…a JWT Nothing was changed." or "(x).).".
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Command:
    """An auth0link command line to suggest: the words after ``auth0link``, as a user types them.

    ``profile`` names the profile the command is for when it is not the one a bare command uses
    (``status`` fixing another profile); :func:`render_fix` then places ``--profile`` itself.
    """

    args: tuple[str, ...]
    profile: str | None = None


def cmd(*args: str, profile: str | None = None) -> Command:
    """``cmd("login", "--machine")``: the command ``auth0link login --machine``."""
    return Command(args, profile)


@dataclass(frozen=True, init=False)
class Fix:
    """What to do next: text and :class:`Command` values, in reading order (see :func:`render_fix`).

    ``Fix("check with: ", cmd("identities"))`` renders ``check with: auth0link identities``; a fix
    with no command is a plain sentence.
    """

    parts: tuple[str | Command, ...]

    def __init__(self, *parts: str | Command) -> None:
        """The parts, joined as they are (text brings its own spaces and punctuation; empty text goes)."""
        object.__setattr__(self, "parts", tuple(part for part in parts if part != ""))

    @classmethod
    def run(cls, *args: str, profile: str | None = None, lead: str = "run: ", note: str = "") -> Fix:
        """``Fix.run("login")`` → ``run: auth0link login``; ``note`` follows the command as written."""
        return cls(lead, Command(args, profile), note)

    def __add__(self, other: Fix | str) -> Fix:
        """This fix followed by more text or another fix's parts."""
        return Fix(*self.parts, *(other.parts if isinstance(other, Fix) else (other,)))

    def __radd__(self, other: str) -> Fix:
        """Text, then this fix: ``"nothing was stored; " + LOGIN``."""
        return Fix(other, *self.parts)

    @property
    def commands(self) -> tuple[Command, ...]:
        """The commands this fix names, in order."""
        return tuple(part for part in self.parts if isinstance(part, Command))


def render_fix(fix: Fix, *, profile: str | None = None) -> str:
    """The one place a fix becomes text: each command as ``auth0link [--profile NAME] ARGS``.

    ``profile`` is the ``--profile`` the command line was given; a command's own profile wins.
    """
    text: list[str] = []
    for part in fix.parts:
        if isinstance(part, str):
            text.append(part)
            continue
        name = part.profile or profile
        text.append(" ".join(("auth0link", *(("--profile", name) if name else ()), *part.args)))
    return "".join(text)


#: the generic next step when no session is usable
LOGIN: Final = Fix.run("login")
#: where to see the outcome of a link or unlink that may have been applied
CHECK_IDENTITIES: Final = Fix("check with: ", cmd("identities"))
LISTS_LINKED: Final = Fix(cmd("identities"), " lists the linked accounts")


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

    ``message`` is shown to the user as a single line; ``fix`` (optional) is the next step,
    shown on a second line prefixed with ``hint:``. It is given as ``hint=``: a :class:`Fix`, or
    a plain sentence (kept as a fix without a command).
    """

    def __init__(self, message: str, *, hint: Fix | str | None = None) -> None:
        """Build the error from a one-line message and an optional next step."""
        super().__init__(message)
        self.message = message
        self.fix: Fix | None = Fix(hint) if isinstance(hint, str) else hint

    @property
    def hint(self) -> str | None:
        """The fix as text, for a command without ``--profile`` (None without a fix)."""
        return render_fix(self.fix) if self.fix and self.fix.parts else None

    def __str__(self) -> str:
        """The message, followed by the hint when there is one."""
        return f"{self.message} ({self.hint})" if self.hint else self.message


class UsageError(Auth0LinkError):
    """An option or input value is invalid (bad argument, malformed stdin line)."""


class ConfigurationError(Auth0LinkError):
    """The tenant configuration is missing or invalid (domain, client ID, profile name)."""


class LoginRequired(Auth0LinkError):
    """No usable session: never logged in, expired, or the refresh token was revoked."""

    def __init__(self, message: str = "You are not logged in.", *, hint: Fix | str | None = None) -> None:
        """Default to telling the user to log in (:data:`LOGIN`)."""
        super().__init__(message, hint=hint or LOGIN)


class OAuthError(Auth0LinkError):
    """The authorization server refused a request; ``error`` is the RFC 6749 error code."""

    def __init__(
        self,
        message: str,
        *,
        error: str,
        status_code: int | None = None,
        hint: Fix | str | None = None,
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
        hint: Fix | str | None = None,
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

    def __init__(self, message: str, *, hint: Fix | str | None = None, maybe_applied: bool = False) -> None:
        """Remember whether the failed request may still have taken effect."""
        super().__init__(message, hint=hint)
        self.maybe_applied = maybe_applied


class TlsError(NetworkError):
    """The TLS handshake failed, so nothing was sent (never retried).

    The server's certificate is not trusted here (unknown CA, expired, issued for another host),
    or the server does not speak TLS at all. The message is one line: the host and the reason
    (``problem``), then what to do (``remedy``, given as ``fix=``), which ``doctor`` shows apart.
    The remedy is in the message, so the error has no separate ``fix`` line.
    """

    def __init__(self, problem: str, *, fix: Fix | str) -> None:
        """One line: ``<problem>; <fix>.``."""
        remedy = Fix(fix) if isinstance(fix, str) else fix
        super().__init__(f"{problem}; {render_fix(remedy)}.")
        self.problem = problem
        self.remedy = remedy


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

    def __init__(
        self, message: str, *, hint: Fix | str | None = None, cause: Auth0LinkError | None = None
    ) -> None:
        """Keep the cause: its exit code is this error's (see ``auth0link.cli.exit_code_for``)."""
        super().__init__(message, hint=hint)
        self.cause = cause


class Interrupted(Auth0LinkError):
    """The user pressed Ctrl-C; nothing half-finished was stored."""

    def __init__(self, message: str = "Interrupted.", *, hint: Fix | str | None = None) -> None:
        """Default message for Ctrl-C."""
        super().__init__(message, hint=hint)
