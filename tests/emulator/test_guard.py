"""The control endpoints need this start's secret; a foreign Host header is refused everywhere."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from auth0link.emulator.server.serve import banner
from auth0link.emulator.testing.transport import SyncASGITransport
from auth0link.emulator.web.guard import TOKEN_ENV
from tests.emulator.conftest import BASE

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.emulator.conftest import Ctx


@pytest.fixture
def bare(ctx: Ctx) -> Iterator[httpx.Client]:
    """A client of the in-process emulator that does not know the control secret."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await ctx.emulator(scope, receive, send)

    with httpx.Client(transport=SyncASGITransport(app), base_url=BASE) as client:
        yield client


def test_cross_site_fault_injection_is_refused(ctx: Ctx, bare: httpx.Client) -> None:
    """A text/plain POST from a foreign page to /__emulator/faults is 401 and adds nothing."""
    reply = bare.post(
        "/__emulator/faults",
        content='{"spec": "GET /authorize=503"}',
        headers={"content-type": "text/plain", "origin": "https://attacker.example"},
    )
    assert reply.status_code == 401
    assert reply.json()["error"] == "unauthorized"
    assert ctx.emulator.faults.rules == []


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "outbox"), ("GET", "state"), ("POST", "clock"), ("POST", "reset"), ("DELETE", "faults")],
)
def test_control_endpoints_need_the_secret(bare: httpx.Client, method: str, path: str) -> None:
    """Every control endpoint but health answers 401 without the secret."""
    assert bare.request(method, f"/__emulator/{path}", json={"advance": 1}).status_code == 401
    wrong = bare.request(method, f"/__emulator/{path}", headers={"x-emulator-token": "guess"})
    assert wrong.status_code == 401


def test_secret_in_header_or_bearer(ctx: Ctx, bare: httpx.Client) -> None:
    """The secret works as X-Emulator-Token or as a bearer token; health needs none."""
    token = ctx.emulator.control_token
    assert bare.get("/__emulator/state", headers={"x-emulator-token": token}).status_code == 200
    assert bare.get("/__emulator/state", headers={"authorization": f"Bearer {token}"}).status_code == 200
    assert bare.get("/__emulator/health").status_code == 200


@pytest.mark.parametrize("path", ["/__emulator/state", "/authorize", "/.well-known/jwks.json", "/u/login"])
def test_foreign_host_is_refused(ctx: Ctx, path: str) -> None:
    """A request naming another host (DNS rebinding) is 403 on every route, even with the secret."""
    reply = ctx.client.get(path, headers={"host": "rebind.attacker.example"})
    assert reply.status_code == 403
    assert reply.json()["error"] == "invalid_host"
    assert ctx.client.get(path, headers={"host": "emulator.test:8443"}).status_code == 403


@pytest.mark.parametrize(
    "host", ["emulator.test", "emulator.test:443", "localhost", "127.0.0.1:443", "[::1]"]
)
def test_own_and_loopback_hosts_are_served(ctx: Ctx, host: str) -> None:
    """The emulator's own name and loopback names on its port are served."""
    assert ctx.client.get("/.well-known/jwks.json", headers={"host": host}).status_code == 200


def test_banner_prints_the_secret(ctx: Ctx) -> None:
    """The --json line and the export lines carry this start's control secret."""
    token = ctx.emulator.control_token
    assert json.loads(banner(ctx.emulator, as_json=True))["control_token"] == token
    assert f"export {TOKEN_ENV}={token}\n" in banner(ctx.emulator, as_json=False)
    assert len(token) >= 32
