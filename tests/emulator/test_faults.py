"""Fault injection: SPEC parsing, each fault kind, the admin endpoint, over ASGI and real HTTPS."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import httpx
import pytest

from auth0link.emulator import EmulatorError
from auth0link.emulator.server.serve import EmulatorThread
from auth0link.emulator.web.faults import DropConnection, parse_faults
from tests.emulator.conftest import ALICE_ENC
from tests.support.demo_ids import ALICE

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from auth0link.emulator.server.options import EmulatorOptions
    from tests.emulator.conftest import Ctx


def test_parse_spec_rules() -> None:
    """Methods, globs, kinds, arguments and counts parse; * count means forever."""
    rules = parse_faults("GET /api/v2/users/*=503x2; POST /oauth/token=hang:1.5;*=429:7x*;/x=drop")
    assert [(r.method, r.path, r.fault, r.seconds, r.remaining) for r in rules] == [
        ("GET", "/api/v2/users/*", "503", 0.0, 2),
        ("POST", "/oauth/token", "hang", 1.5, 1),
        ("*", "*", "429", 7.0, None),
        ("*", "/x", "drop", 0.0, 1),
    ]


@pytest.mark.parametrize("spec", ["GET /x=404", "/x", "GET /x=hang", "GET /x=503x0x", "=503"])
def test_bad_specs_are_configuration_errors(spec: str) -> None:
    """Malformed rules raise EmulatorError with the syntax in the message."""
    with pytest.raises(EmulatorError, match=r"\[METHOD \]PATH=FAULT"):
        parse_faults(spec)


def test_status_fault_for_k_requests_then_normal(ctx: Ctx) -> None:
    """503x2 answers 503 twice (Auth0 error body, request not processed), then normally."""
    token = ctx.m2m_token()
    ctx.emulator.faults.rules.extend(parse_faults("GET /api/v2/users/*=503x2"))
    statuses = [ctx.api("GET", f"/users/{ALICE_ENC}", token).status_code for _ in range(3)]
    assert statuses == [503, 503, 200]


def test_status_fault_does_not_process_the_request(ctx: Ctx) -> None:
    """A 500 on a link leaves the tenant unchanged."""
    token = ctx.m2m_token()
    ctx.emulator.faults.rules.extend(parse_faults("POST /api/v2/users/*/identities=500"))
    reply = ctx.api(
        "POST", f"/users/{ALICE_ENC}/identities", token, json={"provider": "github", "user_id": "4242424"}
    )
    assert reply.status_code == 500
    assert reply.json()["statusCode"] == 500
    assert len(ctx.tenant.users[ALICE].identities) == 1


def test_method_must_match(ctx: Ctx) -> None:
    """A GET rule does not fire on PATCH."""
    token = ctx.m2m_token()
    ctx.emulator.faults.rules.extend(parse_faults("GET /api/v2/users/*=502"))
    assert ctx.api("PATCH", f"/users/{ALICE_ENC}", token, json={"name": "A"}).status_code == 200
    assert ctx.api("GET", f"/users/{ALICE_ENC}", token).status_code == 502


def test_429_fault_has_reset_header(ctx: Ctx) -> None:
    """429:N answers too_many_requests with x-ratelimit-reset about N seconds ahead."""
    ctx.emulator.faults.rules.extend(parse_faults("POST /oauth/token=429:30"))
    reply = ctx.client.post("/oauth/token", data={"grant_type": "client_credentials"})
    assert reply.status_code == 429
    assert reply.json()["error"] == "too_many_requests"
    assert 25 <= int(reply.headers["x-ratelimit-reset"]) - time.time() <= 31
    assert reply.headers["x-ratelimit-remaining"] == "0"


def test_badjson_processes_then_breaks_the_body(ctx: Ctx) -> None:
    """badjson: the link happens, but the body is not valid JSON."""
    token = ctx.m2m_token()
    ctx.emulator.faults.rules.extend(parse_faults("POST /api/v2/users/*/identities=badjson"))
    reply = ctx.api(
        "POST", f"/users/{ALICE_ENC}/identities", token, json={"provider": "github", "user_id": "4242424"}
    )
    assert reply.status_code == 201
    with pytest.raises(ValueError, match=r"Expecting|Unterminated|Extra"):
        reply.json()
    assert len(ctx.tenant.users[ALICE].identities) == 2


def test_drop_processes_then_cuts_the_connection(ctx: Ctx) -> None:
    """drop: the change happens and the server aborts mid-response."""
    token = ctx.m2m_token()
    ctx.emulator.faults.rules.extend(parse_faults("POST /api/v2/users/*/identities=drop"))
    with pytest.raises(DropConnection):
        ctx.api(
            "POST", f"/users/{ALICE_ENC}/identities", token, json={"provider": "github", "user_id": "4242424"}
        )
    assert len(ctx.tenant.users[ALICE].identities) == 2


def test_admin_endpoint_sets_lists_and_clears_faults(ctx: Ctx) -> None:
    """POST/GET/DELETE /__emulator/faults manage rules; admin routes are never faulted."""
    added = ctx.client.post(
        "/__emulator/faults", json={"faults": [{"method": "GET", "path": "*", "fault": "503", "count": None}]}
    )
    assert added.status_code == 201
    assert ctx.client.get("/.well-known/jwks.json").status_code == 503
    assert ctx.client.get("/__emulator/faults").json()["faults"][0]["count"] is None
    assert ctx.client.delete("/__emulator/faults").status_code == 204
    assert ctx.client.get("/.well-known/jwks.json").status_code == 200
    assert ctx.client.post("/__emulator/faults", json={"spec": "GET /x=500"}).status_code == 201
    assert ctx.client.post("/__emulator/faults", json={"spec": "nonsense"}).status_code == 400
    assert ctx.client.post("/__emulator/faults", json=[{"path": "/x", "fault": "teapot"}]).status_code == 400


@pytest.fixture
def served(served_options: Callable[..., EmulatorOptions]) -> Iterator[EmulatorThread]:
    """The emulator on a real socket (HTTPS), in a background thread."""
    with EmulatorThread(served_options()) as running:
        yield running


def m2m(served: EmulatorThread) -> str:
    """An M2M token over real HTTPS."""
    from auth0link.emulator.state import demo

    reply = httpx.post(
        served.base_url + "/oauth/token",
        json={
            "grant_type": "client_credentials",
            "client_id": demo.M2M_CLIENT_ID,
            "client_secret": demo.M2M_CLIENT_SECRET,
            "audience": served.base_url + "/api/v2/",
        },
        verify=served.verify,
    )
    return str(reply.json()["access_token"])


def test_drop_over_real_https_is_a_protocol_error(served: EmulatorThread) -> None:
    """Over HTTPS, drop closes the connection mid-body; the client sees a protocol error."""
    token = m2m(served)
    with httpx.Client(base_url=served.base_url, verify=served.verify) as http:
        http.post(
            "/__emulator/faults",
            json={"spec": "GET /api/v2/users/*=drop"},
            headers={"x-emulator-token": served.control_token},
        )
        with pytest.raises(httpx.RemoteProtocolError):
            http.get(f"/api/v2/users/{ALICE_ENC}", headers={"authorization": f"Bearer {token}"})
        reply = http.get(f"/api/v2/users/{ALICE_ENC}", headers={"authorization": f"Bearer {token}"})
    assert reply.json()["user_id"] == ALICE


def test_hang_outlasts_a_client_timeout_then_applies(served: EmulatorThread) -> None:
    """hang:S makes a short client timeout fire; the request is still processed afterwards."""
    token = m2m(served)
    with httpx.Client(base_url=served.base_url, verify=served.verify) as http:
        http.post(
            "/__emulator/faults",
            json={"spec": "PATCH /api/v2/users/*=hang:1"},
            headers={"x-emulator-token": served.control_token},
        )
        with pytest.raises(httpx.ReadTimeout):
            http.patch(
                f"/api/v2/users/{ALICE_ENC}",
                json={"user_metadata": {"hung": True}},
                headers={"authorization": f"Bearer {token}"},
                timeout=0.3,
            )
    deadline = time.monotonic() + 5
    while "hung" not in served.emulator.tenant.users[ALICE].user_metadata:
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_faults_option_applies_at_start(served_options: Callable[..., EmulatorOptions]) -> None:
    """EmulatorOptions.faults (the --faults flag) installs rules before serving."""
    options = served_options(faults=("GET /.well-known/*=503",))
    with EmulatorThread(options) as running:
        url = running.base_url + "/.well-known/jwks.json"
        assert httpx.get(url, verify=running.verify).status_code == 503
        assert httpx.get(url, verify=running.verify).status_code == 200


def test_make_ctx_fixture_is_usable(make_ctx: Callable[..., Ctx]) -> None:
    """Fault rules passed at construction are active in process too."""
    local = make_ctx(faults=parse_faults("GET /userinfo=500"))
    assert local.client.get("/userinfo").status_code == 500
