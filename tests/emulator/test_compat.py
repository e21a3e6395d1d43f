"""Unmodified third-party clients against the emulator over real HTTPS, as they talk to a tenant.

Each library gets the bare ``127.0.0.1:PORT`` domain (or the https URLs from discovery) and
trusts the emulator's CA the way its users would configure it: ``SSL_CERT_FILE`` for urllib
(PyJWKClient) and httpx (auth0-python's Management API client), ``REQUESTS_CA_BUNDLE`` for
requests (auth0-python's Authentication API, Authlib). No ``protocol="http"``, no custom
transport. auth0-python and Authlib come with the test dependency group.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx
import jwt
import pytest

from auth0link.emulator.server.serve import EmulatorThread
from auth0link.emulator.state import demo
from auth0link.emulator.testing.agent import LoginAgent
from tests.emulator.conftest import query_of
from tests.support.demo_ids import ALICE, GITHUB

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from auth0link.emulator.server.options import EmulatorOptions


@pytest.fixture(scope="module")
def served(served_options: Callable[..., EmulatorOptions]) -> Iterator[EmulatorThread]:
    """One emulator for the module, on a real socket, over HTTPS."""
    with EmulatorThread(served_options(skip_callback_confirmation=True)) as running:
        yield running


@pytest.fixture(autouse=True)
def trust_emulator_ca(served: EmulatorThread, monkeypatch: pytest.MonkeyPatch) -> None:
    """Trust the emulator's CA through the libraries' own environment variables."""
    assert served.ca_file is not None
    monkeypatch.setenv("SSL_CERT_FILE", str(served.ca_file))  # urllib, httpx
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(served.ca_file))  # requests


def test_pyjwt_jwks_client_verifies_emulator_tokens(served: EmulatorThread) -> None:
    """PyJWT's PyJWKClient fetches the JWKS over HTTPS (SSL_CERT_FILE) and verifies an M2M token."""
    token = httpx.post(
        served.base_url + "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": demo.M2M_CLIENT_ID,
            "client_secret": demo.M2M_CLIENT_SECRET,
            "audience": served.base_url + "/api/v2/",
        },
    ).json()["access_token"]
    jwks_uri = httpx.get(served.base_url + "/.well-known/openid-configuration").json()["jwks_uri"]
    key = jwt.PyJWKClient(jwks_uri).get_signing_key_from_jwt(token)
    claims = jwt.decode(
        token,
        key.key,
        algorithms=["RS256"],
        audience=served.base_url + "/api/v2/",
        issuer=served.base_url + "/",
    )
    assert claims["sub"] == demo.M2M_CLIENT_ID + "@clients"


def test_auth0_python_sdk_token_users_link_unlink(served: EmulatorThread) -> None:
    """auth0-python with the bare domain over HTTPS: client_credentials, get user, link and unlink."""
    # Optional third-party packages: not installed in every venv that runs mypy.
    from auth0.authentication import GetToken  # type: ignore[import-not-found,import-untyped,unused-ignore]
    from auth0.management.client import Auth0  # type: ignore[import-not-found,import-untyped,unused-ignore]

    domain = urlsplit(served.base_url).netloc
    token = GetToken(domain, demo.M2M_CLIENT_ID, client_secret=demo.M2M_CLIENT_SECRET).client_credentials(
        f"https://{domain}/api/v2/"
    )["access_token"]
    with httpx.Client() as http:  # the SDK's own client would never be closed; this one trusts SSL_CERT_FILE
        check_sdk_link_unlink(Auth0(tenant_domain=domain, token=token, httpx_client=http))


def check_sdk_link_unlink(api: Any) -> None:
    """Get alice, link and unlink her GitHub identity through the SDK."""
    user = api.users.get(ALICE)
    assert user.user_id == ALICE
    provider, raw = GITHUB.split("|")
    linked = api.users.identities.link(ALICE, provider=provider, user_id=raw)
    assert [i.provider for i in linked] == ["auth0", "github"]
    api.users.identities.delete(ALICE, provider, raw)
    assert api.users.get(GITHUB).user_id == GITHUB


def test_auth0_python_native_login_verify_refresh_userinfo_revoke(served: EmulatorThread) -> None:
    """auth0-python over HTTPS: PKCE exchange, TokenVerifier on the ID token, refresh, userinfo, revoke."""
    # Optional third-party package: not installed in every venv that runs mypy.
    from auth0.authentication import (  # type: ignore[import-not-found,import-untyped,unused-ignore]
        GetToken,
        RevokeToken,
        Users,
    )
    from auth0.authentication.token_verifier import (  # type: ignore[import-not-found,import-untyped,unused-ignore]
        AsymmetricSignatureVerifier,
        TokenVerifier,
    )

    from tests.emulator.test_agent import authorize_url

    domain = urlsplit(served.base_url).netloc
    verifier = secrets.token_urlsafe(48)
    redirect_uri = "http://127.0.0.1:8484/callback"
    url = authorize_url(served.base_url, redirect_uri, verifier, nonce="n-42", max_age="600")
    with LoginAgent(ca_bundle=served.ca_file) as agent:
        callback = agent.complete_authorize(
            url, email="alice@example.com", password=demo.ALICE_PASSWORD, deliver=False
        )
    get_token = GetToken(domain, demo.NATIVE_CLIENT_ID)
    tokens = get_token.authorization_code_pkce(verifier, query_of(callback)["code"], redirect_uri)
    verifier_ = TokenVerifier(
        signature_verifier=AsymmetricSignatureVerifier(f"https://{domain}/.well-known/jwks.json"),
        issuer=f"https://{domain}/",
        audience=demo.NATIVE_CLIENT_ID,
    )
    claims = verifier_.verify(tokens["id_token"], nonce="n-42", max_age=600)
    assert claims["sub"] == ALICE
    refreshed = get_token.refresh_token(tokens["refresh_token"])
    assert refreshed["refresh_token"] != tokens["refresh_token"]
    profile = Users(domain).userinfo(refreshed["access_token"])
    assert profile["email"] == "alice@example.com"
    RevokeToken(domain, demo.NATIVE_CLIENT_ID).revoke_refresh_token(refreshed["refresh_token"])
    reply = httpx.post(
        served.base_url + "/oauth/token",
        data={
            "grant_type": "refresh_token",
            "client_id": demo.NATIVE_CLIENT_ID,
            "refresh_token": refreshed["refresh_token"],
        },
        verify=served.verify,
    )
    assert reply.status_code == 403


def test_authlib_oauth2_session_pkce_code_flow(served: EmulatorThread) -> None:
    """Authlib's OAuth2Session (requests, REQUESTS_CA_BUNDLE) builds the authorize URL and exchanges the code."""
    # Optional, untyped third-party package.
    from authlib.integrations.requests_client import (  # type: ignore[import-untyped,import-not-found,unused-ignore]
        OAuth2Session,
    )

    redirect_uri = "http://127.0.0.1:8486/callback"
    verifier = secrets.token_urlsafe(48)
    with OAuth2Session(
        client_id=demo.NATIVE_CLIENT_ID,
        redirect_uri=redirect_uri,
        scope="openid profile email offline_access",
        code_challenge_method="S256",
        token_endpoint_auth_method="none",
    ) as client:
        url, state = client.create_authorization_url(
            served.base_url + "/authorize", code_verifier=verifier, nonce="n1"
        )
        with LoginAgent(ca_bundle=served.ca_file) as agent:
            callback = agent.complete_authorize(
                url, email="alice@example.com", password=demo.ALICE_PASSWORD, deliver=False
            )
        assert query_of(callback)["state"] == state
        token: dict[str, Any] = client.fetch_token(
            served.base_url + "/oauth/token", authorization_response=callback, code_verifier=verifier
        )
        assert token["refresh_token"]
        refreshed = client.refresh_token(
            served.base_url + "/oauth/token", refresh_token=token["refresh_token"]
        )
        assert refreshed["refresh_token"] != token["refresh_token"]
        idt = jwt.decode(refreshed["id_token"], options={"verify_signature": False})
        assert idt["sub"] == ALICE
