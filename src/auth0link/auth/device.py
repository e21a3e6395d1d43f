"""The device authorization grant (RFC 8628), for machines without a usable browser.

Sequence of :func:`run_device_login`:

1. ``POST`` the device authorization endpoint (``client_id``, ``scope``, ``audience``);
2. hand the code to ``on_code`` — the CLI prints the verification URL and user code (and a QR
   code on a terminal) *before* any attempt to open a browser, so a failed launch never hides
   them; then ``open_browser`` is tried on ``verification_uri_complete`` in the background;
3. poll the token endpoint every ``interval`` seconds until the code expires, deciding on the
   RFC 8628 ``error`` field (never on the HTTP status, which providers disagree on):
   ``authorization_pending`` → keep polling; ``slow_down`` → add 5 s to the interval;
   ``expired_token``, ``access_denied``, ``invalid_grant`` → :class:`~auth0link.errors.DeviceFlowError`;
4. validate the ID token (no nonce exists in this grant; ``iss``/``aud``/``exp`` and the
   signature still are).

Nothing is stored here. Ctrl-C raises :class:`~auth0link.errors.Interrupted` (exit 130).
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
import time
from typing import TYPE_CHECKING, Any, Final

from auth0link.auth.oidc import validate_with_provider
from auth0link.errors import DeviceFlowError, Fix, Interrupted, OAuthError, cmd

if TYPE_CHECKING:
    from collections.abc import Callable

    from auth0link.auth.discovery import Endpoints
    from auth0link.client import Auth0Client
    from auth0link.models import DeviceAuthorization, TokenResponse

DEVICE_GRANT: Final = "urn:ietf:params:oauth:grant-type:device_code"
SLOW_DOWN_STEP: Final = 5.0


@dataclasses.dataclass(frozen=True)
class DeviceResult:
    """A completed device login: tokens, validated ID token claims, when it started."""

    tokens: TokenResponse
    claims: dict[str, Any]
    started_at: float
    user_code: str


def start(
    client: Auth0Client, *, endpoints: Endpoints, client_id: str, scope: str, audience: str | None
) -> DeviceAuthorization:
    """Ask for a device code; a provider without the endpoint or grant gets a clear error."""
    if not endpoints.device_authorization_endpoint:
        raise DeviceFlowError(
            "The provider does not offer the device flow (no device_authorization_endpoint).",
            error="unsupported_grant_type",
            hint=Fix.run("login", lead="log in with the browser instead: ", note=" (without --device)"),
        )
    data = {"client_id": client_id, "scope": scope}
    if audience:
        data["audience"] = audience
    try:
        return client.device_authorization(data, endpoint=endpoints.device_authorization_endpoint)
    except OAuthError as exc:
        if exc.error in {"unauthorized_client", "invalid_grant", "unsupported_grant_type"}:
            raise DeviceFlowError(
                f"The application may not use the device flow: {exc.description} ({exc.error}).",
                error=exc.error,
                status_code=exc.status_code,
                hint=Fix(
                    "enable the Device Code grant for the application (Advanced Settings > Grant Types), "
                    "or log in without --device; ",
                    cmd("doctor"),
                    " checks this",
                ),
            ) from None
        raise


def _denied(error: str, description: str) -> DeviceFlowError:
    if error == "expired_token":
        return DeviceFlowError(
            "The code expired before the login was approved.",
            error=error,
            hint=Fix.run("login", "--device", lead="run ", note=" again and approve it sooner"),
        )
    if error == "access_denied":
        return DeviceFlowError(
            f"The login was refused in the browser ({description}).",
            error=error,
            hint=Fix.run("login", "--device", lead="run ", note=" to try again"),
        )
    return DeviceFlowError(
        f"The device code is no longer valid ({description}).",
        error=error,
        hint=Fix.run("login", "--device", lead="run ", note=" again"),
    )


def poll(
    client: Auth0Client,
    auth: DeviceAuthorization,
    *,
    endpoints: Endpoints,
    client_id: str,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    on_wait: Callable[[float], None] | None = None,
) -> TokenResponse:
    """Poll the token endpoint until approval, denial or expiry (see the module docstring)."""
    interval = float(max(auth.interval, 0))
    deadline = clock() + max(auth.expires_in, 1)
    while True:
        remaining = deadline - clock()
        if remaining <= 0:
            raise _denied("expired_token", "timed out")
        if on_wait is not None:
            on_wait(remaining)
        sleep(min(interval, remaining))
        try:
            return client.token(
                {"grant_type": DEVICE_GRANT, "client_id": client_id, "device_code": auth.device_code},
                endpoint=endpoints.token_endpoint,
            )
        except OAuthError as exc:
            if exc.error == "authorization_pending":
                continue
            if exc.error == "slow_down":
                interval += SLOW_DOWN_STEP
                continue
            if exc.error in {"expired_token", "access_denied", "invalid_grant"}:
                raise _denied(exc.error, exc.description) from None
            raise


def run_device_login(
    client: Auth0Client,
    *,
    endpoints: Endpoints,
    jwks_provider: Callable[[], dict[str, Any]],
    client_id: str,
    scope: str,
    audience: str | None,
    on_code: Callable[[DeviceAuthorization], None],
    open_browser: Callable[[str], bool] | None = None,
    on_wait: Callable[[float], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> DeviceResult:
    """Run the whole device flow; see the module docstring."""
    started_at = time.time()
    try:
        auth = start(client, endpoints=endpoints, client_id=client_id, scope=scope, audience=audience)
        on_code(auth)
        if open_browser is not None:
            url = auth.verification_uri_complete or auth.verification_uri
            threading.Thread(target=_open_quietly, args=(open_browser, url), daemon=True).start()
        tokens = poll(
            client,
            auth,
            endpoints=endpoints,
            client_id=client_id,
            sleep=sleep,
            clock=clock,
            on_wait=on_wait,
        )
        claims = validate_with_provider(
            tokens.id_token,
            jwks_provider=jwks_provider,
            issuer=endpoints.issuer,
            client_id=client_id,
            nonce=None,  # the device grant has no nonce
        )
    except KeyboardInterrupt:
        raise Interrupted("Interrupted: the login was cancelled; nothing was stored.") from None
    return DeviceResult(tokens=tokens, claims=claims, started_at=started_at, user_code=auth.user_code)


def _open_quietly(open_browser: Callable[[str], bool], url: str) -> None:
    with contextlib.suppress(Exception):  # the code is printed already; polling goes on regardless
        open_browser(url)
