"""--ready-file and --pid-file: written once the server answers, removed on SIGTERM (exit 0)."""

from __future__ import annotations

import json
import os
import signal
import socket
import ssl
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from auth0link.emulator import EmulatorError
from auth0link.emulator.server.command import main
from auth0link.emulator.server.readiness import ReadyFiles


def _start(tmp_path: Path, *args: str) -> subprocess.Popen[bytes]:
    """``python -m auth0link.emulator ARGS`` with its CA in ``tmp_path``, stdout and stderr to files."""
    with (tmp_path / "stdout").open("wb") as out, (tmp_path / "stderr").open("wb") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "auth0link.emulator", "--tls-dir", str(tmp_path / "tls"), *args],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
        )


def trusting(ca_file: str) -> ssl.SSLContext:
    """An SSL context trusting only the emulator's CA."""
    return ssl.create_default_context(cafile=ca_file)


def _wait_for(path: Path, process: subprocess.Popen[bytes], timeout: float = 20) -> None:
    """Wait until ``path`` exists (as a harness in another language would poll it)."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert process.poll() is None, "the emulator exited before it was ready"
        assert time.monotonic() < deadline, "no ready file"
        time.sleep(0.01)


@pytest.mark.e2e
def test_ready_file_holds_the_json_line_once_it_answers_and_sigterm_removes_it(tmp_path: Path) -> None:
    """The ready file is the --json line (0600), the PID file the PID; it answers at once; SIGTERM: exit 0, both gone."""
    ready, pid = tmp_path / "ready.json", tmp_path / "emulator.pid"
    process = _start(tmp_path, "--ready-file", str(ready), "--pid-file", str(pid), "--no-access-log")
    try:
        _wait_for(ready, process)
        info = json.loads(ready.read_text(encoding="utf-8"))
        assert ready.read_text(encoding="utf-8").endswith("}\n")
        assert stat.S_IMODE(ready.stat().st_mode) == 0o600
        assert pid.read_text(encoding="utf-8") == f"{process.pid}\n"
        assert info["domain"] in info["base_url"]
        assert info["m2m_client_id"]
        reply = httpx.get(
            info["base_url"] + "/__emulator/health", verify=trusting(info["ca_bundle"]), timeout=5
        )
        assert reply.json()["status"] == "ok"
        os.kill(int(pid.read_text(encoding="utf-8")), signal.SIGTERM)
        assert process.wait(10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert not ready.exists()
    assert not pid.exists()
    assert (tmp_path / "stdout").read_text().startswith("export AUTH0LINK_DOMAIN=")  # --json not needed


@pytest.mark.e2e
def test_a_stale_ready_file_is_removed_before_a_failed_start(tmp_path: Path) -> None:
    """A ready file an earlier run left behind is gone even when this start fails (busy port, exit 2)."""
    ready = tmp_path / "ready.json"
    ready.write_text('{"base_url": "https://127.0.0.1:1"}\n')
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        process = _start(tmp_path, "--ready-file", str(ready), "--port", str(busy.getsockname()[1]))
        assert process.wait(20) == 2
    assert not ready.exists()
    assert "cannot listen on 127.0.0.1" in (tmp_path / "stderr").read_text()


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("missing/ready.json", "its folder does not exist; create it first"),
        (".", "it is a folder; name a file"),
    ],
)
def test_an_unusable_ready_file_is_one_error_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str, message: str
) -> None:
    """--ready-file in a missing folder, or naming a folder, is one error line and exit 2, before binding."""
    assert main(["--ready-file", str(tmp_path / where), "--tls-dir", str(tmp_path / "tls")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: invalid --ready-file ")
    assert err.rstrip().endswith(message)
    assert err.count("\n") == 1


def test_remove_takes_only_what_was_published(tmp_path: Path) -> None:
    """remove() deletes the files publish() wrote, never a file it did not write."""
    files = ReadyFiles(tmp_path / "ready.json", None)
    files.clear_stale()
    (tmp_path / "ready.json").write_text("someone else's")
    files.remove()
    assert (tmp_path / "ready.json").read_text() == "someone else's"
    files.publish("{}\n")
    assert (tmp_path / "ready.json").read_text() == "{}\n"
    assert [p.name for p in tmp_path.iterdir()] == ["ready.json"]  # no temporary file left
    files.remove()
    assert list(tmp_path.iterdir()) == []


def test_a_ready_file_that_cannot_be_written_is_an_emulator_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An OSError while publishing is one EmulatorError naming the flag and the path (exit 2, not a traceback)."""

    def full(path: Path, text: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("auth0link.emulator.server.readiness._publish", full)
    files = ReadyFiles(tmp_path / "ready.json", None)
    with pytest.raises(
        EmulatorError, match=r"cannot write --ready-file .*ready\.json \(No space left on device\)"
    ):
        files.publish("{}\n")


@pytest.mark.e2e
@pytest.mark.skipif(
    not Path("/proc/self").is_dir(), reason="needs Linux /proc (a folder nothing can be written to)"
)
def test_the_real_process_stops_with_exit_2_when_the_ready_file_cannot_be_written(tmp_path: Path) -> None:
    """A ready file in /proc: the server stops at once, one error line, exit 2 (a waiter is not left hanging)."""
    process = _start(tmp_path, "--ready-file", "/proc/auth0link-ready.json")
    assert process.wait(20) == 2
    assert (
        (tmp_path / "stderr")
        .read_text()
        .endswith(
            "error: cannot write --ready-file /proc/auth0link-ready.json (No such file or directory); choose another path\n"
        )
    )
