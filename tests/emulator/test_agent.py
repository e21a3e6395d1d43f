"""The scripted user (agent) over real HTTPS: callbacks, its CLI, its trust, and use as $BROWSER."""

from __future__ import annotations

import http.server
import json
import os
import secrets
import subprocess
import sys
import threading
from typing import TYPE_CHECKING
from urllib.parse import urlencode

import httpx
import pytest

from auth0link.emulator.server.serve import EmulatorThread
from auth0link.emulator.state import demo
from auth0link.emulator.testing.agent import AgentError, LoginAgent, main
from tests.emulator.conftest import DEVICE_GRANT, pkce, query_of

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from auth0link.emulator.server.options import EmulatorOptions


pytestmark = pytest.mark.callback_ports  # the stand-in listener binds one of 8484-8486


class Listener:
    """A one-page loopback HTTP server standing in for the CLI's callback listener."""

    def __init__(self) -> None:
        """Bind the first free registered callback port (8484-8486)."""
        self.paths: list[str] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.paths.append(self.path)
                body = b"You can close this window."
                self.send_response(200)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: object) -> None:
                return

        for port in (8484, 8485, 8486):
            try:
                self.server = http.server.HTTPServer(("127.0.0.1", port), Handler)
                break
            except OSError:
                continue
        else:
            pytest.skip("callback ports 8484-8486 are all busy")
        self.redirect_uri = f"http://127.0.0.1:{self.server.server_port}/callback"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    def close(self) -> None:
        """Stop the server."""
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def served(served_options: Callable[..., EmulatorOptions]) -> Iterator[EmulatorThread]:
    """The emulator on a real socket, over HTTPS."""
    with EmulatorThread(served_options()) as running:
        yield running


@pytest.fixture
def listener() -> Iterator[Listener]:
    """A loopback callback listener on a registered port."""
    item = Listener()
    yield item
    item.close()


def authorize_url(base: str, redirect_uri: str, verifier: str, **extra: str) -> str:
    """An /authorize URL on the real server."""
    query = {
        "response_type": "code",
        "client_id": demo.NATIVE_CLIENT_ID,
        "redirect_uri": redirect_uri,
        "scope": "openid profile email offline_access",
        "state": "st-1",
        "code_challenge": pkce(verifier),
        "code_challenge_method": "S256",
        **extra,
    }
    return f"{base}/authorize?{urlencode(query)}"


def test_agent_delivers_the_callback_to_the_listener(served: EmulatorThread, listener: Listener) -> None:
    """complete_authorize ends with a real GET on the loopback callback carrying code and state."""
    verifier = secrets.token_urlsafe(40)
    with LoginAgent(ca_bundle=served.ca_file) as agent:
        url = agent.complete_authorize(
            authorize_url(served.base_url, listener.redirect_uri, verifier),
            email="alice@example.com",
            password=demo.ALICE_PASSWORD,
        )
    assert listener.paths == [url.removeprefix(listener.redirect_uri.removesuffix("/callback"))]
    reply = httpx.post(
        served.base_url + "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "client_id": demo.NATIVE_CLIENT_ID,
            "code": query_of(url)["code"],
            "code_verifier": verifier,
            "redirect_uri": listener.redirect_uri,
        },
        verify=served.verify,
    )
    assert reply.status_code == 200


def test_agent_keeps_cookies_for_sso(served: EmulatorThread, listener: Listener) -> None:
    """The same agent logs in silently the second time (SSO cookie kept across calls)."""
    with LoginAgent(ca_bundle=served.ca_file) as agent:
        agent.complete_authorize(
            authorize_url(served.base_url, listener.redirect_uri, "v" * 43),
            email="alice@example.com",
            password=demo.ALICE_PASSWORD,
        )
        second = agent.complete_authorize(authorize_url(served.base_url, listener.redirect_uri, "w" * 43))
    assert "code=" in second


def test_agent_reports_page_errors(served: EmulatorThread) -> None:
    """A callback mismatch page becomes an AgentError with Auth0's text."""
    with (
        LoginAgent(ca_bundle=served.ca_file) as agent,
        pytest.raises(AgentError, match="Callback URL mismatch"),
    ):
        agent.complete_authorize(
            authorize_url(served.base_url, "http://127.0.0.1:9/cb", "v" * 43), email="a@b.c", password="x"
        )


def test_agent_needs_a_way_to_log_in(served: EmulatorThread) -> None:
    """Without password or connection the agent says what to pass."""
    with LoginAgent(ca_bundle=served.ca_file) as agent, pytest.raises(AgentError, match="pass --password"):
        agent.complete_authorize(
            authorize_url(served.base_url, "http://127.0.0.1:8484/callback", "v" * 43),
            email="alice@example.com",
        )


def test_agent_cli_approves_a_device(served: EmulatorThread, capsys: pytest.CaptureFixture[str]) -> None:
    """`python -m auth0link.emulator.testing.agent URL` works on /activate URLs (exit 0)."""
    device = httpx.post(
        served.base_url + "/oauth/device/code",
        data={"client_id": demo.NATIVE_CLIENT_ID, "scope": "openid"},
        verify=served.verify,
    ).json()
    code = main(
        [
            *("--email", "bob@example.com", "--password", demo.BOB_PASSWORD),
            *("--ca-bundle", str(served.ca_file), device["verification_uri_complete"]),
        ]
    )
    assert code == 0
    reply = httpx.post(
        served.base_url + "/oauth/token",
        data={
            "grant_type": DEVICE_GRANT,
            "client_id": demo.NATIVE_CLIENT_ID,
            "device_code": device["device_code"],
        },
        verify=served.verify,
    )
    assert reply.status_code == 200
    assert capsys.readouterr().err == ""


def test_agent_cli_fails_with_one_line(served: EmulatorThread, capsys: pytest.CaptureFixture[str]) -> None:
    """A failed login exits 1 with a single 'agent: error:' line on stderr."""
    device = httpx.post(
        served.base_url + "/oauth/device/code",
        data={"client_id": demo.NATIVE_CLIENT_ID},
        verify=served.verify,
    ).json()
    args = ["--email", "alice@example.com", "--password", "wrong", device["verification_uri_complete"]]
    code = main(["--ca-bundle", str(served.ca_file), *args])
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith("agent: error: Wrong email or password.")
    assert err.count("\n") == 1


@pytest.mark.e2e
def test_agent_as_browser_env_var(served: EmulatorThread, listener: Listener, tmp_path: Path) -> None:
    """BROWSER="python -m auth0link.emulator.testing.agent … %s" drives webbrowser.open to the callback."""
    cookies = tmp_path / "cookies.json"
    env = {
        "BROWSER": f"{sys.executable} -m auth0link.emulator.testing.agent %s",
        "AUTH0LINK_AGENT_EMAIL": "alice@example.com",
        "AUTH0LINK_AGENT_PASSWORD": demo.ALICE_PASSWORD,
        "AUTH0LINK_AGENT_COOKIES": str(cookies),
        "AUTH0LINK_CA_BUNDLE": str(served.ca_file),
    }
    script = "import sys, webbrowser; sys.exit(0 if webbrowser.open(sys.argv[1]) else 3)"
    url = authorize_url(served.base_url, listener.redirect_uri, "v" * 43)
    subprocess.run([sys.executable, "-c", script, url], env={**os.environ, **env}, check=True, timeout=60)
    assert len(listener.paths) == 1
    assert "code=" in listener.paths[0]
    assert "auth0" in {cookie["name"] for cookie in json.loads(cookies.read_text())}
    # A second run reuses the saved SSO cookie: no password needed.
    env.pop("AUTH0LINK_AGENT_PASSWORD")
    subprocess.run([sys.executable, "-c", script, url], env={**os.environ, **env}, check=True, timeout=60)
    assert len(listener.paths) == 2


def test_agent_passwordless_over_https(served: EmulatorThread) -> None:
    """The agent reads the one-time code from the outbox over HTTPS (email connection)."""
    with LoginAgent(ca_bundle=served.ca_file, control_token=served.control_token) as agent:
        url = agent.complete_authorize(
            authorize_url(served.base_url, "http://localhost:8485/callback", "v" * 43, connection="email"),
            email="alice@example.com",
            deliver=False,
        )
    assert url.startswith("http://localhost:8485/callback?code=")


def test_agent_without_the_control_token_says_so(
    served: EmulatorThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the control token the agent cannot read the outbox and names the variable to set."""
    monkeypatch.delenv("AUTH0LINK_EMULATOR_TOKEN", raising=False)
    with (
        LoginAgent(ca_bundle=served.ca_file) as agent,
        pytest.raises(AgentError, match="AUTH0LINK_EMULATOR_TOKEN"),
    ):
        agent.complete_authorize(
            authorize_url(served.base_url, "http://localhost:8485/callback", "v" * 43, connection="email"),
            email="alice@example.com",
            deliver=False,
        )


def test_agent_without_the_ca_refuses_the_certificate(
    served: EmulatorThread, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --ca-bundle/AUTH0LINK_CA_BUNDLE the agent does not trust the emulator (one line, exit 1)."""
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    url = authorize_url(served.base_url, "http://127.0.0.1:8484/callback", "v" * 43)
    assert main(["--email", "alice@example.com", "--password", demo.ALICE_PASSWORD, url]) == 1
    err = capsys.readouterr().err
    assert err.startswith("agent: error: GET https://127.0.0.1:")
    assert "CERTIFICATE_VERIFY_FAILED" in err
    assert err.count("\n") == 1


def test_agent_takes_its_ca_from_the_environment(
    served: EmulatorThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    """LoginAgent() trusts $AUTH0LINK_CA_BUNDLE, as the CLI does."""
    monkeypatch.setenv("AUTH0LINK_CA_BUNDLE", str(served.ca_file))
    with LoginAgent() as agent:
        url = agent.complete_authorize(
            authorize_url(served.base_url, "http://127.0.0.1:8484/callback", "v" * 43),
            email="alice@example.com",
            password=demo.ALICE_PASSWORD,
            deliver=False,
        )
    assert "code=" in url


def test_agent_with_an_unreadable_ca_bundle_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A --ca-bundle that does not exist is one 'agent: error:' line naming it (exit 1)."""
    missing = tmp_path / "missing.pem"
    assert main(["--ca-bundle", str(missing), "https://127.0.0.1:9/authorize"]) == 1
    assert (
        capsys.readouterr().err
        == f"agent: error: cannot read the CA bundle {missing}: No such file or directory\n"
    )
