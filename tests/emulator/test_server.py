"""Serving: host checks, the banner, the in-process thread, the real subprocess and its signals."""

from __future__ import annotations

import io
import json
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from auth0link.emulator import EmulatorError
from auth0link.emulator.server.options import EmulatorOptions
from auth0link.emulator.server.serve import EmulatorThread, banner, prepare, run
from auth0link.emulator.state import demo
from tests.emulator.conftest import ALICE_ENC
from tests.support.demo_ids import ALICE
from tests.support.emulator import EmulatorFailed, launch, start_emulator


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com", "::"])  # noqa: S104 - refused on purpose
def test_non_loopback_host_is_refused(host: str) -> None:
    """Any non-loopback --host is a EmulatorError naming the allowed values."""
    with pytest.raises(EmulatorError, match="binds loopback only"):
        run(EmulatorOptions(host=host))


@pytest.mark.parametrize("spec", ["fast", "10", "0/s", "5/m", "5/s:x"])
def test_bad_rate_limit_is_refused(spec: str) -> None:
    """A --rate-limit that is not N/s[:BURST] is a EmulatorError."""
    with pytest.raises(EmulatorError, match="--rate-limit"):
        run(EmulatorOptions(rate_limit=spec))


def test_loopback_hosts_are_accepted() -> None:
    """127.0.0.0/8, ::1 and localhost bind; localhost binds 127.0.0.1."""
    import socket

    hosts = [("127.0.0.2", "127.0.0.2"), ("localhost", "127.0.0.1")]
    if socket.has_ipv6:
        hosts.append(("::1", "[::1]"))
    for host, url_host in hosts:
        prepared = prepare(EmulatorOptions(host=host))
        prepared.sock.close()
        assert prepared.base_url.startswith(f"https://{url_host}:")
        http = prepare(EmulatorOptions(host=host, tls=False))
        http.sock.close()
        assert http.base_url.startswith(f"http://{url_host}:")


def test_export_banner_and_json_banner(tmp_path: Path) -> None:
    """Without --json: export lines (bare domain, client, CA); with --json: one line with clients and users."""
    prepared = prepare(EmulatorOptions(tls_dir=tmp_path / "tls dir"))
    prepared.sock.close()
    assert prepared.tls is not None
    ca_file = prepared.tls.ca_file
    domain = prepared.base_url.removeprefix("https://")
    assert domain.startswith("127.0.0.1:")
    text = banner(prepared.emulator, as_json=False, ca_file=ca_file)
    assert text == (
        f"export AUTH0LINK_DOMAIN={domain}\nexport AUTH0LINK_CLIENT_ID={demo.NATIVE_CLIENT_ID}\n"
        f"export AUTH0LINK_CA_BUNDLE='{ca_file}'\n"
        f"export AUTH0LINK_EMULATOR_TOKEN={prepared.emulator.control_token}\n"
    )
    line = banner(prepared.emulator, as_json=True, ca_file=ca_file)
    assert line.count("\n") == 1
    info = json.loads(line)
    assert info["base_url"] == prepared.base_url
    assert info["domain"] == domain
    assert info["ca_bundle"] == str(ca_file)
    assert info["audience"] == prepared.base_url + "/api/v2/"
    assert info["m2m_client_secret"] == demo.M2M_CLIENT_SECRET
    alice = next(u for u in info["users"] if u["user_id"] == ALICE)
    assert alice == {
        "user_id": ALICE,
        "email": "alice@example.com",
        "connection": "Username-Password-Authentication",
        "email_verified": True,
        "password": demo.ALICE_PASSWORD,
    }


def test_http_banner_has_the_url_and_no_ca() -> None:
    """With --http the domain is the http:// URL (a bare host would mean https) and there is no CA."""
    prepared = prepare(EmulatorOptions(tls=False))
    prepared.sock.close()
    assert prepared.tls is None
    assert banner(prepared.emulator, as_json=False) == (
        f"export AUTH0LINK_DOMAIN={prepared.base_url}\nexport AUTH0LINK_CLIENT_ID={demo.NATIVE_CLIENT_ID}\n"
        f"export AUTH0LINK_EMULATOR_TOKEN={prepared.emulator.control_token}\n"
    )
    info = json.loads(banner(prepared.emulator, as_json=True))
    assert info["domain"] == info["base_url"] == prepared.base_url
    assert info["ca_bundle"] is None


def test_emulator_thread_serves_over_real_https_and_saves_state(tmp_path: Path) -> None:
    """EmulatorThread serves real HTTPS (CA beside the state file) and saves --state when stopped."""
    state = tmp_path / "state.json"
    with EmulatorThread(EmulatorOptions(access_log=False, state_file=state)) as running:
        assert running.ca_file == tmp_path / "emulator-ca.pem"
        doc = httpx.get(running.base_url + "/.well-known/openid-configuration", verify=running.verify).json()
        assert doc["issuer"] == running.base_url + "/"
    assert json.loads(state.read_text())["version"] == 1


@pytest.mark.e2e
def test_subprocess_json_line_sigterm_and_state(tmp_path: Path) -> None:
    """The real process prints one JSON line, serves, and on SIGTERM exits 0 saving state."""
    state = tmp_path / "state.json"
    with start_emulator("--state", str(state), "--token-ttl", "60", via="module") as emu:
        token = httpx.post(
            emu.base_url + "/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": emu.m2m_client_id,
                "client_secret": emu.m2m_client_secret,
                "audience": emu.base_url + "/api/v2/",
            },
            verify=emu.verify,
        ).json()
        assert token["expires_in"] == 60
        user = httpx.get(
            f"{emu.base_url}/api/v2/users/{ALICE_ENC}",
            headers={"authorization": f"Bearer {token['access_token']}"},
            verify=emu.verify,
        )
        assert user.json()["user_id"] == ALICE
        jwks = httpx.get(emu.base_url + "/.well-known/jwks.json", verify=emu.verify).json()
    assert emu.returncode == 0
    with start_emulator("--state", str(state), via="module") as again:
        assert again.ca_bundle == emu.ca_bundle == str(tmp_path / "emulator-ca.pem")
        assert httpx.get(again.base_url + "/.well-known/jwks.json", verify=again.verify).json() == jwks


@pytest.mark.e2e
def test_subprocess_sigint_also_stops_cleanly(tmp_path: Path) -> None:
    """SIGINT (Ctrl-C) stops the emulator with exit code 0 and saves state."""
    state = tmp_path / "state.json"
    emu = launch("--state", str(state), via="module")
    try:
        assert httpx.get(emu.base_url + "/__emulator/health", verify=emu.verify).json()["status"] == "ok"
    finally:
        code = emu.stop(signal.SIGINT)
        log = emu.stderr_text()  # read after the stop: the log line follows the response
        emu.stderr_path.unlink()
    assert code == 0
    assert "GET /__emulator/health 200" in log
    assert state.exists()


def _export_lines(*args: str, count: int) -> list[str]:
    """Start ``python -m auth0link.emulator --port 0 ARGS``, read ``count`` lines, stop it (exit 0)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "auth0link.emulator", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(count)]
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(10)
        assert process.stdout is not None
        process.stdout.close()
    assert process.returncode == 0
    return lines


@pytest.mark.e2e
def test_subprocess_export_lines_without_json(isolated_env: Path) -> None:
    """Without --json the process prints the three export lines (bare domain, client, CA) and flushes them."""
    first, second, third = _export_lines(count=3)
    assert first.startswith("export AUTH0LINK_DOMAIN=127.0.0.1:")
    assert second == f"export AUTH0LINK_CLIENT_ID={demo.NATIVE_CLIENT_ID}\n"
    assert third == f"export AUTH0LINK_CA_BUNDLE={isolated_env / 'data' / 'emulator' / 'emulator-ca.pem'}\n"


@pytest.mark.e2e
def test_subprocess_http_export_lines() -> None:
    """With --http the process prints the http:// URL as the domain and no CA line."""
    first, second = _export_lines("--http", count=2)
    assert first.startswith("export AUTH0LINK_DOMAIN=http://127.0.0.1:")
    assert second == f"export AUTH0LINK_CLIENT_ID={demo.NATIVE_CLIENT_ID}\n"


@pytest.mark.e2e
def test_helper_surfaces_stderr_when_start_fails() -> None:
    """If the emulator cannot start, the helper raises with its stderr (here: bad host)."""
    with pytest.raises(EmulatorFailed, match="refusing to listen"):
        launch("--host", "10.0.0.1", via="module", timeout=10)


def test_run_prints_banner_to_the_given_stream_before_serving(monkeypatch: pytest.MonkeyPatch) -> None:
    """run() writes the banner first (then serves; the server is stubbed here)."""
    import auth0link.emulator.server.serve as server_module

    served: list[object] = []
    monkeypatch.setattr(server_module._Server, "run", lambda _self, sockets=None: served.append(sockets))
    out = io.StringIO()
    run(EmulatorOptions(as_json=True), stdout=out)
    assert json.loads(out.getvalue())["client_id"] == demo.NATIVE_CLIENT_ID
    assert len(served) == 1


@pytest.mark.e2e
def test_support_helpers_drive_the_admin_endpoints() -> None:
    """The helper's inject/user/outbox/advance_clock/reset work against the real process."""
    with start_emulator(via="module") as emu:
        token = emu.m2m_token(scope="read:users")
        emu.inject("GET /api/v2/users/*=503")
        url = f"{emu.base_url}/api/v2/users/{ALICE_ENC}"
        http = emu.client(headers={"authorization": f"Bearer {token}"})
        assert http.get(url).status_code == 503
        assert emu.user(ALICE)["user_id"] == ALICE
        emu.inject("GET /api/v2/users/*=500x*")
        emu.clear_faults()
        assert emu.user(ALICE)["email"] == "alice@example.com"
        assert emu.outbox("alice@example.com") == []
        emu.advance_clock(86401)
        assert http.get(url).status_code == 401
        emu.reset()
        assert http.get(url).status_code == 200
        http.close()
        assert emu.env() == {
            "AUTH0LINK_DOMAIN": emu.domain,
            "AUTH0LINK_CLIENT_ID": demo.NATIVE_CLIENT_ID,
            "AUTH0LINK_CA_BUNDLE": str(emu.ca_bundle),
            "AUTH0LINK_EMULATOR_TOKEN": emu.info["control_token"],
        }
        assert emu.base_url == "https://" + emu.domain


@pytest.mark.e2e
def test_support_keeps_the_ca_out_of_the_developers_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """start_emulator without AUTH0LINK_DATA_DIR (module fixtures) gives the child a temporary one."""
    monkeypatch.delenv("AUTH0LINK_DATA_DIR")
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    with start_emulator(via="module") as emu:
        assert emu.ca_bundle is not None
        folder = Path(emu.ca_bundle).parent.parent
        assert folder.is_dir()
    assert not (tmp_path / "home").exists()
    assert not folder.exists()
