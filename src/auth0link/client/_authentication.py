"""The Authentication API and OIDC documents: discovery, JWKS, token, device code, userinfo, revoke.

Works against any standards-compliant OpenID provider (the endpoints are passed in, from
discovery); errors are :class:`~auth0link.errors.OAuthError` with the RFC 6749 ``error`` code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx

from auth0link.client._errors import decode_json, oauth_error
from auth0link.client._http import HTTP_SERVER_ERROR, HttpCore
from auth0link.errors import Fix, LoginRequired, NetworkError, ServerError, cmd
from auth0link.models import DeviceAuthorization, TokenResponse

if TYPE_CHECKING:
    from collections.abc import Mapping


class AuthenticationAPI(HttpCore):
    """One typed method per Authentication API endpoint auth0link uses."""

    def get_json(self, url: str) -> Any:
        """GET a public JSON document (discovery, JWKS) by URL or path."""
        response = self.request("GET", url)
        if not response.is_success:
            raise NetworkError(
                f"{url} answered HTTP {response.status_code}.",
                hint=Fix("check the tenant domain (", cmd("doctor"), ")"),
            )
        return decode_json(response)

    def discovery(self) -> dict[str, Any]:
        """``GET /.well-known/openid-configuration``."""
        data = self.get_json("/.well-known/openid-configuration")
        if not isinstance(data, dict):
            raise ServerError("The discovery document is not a JSON object.", status_code=200)
        return data

    def _oauth_post(self, url: str, data: Mapping[str, str], *, retry_rate_limit: bool = True) -> Any:
        response = self.request("POST", url, data=dict(data), retry_rate_limit=retry_rate_limit)
        if response.is_success:
            return decode_json(response) if response.content else {}
        if response.status_code >= HTTP_SERVER_ERROR:
            # A failing server is not a refusal: exit 5 ("try again"), not 3 ("log in again").
            raise ServerError(
                f"The authorization server failed (HTTP {response.status_code}).",
                status_code=response.status_code,
                hint="try again later; nothing was stored",
            )
        raise oauth_error(response)

    def token(self, data: Mapping[str, str], *, endpoint: str = "/oauth/token") -> TokenResponse:
        """``POST /oauth/token`` (any grant; form-encoded, as RFC 6749 requires)."""
        # Device-code polling handles 429 `slow_down` itself (RFC 8628 §3.5).
        polling = data.get("grant_type") == "urn:ietf:params:oauth:grant-type:device_code"
        body = self._oauth_post(endpoint, data, retry_rate_limit=not polling)
        if isinstance(body, dict) and isinstance(body.get("error"), str):
            # Decide on the `error` field, not the status: some servers answer 200 with an error.
            raise oauth_error(httpx.Response(400, json=body))
        result = TokenResponse.from_api(body if isinstance(body, dict) else {})
        if not result.access_token:
            raise ServerError("The token endpoint returned no access token.", status_code=200)
        return result

    def device_authorization(
        self, data: Mapping[str, str], *, endpoint: str = "/oauth/device/code"
    ) -> DeviceAuthorization:
        """``POST /oauth/device/code`` (RFC 8628 §3.1)."""
        body = self._oauth_post(endpoint, data)
        result = DeviceAuthorization.from_api(body if isinstance(body, dict) else {})
        if not (result.device_code and result.user_code and result.verification_uri):
            raise ServerError("The device authorization response is incomplete.", status_code=200)
        return result

    def userinfo(self, access_token: str, *, endpoint: str = "/userinfo") -> dict[str, Any]:
        """``GET /userinfo`` with the given access token."""
        response = self.request("GET", endpoint, headers={"Authorization": f"Bearer {access_token}"})
        if response.status_code == 401:  # noqa: PLR2004 - HTTP status
            raise LoginRequired("The access token was rejected by /userinfo.")
        if not response.is_success:
            raise oauth_error(response)
        data = decode_json(response)
        return data if isinstance(data, dict) else {}

    def revoke(self, data: Mapping[str, str], *, endpoint: str = "/oauth/revoke") -> None:
        """``POST /oauth/revoke`` (a refresh token)."""
        self._oauth_post(endpoint, data)

    def probe(self, url: str) -> tuple[int, str]:
        """GET a page without following redirects: (status, first 4 KB of text).

        Used to ask an authorize endpoint whether it accepts a ``redirect_uri`` before the user
        is sent there (Auth0 shows "Callback URL mismatch" as a 400 page).
        """
        response = self.request("GET", url, headers={"Accept": "text/html,application/json"})
        return response.status_code, response.content[:4096].decode("utf-8", "replace")
