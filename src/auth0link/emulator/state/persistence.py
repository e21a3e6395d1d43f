"""Files: the ``--users`` file (read by :mod:`.user_files`), the ``--state`` file, and the tenant build.

A state file holds the durable part of a tenant: the signing key (so the JWKS survives a
restart), users, passwords, refresh tokens and revoked families. It is read and checked whole
before the tenant is built: anything wrong with it (not JSON, not ours, a garbage key, a user
without identities, …) is one :class:`~auth0link.emulator.EmulatorError` naming the file and the
fix. It is written atomically with mode 0600 (it holds the private key and passwords).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import UnsupportedAlgorithm

from .. import EmulatorError
from ..protocol.keys import SigningKey
from . import demo
from . import tenant_file as tenant_files
from .model import RefreshToken, User
from .tenant import Tenant
from .user_files import UsersFile

if TYPE_CHECKING:
    from collections.abc import Callable

STATE_VERSION = 1
# What decoding a malformed-but-valid-JSON state raises (a garbage key: ValueError or
# UnsupportedAlgorithm; a field of the wrong type or shape: the others).
_DAMAGED = (ValueError, TypeError, KeyError, AttributeError, IndexError, UnsupportedAlgorithm)


@dataclass(frozen=True)
class SavedState:
    """A decoded state file (``key``/``users`` are ``None`` when the file does not have them)."""

    key: SigningKey | None = None
    users: list[User] | None = None
    passwords: dict[str, str] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshToken] = field(default_factory=dict)
    revoked_families: frozenset[str] = frozenset()


def state_json(tenant: Tenant) -> dict[str, Any]:
    """The durable state of ``tenant`` as the state file holds it."""
    return {
        "version": STATE_VERSION,
        "signing_key_pem": tenant.key.to_pem(),
        "users": [user.to_json() for user in tenant.users.values()],
        "passwords": dict(tenant.users.passwords),
        "refresh_tokens": {t: r.to_json() for t, r in tenant.refresh_tokens.live().items()},
        "revoked_families": sorted(tenant.refresh_tokens.revoked()),
    }


def decode_state(data: dict[str, Any]) -> SavedState:
    """Check and decode :func:`state_json` output (``ValueError``/``TypeError``/… if malformed)."""
    pem = data.get("signing_key_pem")
    if pem is not None and not isinstance(pem, str):
        raise TypeError("signing_key_pem must be a PEM string")
    users = data.get("users")
    if users is not None and not isinstance(users, list):
        raise TypeError("users must be a list")
    passwords = data.get("passwords", {})
    tokens = data.get("refresh_tokens", {})
    revoked = data.get("revoked_families", [])
    if not (isinstance(passwords, dict) and isinstance(tokens, dict) and isinstance(revoked, list)):
        raise TypeError("passwords and refresh_tokens must be objects, revoked_families a list")
    return SavedState(
        key=_signing_key(pem) if pem is not None else None,
        users=[User.from_json(u) for u in users] if users is not None else None,
        passwords={str(k): str(v) for k, v in passwords.items()},
        refresh_tokens={str(t): RefreshToken(**r) for t, r in tokens.items()},
        revoked_families=frozenset(str(f) for f in revoked),
    )


def _signing_key(pem: str) -> SigningKey:
    try:
        return SigningKey.from_pem(pem)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise ValueError("signing_key_pem is not a PEM RSA private key") from exc


def apply_state(tenant: Tenant, state: SavedState) -> None:
    """Load the users, passwords and refresh tokens of ``state`` into ``tenant``."""
    tenant.users.replace(list(state.users or []), state.passwords)
    tenant.refresh_tokens.restore(state.refresh_tokens, state.revoked_families)


def load_state(path: Path) -> SavedState | None:
    """Read and check a ``--state`` file; ``None`` if it does not exist yet."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise EmulatorError(
            f"cannot read the state file {path} ({exc.strerror}); fix its permissions or pass another --state"
        ) from exc
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # RecursionError: nested too deeply
        raise EmulatorError(f"the state file {path} is not valid JSON; delete it to start fresh") from exc
    if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
        raise EmulatorError(f"the state file {path} is not an emulator state file; delete it to start fresh")
    try:
        return decode_state(data)
    except _DAMAGED as exc:
        lines = str(exc).splitlines() or [type(exc).__name__]
        detail = f"missing {exc}" if isinstance(exc, KeyError) else lines[0][:120]
        raise EmulatorError(f"the state file {path} is damaged ({detail}); delete it to start fresh") from exc


def save_state(path: Path, tenant: Tenant) -> None:
    """Write the state atomically (temp file in the same directory, fsync, rename), mode 0600."""
    write_private(path, json.dumps(state_json(tenant), indent=1, sort_keys=True))


def private_temp_file(path: Path, text: str) -> Path:
    """A temporary file beside ``path`` holding ``text``, mode 0600 from the start and on disk.

    The caller moves it into place (a rename replaces, a link does not) or removes it.
    """
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            Path(name).unlink()
        raise
    return Path(name)


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically with mode 0600, creating a missing folder (0700).

    The file has its mode from the start (never briefly world-readable), and a crash leaves the
    old content or the new one, never half of either.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = private_temp_file(path, text)
    try:
        tmp.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    with contextlib.suppress(OSError):  # make the rename durable too
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def read_users_file(path: Path, *, database: str = demo.DATABASE) -> UsersFile:
    """A ``--users`` file, checked to be readable; its users are read while the tenant is built.

    Any of the formats :mod:`.user_files` detects; ``database`` is the ``--users-connection``.
    """
    return UsersFile.open(path, database=database)


def build_tenant(
    base_url: str,
    *,
    users: list[dict[str, Any]] | UsersFile | None = None,
    state: SavedState | None = None,
    tenant_file: Path | None = None,
    fresh_key: Callable[[], SigningKey] | None = None,
    **settings: Any,
) -> Tenant:
    """Make a tenant: demo clients plus ``--tenant``; key and users from ``state``, else fresh/demo.

    ``fresh_key`` makes the key when ``state`` has none (the command line starts it early:
    :func:`~..protocol.keys.generate_in_background`).
    """
    key = state.key if state is not None and state.key is not None else (fresh_key or SigningKey.generate)()
    tenant = Tenant(base_url, key, **settings)
    if tenant_file is not None:
        tenant_files.load(tenant, tenant_file)
    if state is not None and state.users is not None:
        apply_state(tenant, state)
        return tenant
    if isinstance(users, UsersFile):
        users.load_into(tenant.users)
        return tenant
    try:
        tenant.users.load(users if users is not None else [dict(u) for u in demo.DEMO_USERS])
    except (ValueError, TypeError, KeyError) as exc:
        raise EmulatorError(f"invalid users file: {exc}; fix the entry") from exc
    return tenant
