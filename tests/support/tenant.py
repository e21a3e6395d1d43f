"""The emulator in process, for tests of the use cases and the CLI: Auth0's semantics, no sockets.

``LocalTenant()`` builds the emulator's demo tenant (or ``users=[…]``) and serves it to
:class:`~auth0link.client.Auth0Client` through httpx's ASGI transport, so link, unlink, admin
and batch tests exercise the same linking rules, scopes and error bodies as the end-to-end
tests, instead of a hand-written fake. Logins go through the real login pages with the
emulator's scripted user (:class:`~auth0link.emulator.testing.agent.LoginAgent`).

``tenant.faults`` injects what a network does to a client, between it and a real tenant:
``unsent`` (the request never arrives: a read timeout), ``lost`` (applied, then the answer is
lost: the emulator's own ``drop`` fault), ``late:N`` (the answer is lost and the tenant applies the request only after N more
requests, as a server still working on it), ``garbled`` (applied, answered with a truncated
body), an HTTP status (answered with Auth0's error body, not applied), ``crash`` / ``crash-after``
(the client process dies before / after the request reaches the tenant).
"""

from __future__ import annotations

import base64
import fnmatch
import json
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

import httpx

from auth0link.client import Auth0Client
from auth0link.emulator.state import demo
from auth0link.emulator.state.persistence import build_tenant
from auth0link.emulator.testing.agent import LoginAgent
from auth0link.emulator.testing.forms import m2m_token_form, pkce_challenge
from auth0link.emulator.testing.transport import SyncASGITransport
from auth0link.emulator.web.app import Emulator, create_app
from auth0link.models import TokenResponse
from auth0link.usecases.second_login import SecondLogin

if TYPE_CHECKING:
    from collections.abc import Callable

BASE = "https://tenant.test"
CALLBACK = "http://127.0.0.1:8484/callback"
NATIVE = demo.NATIVE_CLIENT_ID
USER_SCOPES = (
    "openid profile email offline_access read:current_user update:current_user_identities "
    "update:current_user_metadata"
)


class Crash(BaseException):
    """The client process "died" at this request (not an Exception: nothing may catch it)."""


@dataclass
class _Rule:
    method: str
    path: str  # fnmatch pattern on the decoded path
    fault: str
    count: int


class ClientFaults(httpx.BaseTransport):
    """What the network does between a client and the tenant (module docstring)."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        """Forward to ``inner`` unless a rule says otherwise."""
        self.inner = inner
        self.rules: list[_Rule] = []
        self.requests: list[tuple[str, str]] = []
        self._late: list[tuple[int, httpx.Request]] = []

    def fail(self, method: str, path: str, fault: str, *, count: int = 1) -> None:
        """Apply ``fault`` to the next ``count`` requests matching ``method`` and ``path`` (a glob)."""
        self.rules.append(_Rule(method, path, fault, count))

    def writes(self) -> list[tuple[str, str]]:
        """The requests that change something, in order (method, decoded path)."""
        return [(m, p) for m, p in self.requests if m in {"POST", "PATCH", "DELETE"} and "/api/v2/" in p]

    def _rule_for(self, request: httpx.Request, path: str) -> str | None:
        for rule in self.rules:
            if rule.count and rule.method == request.method and fnmatch.fnmatchcase(path, rule.path):
                rule.count -= 1
                return rule.fault
        return None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Forward, or fail as a rule says."""
        path = unquote(request.url.raw_path.decode().split("?", 1)[0])
        self.requests.append((request.method, path))
        self._apply_late()
        fault = self._rule_for(request, path)
        if fault is None:
            return self.inner.handle_request(request)
        return self._fault(fault, request)

    def _fault(self, fault: str, request: httpx.Request) -> httpx.Response:
        if fault.isdigit():
            status = int(fault)
            body = {
                "statusCode": status,
                "error": "Injected",
                "message": f"injected {status}",
                "errorCode": "x",
            }
            return httpx.Response(status, json=body, request=request)
        if fault == "crash":
            raise Crash
        if fault == "unsent":
            raise httpx.ReadTimeout("dropped", request=request)
        if fault.startswith("late:"):
            self._late.append((int(fault.partition(":")[2]), request))
            raise httpx.ReadTimeout("still being processed", request=request)
        response = self.inner.handle_request(request)
        if fault == "crash-after":
            raise Crash
        if fault == "lost":
            raise httpx.ReadTimeout("answer lost", request=request)
        if fault == "garbled":
            return httpx.Response(response.status_code, content=b'{"truncat', request=request)
        raise AssertionError(f"unknown fault {fault!r}")

    def close(self) -> None:
        """Clients come and go; the tenant (:meth:`LocalTenant.close`) closes the transport."""

    def _apply_late(self) -> None:
        due = [(n - 1, r) for n, r in self._late]
        self._late = [(n, r) for n, r in due if n > 0]
        for n, request in due:
            if n <= 0:
                self.inner.handle_request(request)


def claims_of(token: str) -> dict[str, Any]:
    """A JWT's claims (the emulator signed it; tests of validation live in tests/auth)."""
    payload = token.split(".")[1]
    data: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return data


@dataclass
class LocalTenant:
    """The emulator's tenant in process, with a client-side fault injector (module docstring)."""

    users: list[dict[str, Any]] | None = None
    emulator: Emulator = field(init=False)
    faults: ClientFaults = field(init=False)
    opened: list[httpx.Client] = field(default_factory=list)
    _asgi: SyncASGITransport = field(init=False)

    def __post_init__(self) -> None:
        """Build the tenant (the demo users unless ``users`` are given)."""
        tenant = build_tenant(BASE, users=self.users, skip_callback_confirmation=True)
        self.emulator = create_app(tenant)
        self._asgi = SyncASGITransport(self.emulator)
        self.faults = ClientFaults(self._asgi)

    @property
    def transport(self) -> httpx.BaseTransport:
        """What clients should use: the tenant, behind the fault injector."""
        return self.faults

    def client(self, token: str | None = None, **kw: Any) -> Auth0Client:
        """An ``Auth0Client`` on this tenant (no real sleeping)."""
        kw.setdefault("sleep", lambda _seconds: None)
        return Auth0Client(BASE, access_token=token, transport=self.faults, **kw)

    def user(self, user_id: str) -> dict[str, Any] | None:
        """The user as the Management API shows it, or None."""
        found = self.emulator.tenant.users.get(user_id)
        return found.to_json() if found is not None else None

    def tokens(
        self,
        *,
        email: str = "alice@example.com",
        password: str | None = demo.ALICE_PASSWORD,
        connection: str | None = None,
        **params: str,
    ) -> TokenResponse:
        """A real login through the login pages (PKCE); the token response."""
        verifier = secrets.token_urlsafe(40)
        query = {
            "response_type": "code",
            "client_id": NATIVE,
            "redirect_uri": CALLBACK,
            "scope": USER_SCOPES,
            "audience": BASE + "/api/v2/",
            "state": secrets.token_urlsafe(8),
            "nonce": secrets.token_urlsafe(8),
            "code_challenge": pkce_challenge(verifier),
            "code_challenge_method": "S256",
            **params,
        }
        http = httpx.Client(transport=SyncASGITransport(self.emulator), base_url=BASE)
        self.opened.append(http)
        callback = LoginAgent(client=http).complete_authorize(
            f"{BASE}/authorize?{urlencode(query)}",
            email=email,
            password=password,
            connection=connection,
            deliver=False,
        )
        code = {k: v[0] for k, v in parse_qs(urlsplit(callback).query).items()}["code"]
        reply = http.post(
            "/oauth/token",
            data={
                "grant_type": "authorization_code",
                "client_id": NATIVE,
                "code": code,
                "code_verifier": verifier,
                "redirect_uri": CALLBACK,
            },
        )
        assert reply.status_code == 200, reply.text
        return TokenResponse.from_api(reply.json())

    def second_login(
        self,
        *,
        email: str = "alice@example.com",
        connection: str | None = "google-oauth2",
        password: str | None = None,
        started_at: float | None = None,
    ) -> Callable[[Any], SecondLogin]:
        """A second login that signs in through the real pages (``prompt=login``, ``max_age=0``)."""

        def login(request: Any) -> SecondLogin:
            del request
            import time

            start = time.time() if started_at is None else started_at
            tokens = self.tokens(
                email=email, password=password, connection=connection or "", prompt="login", max_age="0"
            )
            assert tokens.id_token is not None
            return SecondLogin(
                id_token=tokens.id_token, claims=claims_of(tokens.id_token), tokens=tokens, started_at=start
            )

        return login

    def m2m_token(self, scope: str | None = None) -> str:
        """A client-credentials token for the Management API."""
        data = m2m_token_form(scope, base=BASE)
        with self.client() as client:
            return client.token(data).access_token

    def close(self) -> None:
        """Close what was opened, and the tenant's own event loop (else: ResourceWarning)."""
        for http in self.opened:
            http.close()
        self._asgi.close()
