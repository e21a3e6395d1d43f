"""auth0link.emulator.testing: one tenant served over HTTPS and in process, and the handles that steer it."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import httpx
import pytest

from auth0link.emulator import EmulatorError
from auth0link.emulator.state import demo
from auth0link.emulator.testing.control import Clock, ControlError, EmulatorControl, Faults, Outbox
from auth0link.emulator.testing.tenant import EmulatedTenant, start_tenant, tenant_options

if TYPE_CHECKING:
    from collections.abc import Iterator

ALICE = "auth0|65f0a11ce0000000000000a1"
BOB = "auth0|65f0b0b0b0000000000000b1"
EXAMPLE_TENANT = Path(__file__).resolve().parents[2] / "examples" / "tenant.yaml"


@pytest.fixture(scope="module")
def started(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatedTenant]:
    """One tenant for the module (its CA in a temporary folder)."""
    options = tenant_options(tls_dir=tmp_path_factory.mktemp("tls"), token_ttl=600)
    with start_tenant(options) as tenant:
        yield tenant


@pytest.fixture
def tenant(started: EmulatedTenant) -> EmulatedTenant:
    """The module's tenant, reset."""
    started.reset()
    return started


def _user_path(user_id: str) -> str:
    return "/api/v2/users/" + quote(user_id, safe="")


def test_the_handle_describes_the_running_tenant(tenant: EmulatedTenant) -> None:
    """domain, base_url, issuer, CA and the demo clients and users match the --json line."""
    assert tenant.base_url == "https://" + tenant.domain
    assert tenant.issuer == tenant.base_url + "/"
    assert tenant.management_audience == tenant.base_url + "/api/v2/"
    assert tenant.ca_file is not None
    assert tenant.ca_file.read_text().startswith("-----BEGIN CERTIFICATE-----")
    assert tenant.ca_env() == dict.fromkeys(
        ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "NODE_EXTRA_CA_CERTS"), str(tenant.ca_file)
    )
    assert {c["client_id"] for c in tenant.clients} >= {tenant.native_client_id, tenant.m2m_client_id}
    alice = next(u for u in tenant.users if u["user_id"] == ALICE)
    assert alice["password"] == demo.ALICE_PASSWORD


def test_https_and_in_process_reach_one_tenant(tenant: EmulatedTenant) -> None:
    """A user deleted over real HTTPS is gone in process too (one tenant, one event loop)."""
    headers = {"authorization": f"Bearer {tenant.m2m_token()}"}
    with tenant.https_client(headers=headers) as https, tenant.http_client(headers=headers) as local:
        assert https.delete(_user_path(BOB)).status_code == 204
        assert local.get(_user_path(BOB)).status_code == 404
        assert https.get(_user_path(ALICE)).json()["email"] == "alice@example.com"


def test_reset_brings_users_back_and_clears_faults_and_clock(tenant: EmulatedTenant) -> None:
    """reset(): the deleted user is back, fault rules and clock moves are gone."""
    with tenant.http_client(headers={"authorization": f"Bearer {tenant.m2m_token()}"}) as client:
        client.delete(_user_path(BOB))
    tenant.faults.inject("GET /nowhere=503x5")
    start = tenant.clock.now()
    tenant.clock.advance(3600)
    tenant.reset()
    assert tenant.faults.active() == []
    assert tenant.clock.now() - start < 60
    with tenant.http_client(headers={"authorization": f"Bearer {tenant.m2m_token()}"}) as client:
        assert client.get(_user_path(BOB)).status_code == 200


def test_outbox_code_is_the_last_code_sent(tenant: EmulatedTenant) -> None:
    """outbox.code(to) is the newest code sent there; clear() empties the outbox."""
    body = {
        "client_id": demo.WEB_CLIENT_ID,
        "client_secret": demo.WEB_CLIENT_SECRET,
        "connection": "email",
        "email": "alice@example.com",
        "send": "code",
    }
    with tenant.http_client() as client:
        client.post("/passwordless/start", json=body).raise_for_status()
        client.post("/passwordless/start", json=body).raise_for_status()
    messages = tenant.outbox.messages("ALICE@example.com")
    assert len(messages) == 2
    assert tenant.outbox.code("alice@example.com") == messages[-1]["code"]
    tenant.outbox.clear()
    with pytest.raises(ControlError, match=r"no one-time code was sent to 'alice@example\.com'"):
        tenant.outbox.code("alice@example.com")


def test_clock_advance_expires_access_tokens(tenant: EmulatedTenant) -> None:
    """clock.advance past the token lifetime: the Management API answers 401 to the old token."""
    token = tenant.m2m_token()
    with tenant.http_client(headers={"authorization": f"Bearer {token}"}) as client:
        assert client.get(_user_path(ALICE)).status_code == 200
        before = tenant.clock.now()
        assert tenant.clock.advance(601) >= before + 601
        assert client.get(_user_path(ALICE)).status_code == 401
        tenant.clock.reset()
        assert client.get(_user_path(ALICE)).status_code == 200


def test_faults_reach_in_process_clients_as_a_network_would(tenant: EmulatedTenant) -> None:
    """503 answers once; drop is RemoteProtocolError; hang past the timeout is ReadTimeout, the change still made."""
    rules = tenant.faults.inject("GET /api/v2/users/*=503;POST /oauth/token=drop")
    assert [(r["method"], r["fault"]) for r in rules] == [("GET", "503"), ("POST", "drop")]
    with pytest.raises(httpx.RemoteProtocolError):
        tenant.m2m_token()
    with tenant.http_client(headers={"authorization": f"Bearer {tenant.m2m_token()}"}) as client:
        assert client.get(_user_path(ALICE)).status_code == 503
        assert client.get(_user_path(ALICE)).status_code == 200
        tenant.faults.inject("DELETE /api/v2/users/*=hang:0.5")
        with pytest.raises(httpx.ReadTimeout):
            client.delete(_user_path(BOB), timeout=0.1)
        time.sleep(0.8)  # the client gave up; the tenant still deletes, as behind a network
        assert client.get(_user_path(BOB)).status_code == 404
    tenant.faults.clear()
    assert tenant.faults.active() == []


def test_a_bad_control_request_is_one_error_with_the_answer(tenant: EmulatedTenant) -> None:
    """A fault SPEC the emulator refuses raises ControlError with the status and its message."""
    with pytest.raises(ControlError, match=r"POST /__emulator/faults answered 400: .*invalid"):
        tenant.faults.inject("not a rule")


def test_requests_session_goes_in_process(tenant: EmulatedTenant) -> None:
    """requests_session(): a client-credentials grant and a user read through requests, no socket."""
    with tenant.requests_session() as session:
        form = {
            "grant_type": "client_credentials",
            "client_id": tenant.m2m_client_id,
            "client_secret": tenant.m2m_client_secret,
            "audience": tenant.management_audience,
        }
        token = session.post(tenant.base_url + "/oauth/token", data=form, timeout=5).json()["access_token"]
        reply = session.get(
            tenant.base_url + _user_path(ALICE), headers={"authorization": f"Bearer {token}"}, timeout=5
        )
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("application/json")
    assert reply.json()["user_id"] == ALICE


def test_auth0_python_sdk_over_https_and_in_process(
    tenant: EmulatedTenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """auth0-python unmodified: passwordless over HTTPS (code from the outbox), Management API in process."""
    # Optional third-party package: not installed in every venv that runs mypy.
    from auth0.authentication import GetToken, Passwordless  # type: ignore[import-not-found,import-untyped,unused-ignore]
    from auth0.management.client import Auth0  # type: ignore[import-not-found,import-untyped,unused-ignore]

    for name, value in tenant.ca_env().items():
        monkeypatch.setenv(name, value)
    web = (tenant.web_client_id, tenant.web_client_secret)
    Passwordless(tenant.domain, web[0], client_secret=web[1]).email("alice@example.com", send="code")
    tokens = GetToken(tenant.domain, web[0], client_secret=web[1]).passwordless_login(
        "alice@example.com", tenant.outbox.code("alice@example.com"), "email", "openid email", ""
    )
    assert tokens["token_type"] == "Bearer"
    m2m = GetToken(tenant.domain, tenant.m2m_client_id, client_secret=tenant.m2m_client_secret)
    token = m2m.client_credentials(tenant.management_audience)["access_token"]
    with tenant.http_client() as http:
        api = Auth0(tenant_domain=tenant.domain, token=token, httpx_client=http)
        assert api.users.get(ALICE).email == "alice@example.com"


def test_tenant_file_and_bad_users_file(tmp_path: Path) -> None:
    """start_tenant takes the emulator's options: a tenant file adds clients; a bad users file is EmulatorError."""
    with start_tenant(tenant_options(tenant_file=EXAMPLE_TENANT)) as tenant:
        assert "Vite SPA" in {c["name"] for c in tenant.clients}
        ca_file = tenant.ca_file
    assert ca_file is not None
    assert not ca_file.exists()  # a private temporary CA folder, removed afterwards
    bad = tmp_path / "users.json"
    bad.write_text(json.dumps({"nope": 1}))
    with pytest.raises(EmulatorError), start_tenant(tenant_options(users_file=bad, tls_dir=tmp_path)):
        pass


class _Recording(httpx.BaseTransport):
    """Delegates to the tenant's in-process transport, keeping each request's headers."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.seen: list[httpx.Headers] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request.headers)
        return self.inner.handle_request(request)


def test_control_headers_go_with_every_control_request(tenant: EmulatedTenant) -> None:
    """EmulatorControl(headers=…) sends them on every /__emulator/* request (the control secret)."""
    recording = _Recording(tenant.transport())
    bearer = f"Bearer {tenant.control_token}"
    control = EmulatorControl(tenant.base_url, headers={"authorization": bearer}, transport=recording)
    try:
        assert control.health()["status"] == "ok"
        Faults(control).clear()
        Outbox(control).messages()
        Clock(control).reset()
    finally:
        control.close()
    assert len(recording.seen) == 4
    assert {h["authorization"] for h in recording.seen} == {bearer}
