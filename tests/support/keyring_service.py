"""A real SecretService: gnome-keyring on a private D-Bus session, started and stopped here.

Used by tests of ``KeyringTokenStore`` and by end-to-end tests (pass :attr:`env` to
subprocesses). Outside CI a missing system package skips with a loud reason; in CI
(``CI=true``) it fails, because ``make test`` installs the packages first.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING, Final

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator


def require_tools(*tools: str) -> None:
    """Skip (or fail in CI) when a system tool is missing."""
    missing = [t for t in tools if not shutil.which(t) and not Path(t).exists()]
    if not missing:
        return
    message = f"missing system packages for {', '.join(missing)}: run scripts/install-system-deps.sh"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


# Read once at import (conftest imports this module), before tests remove CI from their environment.
IN_CI: Final = bool(os.environ.get("CI"))


class SecretService:
    """The environment of a running private D-Bus + gnome-keyring."""

    def __init__(self, env: dict[str, str]) -> None:
        """Keep the variables a client needs to reach the keyring."""
        self.env = env


@contextlib.contextmanager
def secret_service(tmp: Path) -> Iterator[SecretService]:
    """Start dbus-daemon and an unlocked gnome-keyring; yield their environment."""
    require_tools("dbus-daemon", "gnome-keyring-daemon")
    run = tmp / "run"
    run.mkdir(mode=0o700)
    env = {**os.environ, "XDG_DATA_HOME": str(tmp / "data"), "XDG_RUNTIME_DIR": str(run)}
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    env.pop("GNOME_KEYRING_CONTROL", None)
    bus = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--nopidfile", "--print-address=1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert bus.stdout is not None
    env["DBUS_SESSION_BUS_ADDRESS"] = bus.stdout.readline().strip()
    gkd = subprocess.Popen(
        ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert gkd.stdin is not None
    gkd.stdin.write("test-keyring-pass")
    gkd.stdin.close()
    try:
        _wait_for_service(env)
        yield SecretService(
            {k: env[k] for k in ("DBUS_SESSION_BUS_ADDRESS", "XDG_DATA_HOME", "XDG_RUNTIME_DIR")}
        )
    finally:
        for proc in (gkd, bus):
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        bus.stdout.close()


def _wait_for_service(env: dict[str, str]) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        probe = subprocess.run(
            [
                "dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus",
                "/org/freedesktop/DBus", "org.freedesktop.DBus.NameHasOwner",
                "string:org.freedesktop.secrets",
            ],
            env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if "true" in probe.stdout:
            return
        time.sleep(0.05)
    msg = "gnome-keyring-daemon did not come up on the private bus"
    raise RuntimeError(msg)
