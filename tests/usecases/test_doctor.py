"""``auth0link doctor``'s checks against a scripted provider (respx), each problem with its fix."""

from __future__ import annotations

import json
from typing import Any

import httpx
import respx

from auth0link.auth.discovery import Endpoints
from auth0link.client import Auth0Client
from auth0link.errors import Fix, cmd
from auth0link.infra.session_index import IndexEntry
from auth0link.models import Problem
from auth0link.tokens import KeyringTokenStore, MemoryTokenStore
from auth0link.usecases.doctor import run_doctor
from tests.support import idp

ENDPOINTS = Endpoints.auth0_defaults(idp.BASE)
KEY = f"default:{idp.BASE}:{idp.CLIENT_ID}"
ENTRY = IndexEntry(KEY, "default", idp.BASE, idp.CLIENT_ID, "keyring")


def _client(router: respx.Router) -> Auth0Client:
    return Auth0Client(idp.BASE, transport=httpx.MockTransport(router.handler), sleep=lambda _s: None)


# -- doctor ---------------------------------------------------------------------------------


def _doctor(router: respx.Router, store: Any = None) -> dict[str, Any]:
    checks = run_doctor(
        _client(router),
        client_id=idp.CLIENT_ID,
        scope="openid",
        audience=None,
        callback_ports=[0],
        store=store or MemoryTokenStore(),
        key=KEY,
    )
    return {c.name: c for c in checks}


def test_doctor_all_good() -> None:
    """Against a healthy provider every check passes."""
    router = respx.Router(assert_all_called=False)
    idp.mount(router)
    router.get(idp.BASE + "/authorize").mock(return_value=httpx.Response(302))
    router.post(idp.BASE + "/oauth/device/code").mock(
        return_value=httpx.Response(
            200, json={"device_code": "d", "user_code": "u", "verification_uri": idp.BASE + "/activate"}
        )
    )
    checks = _doctor(router)
    assert all(c.ok is not False for c in checks.values()), checks
    assert checks["session"].ok is None


def test_doctor_names_fixes() -> None:
    """Unregistered callback, disabled device grant and no keyring each get a fix line."""
    router = respx.Router(assert_all_called=False)
    idp.mount(router)
    router.get(idp.BASE + "/authorize").mock(
        return_value=httpx.Response(400, text="Callback URL mismatch. is not in the list")
    )
    router.post(idp.BASE + "/oauth/device/code").mock(
        return_value=httpx.Response(403, json={"error": "unauthorized_client", "error_description": "no"})
    )
    checks = _doctor(router, KeyringTokenStore(timeout=5))
    assert checks["authorization code grant"].ok is False
    assert "Allowed Callback URLs" in (checks["authorization code grant"].fix or "")
    assert checks["device code grant"].ok is False
    assert "Device Code grant" in (checks["device code grant"].fix or "")
    assert checks["token storage"].ok is False
    assert "--insecure-storage" in (checks["token storage"].fix or "")


def test_doctor_unreachable_discovery() -> None:
    """A tenant whose discovery fails is reported with the command that fixes the domain."""
    router = respx.Router(assert_all_called=False)
    router.get(idp.BASE + "/.well-known/openid-configuration").mock(return_value=httpx.Response(404))
    router.get(idp.BASE + "/.well-known/jwks.json").mock(return_value=httpx.Response(404))
    router.get(idp.BASE + "/authorize").mock(return_value=httpx.Response(404, text="nope"))
    router.post(idp.BASE + "/oauth/device/code").mock(return_value=httpx.Response(404, json={}))
    checks = _doctor(router)
    assert checks["discovery"].ok is False
    assert "auth0link config set domain" in (checks["discovery"].fix or "")
    assert json.dumps(checks["discovery"].to_json())
    # something else answers there: the grants are not checked, and no "check the client ID"
    for name in ("signing keys", "authorization code grant", "device code grant"):
        assert checks[name].ok is None
        assert "no OpenID provider answered" in checks[name].detail
        assert "client ID" not in (checks[name].fix or "")


def test_an_authorize_404_names_the_domain_not_the_client_id() -> None:
    """Discovery answers but /authorize is 404 (not a tenant's): the fix is the domain."""
    router = respx.Router(assert_all_called=False)
    idp.mount(router)
    router.get(idp.BASE + "/authorize").mock(return_value=httpx.Response(404, text="<h1>Not Found</h1>"))
    router.post(idp.BASE + "/oauth/device/code").mock(
        return_value=httpx.Response(
            200, json={"device_code": "d", "user_code": "u", "verification_uri": idp.BASE + "/activate"}
        )
    )
    check = _doctor(router)["authorization code grant"]
    assert check.ok is False
    assert "config get domain" in (check.fix or "")
    assert "client ID" not in (check.fix or "")


def test_credential_checks_read_status_results() -> None:
    """A refused session is X with status's fix; machine credentials alone are not "not logged in"."""
    from auth0link.models import MachineStatus, SessionStatus
    from auth0link.usecases.doctor import credential_checks

    refused = SessionStatus(
        profile="default",
        domain=idp.BASE,
        client_id=idp.CLIENT_ID,
        active=True,
        logged_in=True,
        storage="keyring",
        check="refused",
        problems=(Problem("The refresh token was revoked.", Fix(cmd("login"))),),
    )
    (session,) = credential_checks([refused], [])
    assert (session.ok, session.detail, session.fix) == (
        False,
        "The refresh token was revoked.",
        "auth0link login",
    )
    machine = MachineStatus("default", idp.BASE, "m2m", active=True, stored=True, check="ok")
    checks = credential_checks([], [machine])
    assert [(c.name, c.ok) for c in checks] == [("session", None), ("machine credentials", True)]
    assert "machine credentials only" in checks[0].detail


def test_doctor_without_a_client_id_skips_the_user_login_checks() -> None:
    """client_id None: no callback-port or grant checks, one note saying how to add a client ID."""
    from auth0link.models import Check

    router = respx.Router(assert_all_called=False)
    idp.mount(router)
    checks = run_doctor(
        _client(router),
        client_id=None,
        scope="openid",
        audience=None,
        callback_ports=[0],
        store=MemoryTokenStore(),
        key=None,
        credentials=lambda: [Check("machine credentials", ok=True, detail="works")],
    )
    names = [c.name for c in checks]
    assert "authorization code grant" not in names
    assert "callback port" not in names
    assert names[-2:] == ["token storage", "machine credentials"]
    assert "user login" in names
