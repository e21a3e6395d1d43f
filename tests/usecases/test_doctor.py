"""``auth0link doctor``'s checks against a scripted provider (respx), each problem with its fix."""

from __future__ import annotations

import json
from typing import Any

import httpx
import respx

from auth0link.auth.discovery import Endpoints
from auth0link.client import Auth0Client
from auth0link.tokens import KeyringTokenStore, MemoryTokenStore
from auth0link.usecases.doctor import run_doctor
from auth0link.usecases.session_index import IndexEntry
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
