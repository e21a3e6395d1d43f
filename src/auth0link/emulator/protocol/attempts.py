"""Attempt limits, as a real tenant enforces them: brute-force protection and one-time-code tries.

- **Brute-force protection** (on by default in Auth0, threshold 10): after
  :attr:`AttemptLimits.brute_force_threshold` consecutive wrong passwords for one user (one
  database connection and email), every further password login of that user is refused, the
  right password too: the login page shows, and ``/oauth/token`` answers 429 ``too_many_attempts``
  with :data:`BLOCKED`. A right password before the threshold starts the count again. Auth0 counts
  per user and IP address; every client of a loopback emulator has one address, so the emulator
  counts per user. ``POST /__emulator/reset`` lifts every block.
- **One-time codes** (passwordless email/SMS): after :attr:`AttemptLimits.otp_attempts` (3, a
  fixed value in Auth0) wrong codes, the code is dead: the right code is refused with
  :data:`MAX_OTP_ATTEMPTS`. On the login page the count belongs to the login transaction (a new
  code does not reset it, as Auth0's); for the OTP grant a new ``/passwordless/start`` does.

Both thresholds can be set in the ``--tenant`` file (deploy-cli's keys)::

    attackProtection:
      bruteForceProtection: {enabled: true, max_attempts: 3}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from ..state import accounts

if TYPE_CHECKING:
    from collections.abc import Hashable

    from ..state.directory import UserDirectory
    from ..state.model import User

BLOCKED: Final = (
    "Your account has been blocked after multiple consecutive login attempts. "
    "We've sent you an email with instructions on how to unblock it."
)
MAX_OTP_ATTEMPTS: Final = "You've reached the maximum number of attempts. Please try to login again."
MAX_THRESHOLD: Final = 100  # Auth0's custom threshold is 1 to 100


class Blocked(Exception):
    """The user is blocked by brute-force protection."""


@dataclass
class AttemptLimits:
    """Failure counts of one tenant (forgotten on reset)."""

    brute_force_threshold: int = 10
    brute_force_enabled: bool = True
    otp_attempts: int = 3
    _password_failures: dict[tuple[str, str], int] = field(default_factory=dict)
    _code_failures: dict[Hashable, int] = field(default_factory=dict)

    def check_password(self, users: UserDirectory, connection: str, login: str, password: str) -> User | None:
        """The user with this login (email, username or phone) and password; ``None`` when wrong.

        :class:`Blocked` when that login has had its wrong tries.
        """
        key = (connection, login.strip().lower())
        if self.brute_force_enabled and self._password_failures.get(key, 0) >= self.brute_force_threshold:
            raise Blocked
        user = accounts.check_password(users, connection, login, password)
        if user is None:
            self._password_failures[key] = self._password_failures.get(key, 0) + 1
        else:
            self._password_failures.pop(key, None)
        return user

    def code_exhausted(self, key: Hashable) -> bool:
        """Whether the one-time code counted under ``key`` has had its wrong tries."""
        return self._code_failures.get(key, 0) >= self.otp_attempts

    def code_failed(self, key: Hashable) -> None:
        """Count one wrong code under ``key``."""
        self._code_failures[key] = self._code_failures.get(key, 0) + 1

    def forget_code(self, key: Hashable) -> None:
        """A new code (or a right one): start the count again."""
        self._code_failures.pop(key, None)

    def clear(self) -> None:
        """Forget every count and block."""
        self._password_failures.clear()
        self._code_failures.clear()

    def configure(self, section: Any) -> None:
        """Apply a tenant file's ``attackProtection`` section (``ValueError`` if malformed)."""
        if section is None:
            return
        brute = section.get("bruteForceProtection") if isinstance(section, dict) else None
        if not isinstance(brute, dict):
            raise ValueError("attackProtection must hold bruteForceProtection: {enabled, max_attempts}")  # noqa: TRY004 - one error type for the tenant file's checks
        enabled = brute.get("enabled", True)
        attempts = brute.get("max_attempts", self.brute_force_threshold)
        if not isinstance(enabled, bool):
            raise ValueError("attackProtection.bruteForceProtection.enabled must be true or false")  # noqa: TRY004 - one error type for the tenant file's checks
        if isinstance(attempts, bool) or not isinstance(attempts, int) or not 1 <= attempts <= MAX_THRESHOLD:
            raise ValueError(
                f"attackProtection.bruteForceProtection.max_attempts must be 1 to {MAX_THRESHOLD}"
            )
        self.brute_force_enabled, self.brute_force_threshold = enabled, attempts
