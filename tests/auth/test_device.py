"""Device flow (RFC 8628): polling branches, slow_down, errors decided on the `error` field."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import httpx
import pytest
import respx

from auth0link.auth.device import DEVICE_GRANT, run_device_login
from auth0link.auth.discovery import Endpoints
from auth0link.cli import exit_code_for
from auth0link.client import Auth0Client
from auth0link.errors import DeviceFlowError, IdTokenError, Interrupted, OAuthError
from tests.support import idp

if TYPE_CHECKING:
    from auth0link.models import DeviceAuthorization

ENDPOINTS = Endpoints.auth0_defaults(idp.BASE)
DEVICE_BODY = idp.device_code_body()


def _error(error: str, status: int = 403) -> httpx.Response:
    return httpx.Response(status, json={"error": error, "error_description": f"{error} text"})


def _success() -> httpx.Response:
    body = idp.token_body()
    body["id_token"] = idp.id_token(nonce=None)
    return httpx.Response(200, json=body)


class Clock:
    """A fake monotonic clock advanced by the fake sleep."""

    def __init__(self) -> None:
        """Start at 0 with no sleeps."""
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        """Record and advance."""
        self.sleeps.append(seconds)
        self.now += seconds

    def __call__(self) -> float:
        """The current time."""
        return self.now


def _run(router: respx.Router, clock: Clock, **kw: Any) -> Any:
    client = Auth0Client(idp.BASE, transport=httpx.MockTransport(router.handler), sleep=lambda _s: None)
    args: dict[str, Any] = {
        "endpoints": ENDPOINTS,
        "jwks_provider": idp.jwks,
        "client_id": idp.CLIENT_ID,
        "scope": "openid offline_access",
        "audience": idp.BASE + "/api/v2/",
        "on_code": lambda _a: None,
        "sleep": clock.sleep,
        "clock": clock,
    }
    args.update(kw)
    return run_device_login(client, **args)


def _router(*token_responses: httpx.Response, device: dict[str, Any] | None = None) -> respx.Router:
    router = respx.Router()
    router.post(idp.BASE + "/oauth/device/code").mock(
        return_value=httpx.Response(200, json=device or DEVICE_BODY)
    )
    router.post(idp.BASE + "/oauth/token").mock(side_effect=list(token_responses))
    return router


def test_pending_then_success_polls_at_the_interval() -> None:
    """authorization_pending keeps polling every `interval` seconds until tokens arrive."""
    router = _router(_error("authorization_pending"), _error("authorization_pending"), _success())
    clock = Clock()
    result = _run(router, clock)
    assert result.claims["sub"] == "auth0|alice"
    assert result.tokens.refresh_token == "RT-1"
    assert clock.sleeps == [5, 5, 5]
    form = router.routes[1].calls[0].request.content.decode()
    assert "device_code=DEV-1" in form
    assert httpx.QueryParams(form)["grant_type"] == DEVICE_GRANT


def test_code_is_reported_before_any_browser_attempt() -> None:
    """on_code sees the user code first; a browser that raises does not stop the polling."""
    router = _router(_success())
    events: list[str] = []

    def on_code(auth: DeviceAuthorization) -> None:
        events.append(f"code {auth.user_code}")

    def browser(url: str) -> bool:
        events.append(f"browser {url}")
        raise RuntimeError("no display")

    result = _run(router, Clock(), on_code=on_code, open_browser=browser)
    assert events[0] == "code ABCD-EFGH"
    assert result.user_code == "ABCD-EFGH"


def test_slow_down_adds_five_seconds() -> None:
    """slow_down (429) adds 5 s to the interval for every later poll."""
    router = _router(_error("slow_down", 429), _error("authorization_pending"), _success())
    clock = Clock()
    _run(router, clock)
    assert clock.sleeps == [5, 10, 10]


def test_decides_on_the_error_field_not_the_status() -> None:
    """authorization_pending sent with 400 (older docs) or even 200 is still 'pending'."""
    router = _router(_error("authorization_pending", 400), _error("authorization_pending", 200), _success())
    result = _run(router, Clock())
    assert result.claims["sub"] == "auth0|alice"


@pytest.mark.parametrize(
    ("error", "message"),
    [
        ("expired_token", "expired before"),
        ("access_denied", "refused in the browser"),
        ("invalid_grant", "no longer valid"),
    ],
)
def test_terminal_errors_become_device_flow_errors(error: str, message: str) -> None:
    """expired_token, access_denied and invalid_grant end the flow with a clear message (exit 3)."""
    router = _router(_error("authorization_pending"), _error(error))
    with pytest.raises(DeviceFlowError, match=message) as info:
        _run(router, Clock())
    assert info.value.error == error
    assert exit_code_for(info.value) == 3
    assert "auth0link login --device" in (info.value.hint or "")


def test_other_errors_propagate_as_oauth_errors() -> None:
    """An unexpected error (invalid_client) is not swallowed."""
    router = _router(_error("invalid_client", 401))
    with pytest.raises(OAuthError) as info:
        _run(router, Clock())
    assert info.value.error == "invalid_client"


def test_local_expiry_stops_polling() -> None:
    """When expires_in passes without approval, the flow stops itself."""
    device = {**DEVICE_BODY, "expires_in": 12, "interval": 5}
    router = _router(*[_error("authorization_pending")] * 5, device=device)
    clock = Clock()
    with pytest.raises(DeviceFlowError, match="expired"):
        _run(router, clock)
    assert sum(clock.sleeps) == pytest.approx(12)


def test_grant_not_enabled_names_the_setting() -> None:
    """unauthorized_client at the device endpoint says to enable the Device Code grant."""
    router = respx.Router()
    router.post(idp.BASE + "/oauth/device/code").mock(return_value=_error("unauthorized_client"))
    with pytest.raises(DeviceFlowError, match="may not use the device flow") as info:
        _run(router, Clock())
    assert "Device Code grant" in (info.value.hint or "")


def test_provider_without_device_endpoint() -> None:
    """A provider whose discovery has no device endpoint gets a clear error, no request."""
    router = respx.Router()
    endpoints = dataclasses.replace(ENDPOINTS, device_authorization_endpoint=None)
    with pytest.raises(DeviceFlowError, match="does not offer the device flow"):
        _run(router, Clock(), endpoints=endpoints)


def test_invalid_id_token_is_refused() -> None:
    """A token answer whose ID token is for another audience is refused."""
    body = idp.token_body()
    body["id_token"] = idp.id_token(aud="other-app")
    router = _router(httpx.Response(200, json=body))
    with pytest.raises(IdTokenError, match="audience"):
        _run(router, Clock())


def test_ctrl_c_while_polling_is_interrupted() -> None:
    """KeyboardInterrupt during the wait becomes Interrupted (exit 130)."""
    router = _router(_error("authorization_pending"))

    def sleep(_seconds: float) -> None:
        raise KeyboardInterrupt

    with pytest.raises(Interrupted) as info:
        _run(router, Clock(), sleep=sleep)
    assert exit_code_for(info.value) == 130


def test_on_wait_reports_remaining_time() -> None:
    """The progress callback gets the seconds left before each poll."""
    router = _router(_error("authorization_pending"), _success())
    remaining: list[float] = []
    _run(router, Clock(), on_wait=remaining.append)
    assert remaining == [900, 895]
