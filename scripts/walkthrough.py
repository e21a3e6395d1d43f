"""The walkthrough (docs/linking.md), run for real: emulator → login → link → identities → unlink.

Used by ``scripts/gen_docs.py`` (which captures the output for docs/linking.md) and runnable on its
own (``python scripts/walkthrough.py``). Everything runs the real CLI as subprocesses against a
local ``auth0link emulator`` over HTTPS, configured as a user configures a real tenant: the bare
``127.0.0.1:PORT`` domain plus ``AUTH0LINK_CA_BUNDLE`` (the emulator's CA, kept in the temporary
directory's data folder); the user's part of each browser login is done by the emulator's
scripted user (``python -m auth0link.emulator.testing.agent``, set as ``$BROWSER``), which fills in the
same hosted pages a person would. Configuration, backups and (unless the OS keyring is used)
tokens (``--insecure-storage``, 0600) live in a temporary directory that is removed at the end.
"""

# ruff: noqa: T201, INP001 - a script (not a package) that reports on stdout

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import selectors
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

CLI = (sys.executable, "-m", "auth0link")
ALICE_EMAIL = "alice@example.com"
ALICE_PASSWORD = "correct-horse-alice"  # noqa: S105 - the emulator's public demo password


@dataclasses.dataclass
class Step:
    """One command of the walkthrough and what it printed."""

    argv: list[str]
    code: int
    stdout: str
    stderr: str


@dataclasses.dataclass
class Walkthrough:
    """A running emulator plus a private config/data dir, and the steps run so far."""

    base_url: str
    domain: str
    env: dict[str, str]
    home: Path
    steps: list[Step] = dataclasses.field(default_factory=list)

    def agent(self, *, connection: str, password: str | None = None) -> str:
        """A ``$BROWSER`` that completes the login as Alice on ``connection``."""
        argv = [
            sys.executable,
            "-m",
            "auth0link.emulator.testing.agent",
            "--email",
            ALICE_EMAIL,
            "--connection",
            connection,
        ]
        if password:
            argv += ["--password", password]
        return shlex.join(argv) + " %s"

    def run(self, *args: str, browser: str | None = None, stdin: str | None = None) -> Step:
        """Run ``auth0link ARGS``; fail loudly if it does not exit 0."""
        env = {**self.env, **({"BROWSER": browser} if browser else {})}
        done = subprocess.run(  # noqa: S603 - argv built here
            [*CLI, *args],
            env=env,
            input=stdin or "",
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        step = Step(["auth0link", *args], done.returncode, done.stdout, done.stderr)
        self.steps.append(step)
        if done.returncode != 0:
            msg = f"auth0link {' '.join(args)} exited {done.returncode}:\n{done.stderr}"
            raise SystemExit(msg)
        return step

    def run_tty(self, *args: str, columns: int = 150) -> str:
        """Run ``auth0link ARGS`` with stdout on a pseudo-terminal; return what it drew (ANSI)."""
        import fcntl
        import pty
        import struct
        import termios

        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
        env = {**self.env, "COLUMNS": str(columns), "TERM": "xterm-256color"}
        env.pop("NO_COLOR", None)
        proc = subprocess.Popen(  # noqa: S603 - argv built here
            [*CLI, *args], env=env, stdin=subprocess.DEVNULL, stdout=slave, stderr=subprocess.PIPE
        )
        os.close(slave)
        chunks: list[bytes] = []
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        os.close(master)
        _out, err = proc.communicate(timeout=60)
        if proc.returncode != 0:
            msg = f"auth0link {' '.join(args)} exited {proc.returncode}:\n{err.decode()}"
            raise SystemExit(msg)
        text = b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")
        self.steps.append(Step(["auth0link", *args], 0, text, err.decode()))
        return text

    def pipeline(self, line: str) -> Step:
        """Run a shell pipeline of ``auth0link`` commands (shown as typed)."""
        cli = shlex.join(CLI)
        done = subprocess.run(  # noqa: S602 - a fixed pipeline built here; the pipe is the point
            line.replace("auth0link ", f"{cli} "),
            shell=True,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        step = Step([line], done.returncode, done.stdout, done.stderr)
        self.steps.append(step)
        if done.returncode != 0:
            msg = f"{line} exited {done.returncode}:\n{done.stderr}"
            raise SystemExit(msg)
        return step

    def redact(self, text: str) -> str:
        """Make output stable for docs: the emulator's random port and the temp dir."""
        for real, shown in ((self.base_url, "https://127.0.0.1:PORT"), (self.domain, "127.0.0.1:PORT")):
            text = text.replace(real, shown).replace(quote(real, safe=""), quote(shown, safe=""))
        return text.replace(str(self.home), "~")


@contextlib.contextmanager
def emulator(data_dir: Path) -> Iterator[dict[str, Any]]:
    """``auth0link emulator --json --port 0`` (CA in ``data_dir``); yields its start-up JSON line."""
    env = {**os.environ, "AUTH0LINK_DATA_DIR": str(data_dir)}
    proc = subprocess.Popen(  # noqa: S603 - argv built here
        [*CLI, "emulator", "--json", "--port", "0", "--skip-callback-confirmation"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert proc.stdout is not None
    try:
        with selectors.DefaultSelector() as selector:
            selector.register(proc.stdout, selectors.EVENT_READ)
            if not selector.select(30):
                msg = "the emulator did not start within 30 s"
                raise SystemExit(msg)
        yield json.loads(proc.stdout.readline())
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()


@contextlib.contextmanager
def walkthrough() -> Iterator[Walkthrough]:
    """An emulator and an empty, private auth0link home (which also holds the emulator's CA)."""
    with (
        tempfile.TemporaryDirectory(prefix="auth0link-walkthrough-") as tmp,
        emulator(Path(tmp) / "data") as info,
    ):
        home = Path(tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith("AUTH0LINK_")}
        env.update(
            {
                "AUTH0LINK_DOMAIN": info["domain"],  # a bare 127.0.0.1:PORT, as for a real tenant
                "AUTH0LINK_CLIENT_ID": info["client_id"],
                "AUTH0LINK_CA_BUNDLE": info["ca_bundle"],
                "AUTH0LINK_CONFIG_DIR": str(home / "config"),
                "AUTH0LINK_DATA_DIR": str(home / "data"),
            }
        )
        yield Walkthrough(base_url=info["base_url"], domain=info["domain"], env=env, home=home)


def run_all(w: Walkthrough, *, identities_tty: bool = False, keyring: bool = False) -> str | None:
    """The walkthrough's steps; returns the identities table as drawn on a terminal when asked.

    ``keyring`` stores the session in the OS keyring (``make demo`` provides a private one)
    instead of the temporary directory's 0600 file.
    """
    storage = [] if keyring else ["--insecure-storage"]
    w.run(
        "login",
        *storage,
        browser=w.agent(connection="Username-Password-Authentication", password=ALICE_PASSWORD),
    )
    w.run("identities")
    w.run(
        "link",
        "--connection",
        "google-oauth2",
        "--login-hint",
        ALICE_EMAIL,
        "--yes",
        browser=w.agent(connection="google-oauth2"),
    )
    table = w.run_tty("identities") if identities_tty else w.run("identities").stdout
    w.pipeline("auth0link identities --secondary-only | grep google-oauth2 | auth0link unlink - --yes")
    w.run("identities")
    return table


def print_steps(w: Walkthrough, steps: Sequence[Step]) -> None:
    """Show each command with its output, as a terminal session would."""
    for step in steps:
        print(f"$ {shlex.join(step.argv) if len(step.argv) > 1 else step.argv[0]}")
        for text in (step.stderr, step.stdout):
            if text.strip():
                print(w.redact(text).rstrip("\n"))
        print()


def main() -> int:
    """Run the walkthrough and print it."""
    started = time.monotonic()
    with walkthrough() as w:
        run_all(w)
        print_steps(w, w.steps)
    print(f"walkthrough finished in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
