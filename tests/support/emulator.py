"""Start the emulator as a real subprocess for end-to-end tests.

Usage::

    from tests.support.emulator import start_emulator

    with start_emulator("--token-ttl", "60") as emu:
        emu.base_url, emu.client_id, emu.m2m_client_id, emu.m2m_client_secret, emu.users
        ...
    # stopped (SIGTERM, then SIGKILL after `stop_timeout`) on exit

It serves HTTPS (the default of ``auth0link emulator``; pass ``"--http"`` only in tests about
plain http): ``emu.base_url`` is ``https://127.0.0.1:PORT``, ``emu.domain`` the bare
``127.0.0.1:PORT`` a user sets, ``emu.ca_bundle`` the CA file it printed, and ``emu.verify`` the
``verify=`` for httpx trusting that CA.

Helpers on the running emulator: ``emu.env()`` (AUTH0LINK_DOMAIN/CLIENT_ID/CA_BUNDLE for a CLI
subprocess),
``emu.inject("POST /api/v2/users/*/identities=drop")``, ``emu.clear_faults()``,
``emu.outbox("alice@example.com")``, ``emu.reset()``, ``emu.advance_clock(901)``,
``emu.user("auth0|…")`` and ``emu.m2m_token()``.

or as a pytest fixture (see ``tests/emulator/conftest.py``: ``emulator_process``).

It runs ``sys.executable -m auth0link emulator --json --port 0 ARGS`` (``via="cli"``, default)
or ``sys.executable -m auth0link.emulator --json --port 0 ARGS`` (``via="module"``, the same parser),
reads the one JSON line from stdout with a timeout, and keeps stderr in a temporary file whose
text is attached to every failure (start-up error, early exit, non-zero exit on stop).
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import httpx

if TYPE_CHECKING:
    from collections.abc import Iterator


class EmulatorFailed(RuntimeError):
    """The emulator subprocess did not start or stop as expected (message includes stderr)."""


@dataclass
class RunningEmulator:
    """A started emulator: its JSON start-up line, process and stderr log."""

    info: dict[str, Any]
    process: subprocess.Popen[bytes]
    stderr_path: Path
    returncode: int | None = field(default=None)

    @property
    def base_url(self) -> str:
        """``https://127.0.0.1:PORT`` (``http://…`` with ``--http``)."""
        return str(self.info["base_url"])

    @property
    def domain(self) -> str:
        """The ``AUTH0LINK_DOMAIN`` to use: a bare ``127.0.0.1:PORT`` (the URL with ``--http``)."""
        return str(self.info["domain"])

    @property
    def ca_bundle(self) -> str | None:
        """The emulator's CA certificate file (``None`` with ``--http``)."""
        value = self.info.get("ca_bundle")
        return str(value) if value else None

    @property
    def verify(self) -> ssl.SSLContext | bool:
        """httpx ``verify=`` value that trusts this emulator's CA."""
        return ssl.create_default_context(cafile=self.ca_bundle) if self.ca_bundle else True

    @property
    def client_id(self) -> str:
        """The native (public) client ID."""
        return str(self.info["client_id"])

    @property
    def m2m_client_id(self) -> str:
        """The M2M client ID."""
        return str(self.info["m2m_client_id"])

    @property
    def m2m_client_secret(self) -> str:
        """The M2M demo secret."""
        return str(self.info["m2m_client_secret"])

    @property
    def users(self) -> list[dict[str, Any]]:
        """The users listed at start-up (``user_id``, ``email``, ``connection``, …)."""
        return list(self.info["users"])

    @property
    def control_headers(self) -> dict[str, str]:
        """The header authorising ``/__emulator/*`` calls (this start's secret)."""
        return {"x-emulator-token": str(self.info["control_token"])}

    def env(self) -> dict[str, str]:
        """Environment variables pointing the CLI (and the scripted user) at this emulator."""
        env = {
            "AUTH0LINK_DOMAIN": self.domain,
            "AUTH0LINK_CLIENT_ID": self.client_id,
            "AUTH0LINK_EMULATOR_TOKEN": str(self.info["control_token"]),
        }
        if self.ca_bundle:
            env["AUTH0LINK_CA_BUNDLE"] = self.ca_bundle
        return env

    def client(self, **kw: Any) -> httpx.Client:
        """An httpx client for this emulator that trusts its CA (close it, or use ``with``)."""
        return httpx.Client(base_url=self.base_url, verify=self.verify, timeout=10, **kw)

    def admin(self, method: str, path: str, **kw: Any) -> httpx.Response:
        """Call a test-only ``/__emulator/…`` endpoint (raises on an HTTP error)."""
        url = f"{self.base_url}/__emulator/{path}"
        headers = {**self.control_headers, **kw.pop("headers", {})}
        reply = httpx.request(method, url, timeout=10, verify=self.verify, headers=headers, **kw)
        reply.raise_for_status()
        return reply

    def inject(self, spec: str) -> None:
        """Add fault rules, e.g. ``emu.inject("POST /api/v2/users/*/identities=drop")``."""
        self.admin("POST", "faults", json={"spec": spec})

    def clear_faults(self) -> None:
        """Remove every fault rule."""
        self.admin("DELETE", "faults")

    def outbox(self, to: str) -> list[dict[str, Any]]:
        """One-time codes sent to ``to`` (email or phone), oldest first."""
        messages: list[dict[str, Any]] = self.admin("GET", "outbox", params={"to": to}).json()["messages"]
        return messages

    def reset(self) -> None:
        """Back to the initial users; forget sessions, tokens, outbox and faults."""
        self.admin("POST", "reset")

    def advance_clock(self, seconds: float) -> None:
        """Move the tenant clock forward (token/device-code expiry)."""
        self.admin("POST", "clock", json={"advance": seconds})

    def user(self, user_id: str) -> dict[str, Any]:
        """The user as the Management API returns it (``GET /api/v2/users/{id}``, M2M token)."""
        from urllib.parse import quote

        reply = httpx.get(
            f"{self.base_url}/api/v2/users/{quote(user_id, safe='')}",
            headers={"authorization": f"Bearer {self.m2m_token()}"},
            timeout=10,
            verify=self.verify,
        )
        reply.raise_for_status()
        body: dict[str, Any] = reply.json()
        return body

    def m2m_token(self, scope: str | None = None) -> str:
        """A client-credentials access token for the Management API."""
        data = {
            "grant_type": "client_credentials",
            "client_id": self.m2m_client_id,
            "client_secret": self.m2m_client_secret,
            "audience": self.base_url + "/api/v2/",
        }
        if scope is not None:
            data["scope"] = scope
        reply = httpx.post(self.base_url + "/oauth/token", data=data, timeout=10, verify=self.verify)
        reply.raise_for_status()
        return str(reply.json()["access_token"])

    def stderr_text(self) -> str:
        """Everything the emulator wrote on stderr so far."""
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10.0) -> int:
        """Send ``sig``, wait up to ``timeout`` s (then SIGKILL); return the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        self.returncode = self.process.returncode
        return self.returncode


def emulator_command(*args: str, via: Literal["cli", "module"] = "cli", access_log: bool = True) -> list[str]:
    """The argv that starts the emulator with ``--json --port 0`` and ``args``.

    ``access_log``: pass ``--access-log`` (its stderr goes to a file, where the log is off by
    default), so tests can read the requests and a failure shows them.
    """
    logged = ["--access-log"] if access_log else []
    if via == "cli":
        return [sys.executable, "-m", "auth0link", "emulator", "--json", "--port", "0", *logged, *args]
    return [sys.executable, "-m", "auth0link.emulator", "--json", "--port", "0", *logged, *args]


def _parse_line(line: bytes) -> dict[str, Any] | None:
    try:
        info = json.loads(line)
    except ValueError:
        return None
    return info if isinstance(info, dict) and "base_url" in info else None


def launch(
    *args: str,
    via: Literal["cli", "module"] = "cli",
    env: dict[str, str] | None = None,
    timeout: float = 20.0,
    access_log: bool = True,
) -> RunningEmulator:
    """Start the emulator and return once its JSON line has been read."""
    fd, name = tempfile.mkstemp(prefix="emulator-", suffix=".stderr")
    stderr_path = Path(name)
    child_env = {**os.environ, **(env or {})}
    if not child_env.get("AUTH0LINK_DATA_DIR"):
        # A module-scoped fixture starts before the per-test isolated environment: keep the CA
        # out of the developer's data directory (the command line stays the default one).
        child_env["AUTH0LINK_DATA_DIR"] = str(stderr_path.with_suffix(".data"))
    with os.fdopen(fd, "wb") as stderr:
        process = subprocess.Popen(
            emulator_command(*args, via=via, access_log=access_log),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
            env=child_env,
        )
    assert process.stdout is not None
    line = b""
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while not line.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(remaining):
                break
            chunk = os.read(process.stdout.fileno(), 65536)
            if not chunk:
                break
            line += chunk
    running = RunningEmulator(info={}, process=process, stderr_path=stderr_path)
    info = _parse_line(line)
    if info is None:
        code = running.stop(timeout=5)
        raise EmulatorFailed(
            f"the emulator did not print its JSON line within {timeout:.0f}s "
            f"(exit code {code}, stdout {line[:200]!r}); stderr:\n{running.stderr_text()}"
        ) from None
    running.info = info
    return running


@contextlib.contextmanager
def start_emulator(
    *args: str,
    via: Literal["cli", "module"] = "cli",
    env: dict[str, str] | None = None,
    timeout: float = 20.0,
    stop_timeout: float = 10.0,
    check_exit: bool = True,
) -> Iterator[RunningEmulator]:
    """Run the emulator for the ``with`` block; fail loudly (with stderr) if it misbehaves."""
    running = launch(*args, via=via, env=env, timeout=timeout)
    try:
        yield running
    except BaseException:
        # Shown by pytest with the failure (captured stdout).
        print(f"--- emulator stderr ---\n{running.stderr_text()}")
        raise
    finally:
        code = running.stop(timeout=stop_timeout)
        text = running.stderr_text()
        running.stderr_path.unlink(missing_ok=True)
        shutil.rmtree(running.stderr_path.with_suffix(".data"), ignore_errors=True)
    if check_exit and code != 0:
        # A negative code is a signal that killed it: it crashed earlier or ignored SIGTERM.
        raise EmulatorFailed(f"the emulator exited with {code} (expected 0); stderr:\n{text}")
