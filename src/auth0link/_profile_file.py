"""A profile's name and TOML file: which profile is active, reading and writing its settings.

Every failure is one clear line.

``config.ProfileFile`` delegates here. A profile file that is missing is an empty profile;
anything else that is wrong with it (not UTF-8, not TOML, a value that is a table or an array,
a directory in its place, a folder that cannot be read or written) is a
:class:`~auth0link.errors.ConfigurationError` (exit 2) naming the file and the fix.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Final

from auth0link._constants import (
    ACTIVE_PROFILE_FILE,
    CONFIG_KEYS,
    DEFAULT_PROFILE,
    ENV_CONFIG_DIR,
    ENV_PROFILE,
)
from auth0link.errors import ConfigurationError, Fix, cmd, render_fix

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

_PROFILE_RE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")  # always fullmatch: `$` allows "\n"


def validate_profile(name: str) -> str:
    """Profile names become file names: letters, digits, ``_ . -``; no paths."""
    if not _PROFILE_RE.fullmatch(name) or ".." in name:
        raise ConfigurationError(
            f"Invalid profile name {name[:40]!r}.",
            hint="use letters, digits, '_', '.' or '-' (at most 64 characters)",
        )
    return name


def resolve_profile(flag: str | None, env: Mapping[str, str], config_dir: Path) -> tuple[str, str]:
    """The profile and where it came from: flag → environment → the switched-to one → default."""
    for source, value in (("flag", flag), (f"env {ENV_PROFILE}", env.get(ENV_PROFILE))):
        if value:
            return validate_profile(value), source
    switched = read_active_profile(config_dir)
    if switched and (not _PROFILE_RE.fullmatch(switched) or ".." in switched):
        raise ConfigurationError(
            f"{config_dir / ACTIVE_PROFILE_FILE} names no valid profile ({switched[:40]!r}).",
            hint=Fix.run("profiles", "switch", "NAME", note=" (or delete that file)"),
        )
    return (
        (switched, render_fix(Fix(cmd("profiles", "switch")))) if switched else (DEFAULT_PROFILE, "default")
    )


def read_profile(path: Path, profile: str) -> dict[str, str]:
    """The file's known keys as strings; ``{}`` when the file does not exist."""
    fix = Fix.run("config", "set", "KEY", "VALUE", profile=profile, lead="fix or delete it, then run: ")
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}  # no profile file: no TOML parser to load either
    except OSError as exc:
        raise _os_error("read", path, exc) from None
    import tomllib

    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigurationError(f"{path} is not UTF-8 text.", hint=fix) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{path} is not valid TOML ({exc}).", hint=fix) from None
    values: dict[str, str] = {}
    for key, value in data.items():
        if key not in CONFIG_KEYS:
            continue
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            kind = {dict: "a table", list: "an array", bool: "a boolean"}.get(type(value), "a date or time")
            raise ConfigurationError(f"{path}: {key} is {kind}, not a string.", hint=fix)
        values[key] = str(value)
    return values


def write_profile(path: Path, values: Mapping[str, str]) -> None:
    """Write all values atomically (temp file + rename, mode 0600), keys sorted."""
    from auth0link._files import atomic_write_text

    lines = [f"{key} = {json.dumps(values[key])}" for key in sorted(values)]
    try:
        atomic_write_text(path, "\n".join(lines) + ("\n" if lines else ""), mode=0o600)
    except OSError as exc:
        raise _os_error("write", path, exc) from None


def _os_error(verb: str, path: Path, exc: OSError) -> ConfigurationError:
    """One line naming the file and what to do about a profile that cannot be read or written."""
    if isinstance(exc, IsADirectoryError):
        return ConfigurationError(
            f"Cannot {verb} {path}: it is a directory.", hint=f"remove or rename the directory {path}"
        )
    # A regular file (or a dangling link) where a folder of the path should be.
    blocker = next((p for p in path.parents if (p.is_symlink() or p.exists()) and not p.is_dir()), None)
    if blocker is not None:
        return ConfigurationError(
            f"Cannot {verb} {path}: {blocker} is not a folder.",
            hint=f"remove or move {blocker}, or point {ENV_CONFIG_DIR} at a folder",
        )
    if isinstance(exc, PermissionError):
        hint = f"check the permissions of {path} and of its folder"
    else:
        hint = f"make {path.parent} a folder you can write, or point {ENV_CONFIG_DIR} at one"
    return ConfigurationError(f"Cannot {verb} {path}: {exc.strerror or exc}.", hint=hint)


def read_active_profile(config_dir: Path) -> str | None:
    """The profile ``auth0link profiles switch`` made active (``<config dir>/active-profile``), if any."""
    try:
        name = (config_dir / ACTIVE_PROFILE_FILE).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return name or None


def write_active_profile(config_dir: Path, name: str) -> Path:
    """Remember ``name`` as the active profile (atomically, mode 0600); returns the file."""
    from auth0link._files import atomic_write_text

    path = config_dir / ACTIVE_PROFILE_FILE
    try:
        atomic_write_text(path, name + "\n", mode=0o600)
    except OSError as exc:
        raise _os_error("write", path, exc) from None
    return path
