"""Fixtures for the emulator tests: the app in process (sync httpx over ASGI), tokens, logins.

The in-process tenant's base URL is ``https://emulator.test``, as the served emulator's is
``https://…`` by default, so cookies and URLs behave as over TLS. ``served_options`` makes the
options for an :class:`~auth0link.emulator.server.serve.EmulatorThread` (HTTPS, its CA in one
temporary folder for the whole run).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import jwt
import pytest

from auth0link.emulator.server.options import EmulatorOptions
from auth0link.emulator.state import demo
from auth0link.emulator.state.persistence import build_tenant
from auth0link.emulator.testing.agent import LoginAgent
from auth0link.emulator.testing.forms import m2m_token_form, pkce_challenge
from auth0link.emulator.testing.transport import SyncASGITransport
from auth0link.emulator.web.app import Emulator, create_app

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from tests.support.emulator import RunningEmulator

BASE = "https://emulator.test"
CALLBACK = "http://127.0.0.1:8484/callback"
ALICE_ENC = "auth0%7C65f0a11ce0000000000000a1"
SPA_ORIGIN = "http://localhost:3000"
USER_SCOPES = (
    "openid profile email offline_access read:current_user update:current_user_identities "
    "update:current_user_metadata"
)
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
pkce = pkce_challenge  # the S256 challenge, by the name the tests here use


@dataclass
class Ctx:
    """The emulator in process plus helpers to log users in and call its APIs."""

    emulator: Emulator
    client: httpx.Client
    clock: list[float] = field(default_factory=lambda: [1_800_000_000.0])
    opened: list[httpx.Client] = field(default_factory=list)

    @property
    def tenant(self) -> Any:
        """The tenant state."""
        return self.emulator.tenant

    def advance(self, seconds: float) -> None:
        """Move the tenant clock forward."""
        self.clock[0] += seconds

    def browser(self) -> LoginAgent:
        """A fresh browser (own cookie jar) on the in-process app."""
        client = new_client(self.emulator)
        self.opened.append(client)
        return LoginAgent(client=client)

    def authorize_url(self, challenge: str, **params: str) -> str:
        """An /authorize URL for the native client (PKCE S256)."""
        query = {
            "response_type": "code",
            "client_id": demo.NATIVE_CLIENT_ID,
            "redirect_uri": CALLBACK,
            "scope": USER_SCOPES,
            "audience": BASE + "/api/v2/",
            "state": "xyz",
            "nonce": "n-0S6",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        query.update(params)
        return BASE + "/authorize?" + urlencode({k: v for k, v in query.items() if v != ""})

    def login(
        self,
        agent: LoginAgent | None = None,
        *,
        email: str = "alice@example.com",
        password: str | None = demo.ALICE_PASSWORD,
        connection: str | None = None,
        client_id: str = demo.NATIVE_CLIENT_ID,
        redirect_uri: str = CALLBACK,
        client_secret: str | None = None,
        **params: str,
    ) -> dict[str, Any]:
        """Full code flow through the real pages (any client); return the token response."""
        verifier = secrets.token_urlsafe(40)
        agent = agent or self.browser()
        callback = agent.complete_authorize(
            self.authorize_url(pkce(verifier), client_id=client_id, redirect_uri=redirect_uri, **params),
            email=email,
            password=password,
            connection=connection,
            deliver=False,
        )
        code = query_of(callback)["code"]
        data = {
            "grant_type": "authorization_code",
            "client_id": client_id,
            "code": code,
            "code_verifier": verifier,
            "redirect_uri": redirect_uri,
        }
        if client_secret is not None:
            data["client_secret"] = client_secret
        reply = self.client.post("/oauth/token", data=data)
        assert reply.status_code == 200, reply.text
        body: dict[str, Any] = reply.json()
        return body

    def m2m_token(self, scope: str | None = None) -> str:
        """A client-credentials token for the Management API."""
        reply = self.client.post("/oauth/token", data=m2m_token_form(scope, base=BASE))
        assert reply.status_code == 200, reply.text
        return str(reply.json()["access_token"])

    def api(self, method: str, path: str, token: str | None, **kw: Any) -> httpx.Response:
        """Call the Management API."""
        headers = {"authorization": f"Bearer {token}"} if token else {}
        headers.update(kw.pop("headers", {}))
        return self.client.request(method, "/api/v2" + path, headers=headers, **kw)


def web_message_of(page: str) -> dict[str, Any]:
    """The ``{targetOrigin, response}`` a web_message page posts (its JSON data block)."""
    marker = '<script type="application/json" id="authorization-response">'
    start = page.index(marker) + len(marker)
    data: dict[str, Any] = json.loads(page[start : page.index("</script>", start)])
    return data


def query_of(url: str) -> dict[str, str]:
    """The query parameters of ``url`` (first values)."""
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def claims(token: str) -> dict[str, object]:
    """Unverified claims (signature is covered elsewhere)."""
    result: dict[str, object] = jwt.decode(token, options={"verify_signature": False})
    return result


def code_for(ctx: Ctx, verifier: str) -> str:
    """A fresh authorization code for alice."""
    url = ctx.browser().complete_authorize(
        ctx.authorize_url(pkce(verifier)),
        email="alice@example.com",
        password=demo.ALICE_PASSWORD,
        deliver=False,
    )
    return query_of(url)["code"]


def exchange(
    ctx: Ctx, code: str, verifier: str, *, as_json: bool = False, **extra: str
) -> tuple[int, dict[str, Any]]:
    """POST the authorization_code grant."""
    data = {
        "grant_type": "authorization_code",
        "client_id": demo.NATIVE_CLIENT_ID,
        "code": code,
        "code_verifier": verifier,
        "redirect_uri": CALLBACK,
        **extra,
    }
    reply = (
        ctx.client.post("/oauth/token", json=data) if as_json else ctx.client.post("/oauth/token", data=data)
    )
    return reply.status_code, reply.json()


def new_client(emulator: Emulator) -> httpx.Client:
    """A sync httpx client talking to ``emulator`` in process."""
    return httpx.Client(transport=SyncASGITransport(emulator), base_url=BASE)


def make_emulator(clock: list[float], **kw: Any) -> Emulator:
    """A fresh demo tenant on a controllable clock."""
    settings = {k: kw.pop(k) for k in list(kw) if k not in ("rate_limit", "faults")}
    users = settings.pop("users", None)
    tenant = build_tenant(BASE, users=users, clock=lambda: clock[0], **settings)
    return create_app(tenant, **kw)


@pytest.fixture
def make_ctx() -> Iterator[Callable[..., Ctx]]:
    """Build in-process tenants with settings (``make_ctx(skip_callback_confirmation=True)``)."""
    made: list[Ctx] = []

    def factory(**settings: Any) -> Ctx:
        clock = [1_800_000_000.0]
        emulator = make_emulator(clock, **settings)
        made.append(Ctx(emulator=emulator, client=new_client(emulator), clock=clock))
        return made[-1]

    yield factory
    for item in made:
        for client in (item.client, *item.opened):
            client.close()
        item.tenant.close()


@pytest.fixture
def ctx(make_ctx: Callable[..., Ctx]) -> Ctx:
    """The demo tenant in process, on a fake clock."""
    return make_ctx()


@pytest.fixture(scope="session")
def emulator_tls_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for the in-process emulators' CA (never the developer's data directory)."""
    return tmp_path_factory.mktemp("emulator-tls")


@pytest.fixture(scope="session")
def served_options(emulator_tls_dir: Path) -> Callable[..., EmulatorOptions]:
    """``served_options(**fields)``: EmulatorThread options serving HTTPS with the session's CA."""

    def make(**fields: Any) -> EmulatorOptions:
        return EmulatorOptions(**{"access_log": False, "tls_dir": emulator_tls_dir, **fields})

    return make


@pytest.fixture
def emulator_process() -> Iterator[RunningEmulator]:
    """The emulator as a real subprocess (``python -m auth0link.emulator``)."""
    from tests.support.emulator import start_emulator

    with start_emulator("--device-interval", "1", via="module") as running:
        yield running


def csrf_field(client: httpx.Client) -> dict[str, str]:
    """The hidden ``_csrf`` field of this browser's hosted forms (loads ``/activate`` for its cookie)."""
    page = client.get("/activate").text
    marker = 'name="_csrf" value="'
    start = page.index(marker) + len(marker)
    return {"_csrf": page[start : page.index('"', start)]}
