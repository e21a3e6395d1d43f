"""One test per documented exit code, and the docs' table (docs/scripting.md) checked against the enum.

Codes that need a tenant (4 API refused, 6 not found, 7 conflict) run the CLI against the real
emulator in ``tests/e2e/test_exit_codes_e2e.py``.
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from auth0link.errors import ExitCode

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.cli.conftest import Wired
    from tests.conftest import Runner

EXIT_CODES_PAGE = Path(__file__).resolve().parents[2] / "docs" / "scripting.md"


def fake_jwt(sub: str) -> str:
    """An unsigned JWT-shaped token with a `sub` (the CLI reads, never trusts, its own token)."""

    def part(obj: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'RS256'})}.{part({'sub': sub})}.c2ln"


def test_readme_exit_code_table_matches_enum() -> None:
    """The docs' exit code table (docs/scripting.md) lists exactly the codes of ExitCode."""
    text = EXIT_CODES_PAGE.read_text(encoding="utf-8")
    block = text.split("<!-- exit-codes:start -->", 1)[1].split("<!-- exit-codes:end -->", 1)[0]
    documented = {int(m) for m in re.findall(r"^\| (\d+) \|", block, flags=re.MULTILINE)}
    assert documented == {int(code) for code in ExitCode}


def test_exit_0_ok(cli: Runner) -> None:
    """Success exits 0."""
    assert cli("--version").exit_code == ExitCode.OK


def test_exit_1_keyring_unavailable(cli: Runner) -> None:
    """A keyring failure is a generic error (1) whose hint lists the options."""
    result = cli("--domain", "t.example.com", "--client-id", "cid", "identities")
    assert result.exit_code == ExitCode.ERROR
    assert "No usable OS keyring" in result.stderr
    assert "--insecure-storage" in result.stderr


def test_exit_2_usage(cli: Runner) -> None:
    """An unknown option is a usage error (2), reported by click."""
    result = cli("identities", "--no-such-option")
    assert result.exit_code == ExitCode.USAGE
    assert "No such option" in result.stderr


def test_exit_3_login_required(cli: Runner) -> None:
    """No stored session means login required (3) with the login command named."""
    result = cli(
        "--domain", "t.example.com", "--client-id", "cid", "identities", env={"AUTH0LINK_STORAGE": "file"}
    )
    assert result.exit_code == ExitCode.LOGIN_REQUIRED
    assert result.stderr == "error: You are not logged in.\nhint: run: auth0link login\n"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_exit_5_network(cli: Runner) -> None:
    """An unreachable tenant is a network error (5), after the safe GET retries."""
    port = _closed_port()
    result = cli(
        "--domain",
        f"http://127.0.0.1:{port}",
        "identities",
        env={"AUTH0LINK_ACCESS_TOKEN": fake_jwt("auth0|x")},
    )
    assert result.exit_code == ExitCode.NETWORK
    assert "Could not connect" in result.stderr
    assert "Traceback" not in result.stderr


class _SilentServer:
    """Accepts connections and never answers (a hung tenant)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = int(self.sock.getsockname()[1])
        self.conns: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)

    def close(self) -> None:
        for conn in self.conns:
            conn.close()
        self.sock.close()


@contextlib.contextmanager
def _silent_server() -> Iterator[_SilentServer]:
    server = _SilentServer()
    try:
        yield server
    finally:
        server.close()


def test_exit_130_interrupted(tmp_path: Path) -> None:
    """Ctrl-C (SIGINT) during a request exits 130 with one line and no traceback."""
    with _silent_server() as server:
        proc = subprocess.Popen(
            [sys.executable, "-m", "auth0link", "--domain", f"http://127.0.0.1:{server.port}", "identities"],
            env={
                "PATH": "/usr/bin:/bin",
                "HOME": str(tmp_path),
                "AUTH0LINK_CONFIG_DIR": str(tmp_path / "cfg"),
                "AUTH0LINK_ACCESS_TOKEN": fake_jwt("auth0|x"),
            },
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 10
        while not server.conns and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.conns, "the CLI never connected"
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=10)
    assert proc.returncode == ExitCode.INTERRUPTED
    assert stderr.strip() == "error: Interrupted."


def test_exit_8_refused_by_a_safety_check(wired: Wired) -> None:
    """A safety refusal (GitHub's unverified email) is exit 8, whichever command meets it."""
    wired.second_login = wired.tenant.second_login(connection="github")
    result = wired("link", "--yes")
    assert result.exit_code == ExitCode.REFUSED
    assert "--allow-unverified" in result.stderr


def test_exit_8_for_the_admin_form_too(wired: Wired) -> None:
    """Admin link of an unverified email is the same refusal, the same exit 8 (it was 2)."""
    wired.machine_login()
    result = wired(
        "link", "--user", "auth0|65f0a11ce0000000000000a1", "--provider", "github", "--user-id", "4242424"
    )
    assert result.exit_code == ExitCode.REFUSED, result.stderr
    assert "--allow-unverified" in result.stderr
    assert wired.writes() == []


def test_exit_8_from_batch_link_when_every_pair_is_refused(wired: Wired, tmp_path: Path) -> None:
    """batch-link of an unverified secondary: skipped, nothing linked, and exit 8 as from link (it was 0)."""
    wired.machine_login()
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("auth0|65f0a11ce0000000000000a1\tgithub|4242424\n", encoding="utf-8")
    result = wired("batch-link", str(pairs))
    assert result.exit_code == ExitCode.REFUSED, result.stderr
    assert "1 pair(s) were refused by a safety check" in result.stderr
    assert "--include-unverified" in result.stderr
    assert not [w for w in wired.writes() if w[0] == "POST" and w[1].endswith("/identities")]


def test_exit_9_cancelled_at_a_confirmation(wired: Wired) -> None:
    """Answering "no" is exit 9: nothing was changed, and it is not an error."""
    wired.stdin_isatty = True
    result = wired("link", input="n\n")
    assert result.exit_code == ExitCode.CANCELLED
    assert "Cancelled" in result.stderr


def test_every_error_class_maps_to_its_documented_code() -> None:
    """exit_code_for: one place, by class (subclasses inherit), LinkAborted takes its cause's code."""
    from auth0link import errors
    from auth0link.cli import exit_code_for

    expected = {
        errors.Auth0LinkError("x"): ExitCode.ERROR,
        errors.TokenStorageError("x"): ExitCode.ERROR,
        errors.UsageError("x"): ExitCode.USAGE,
        errors.ConfigurationError("x"): ExitCode.USAGE,
        errors.LoginRequired(): ExitCode.LOGIN_REQUIRED,
        errors.OAuthError("x", error="invalid_grant"): ExitCode.LOGIN_REQUIRED,
        errors.DeviceFlowError("x", error="expired_token"): ExitCode.LOGIN_REQUIRED,
        errors.IdTokenError("x"): ExitCode.LOGIN_REQUIRED,
        errors.ApiError("x", status_code=403): ExitCode.API_ERROR,
        errors.NotFound("x", status_code=404): ExitCode.NOT_FOUND,
        errors.Conflict("x", status_code=409): ExitCode.CONFLICT,
        errors.AlreadyLinked("x", status_code=409): ExitCode.CONFLICT,
        errors.ServerError("x", status_code=503): ExitCode.NETWORK,
        errors.NetworkError("x"): ExitCode.NETWORK,
        errors.ExportFailed("x"): ExitCode.NETWORK,
        errors.Refused("x"): ExitCode.REFUSED,
        errors.Cancelled("x"): ExitCode.CANCELLED,
        errors.Interrupted(): ExitCode.INTERRUPTED,
        errors.LinkAborted("x"): ExitCode.ERROR,
        errors.LinkAborted("x", cause=errors.ServerError("y", status_code=500)): ExitCode.NETWORK,
        KeyboardInterrupt(): ExitCode.INTERRUPTED,
        ValueError("x"): ExitCode.ERROR,
    }
    assert {type(e).__name__ + str(i): exit_code_for(e) for i, e in enumerate(expected)} == {
        type(e).__name__ + str(i): code for i, (e, code) in enumerate(expected.items())
    }
