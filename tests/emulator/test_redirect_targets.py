"""Logout and callback targets are parsed strictly: user info never smuggles another host in."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

from auth0link.emulator.state import demo
from auth0link.emulator.web.urls import is_loopback_web_url
from tests.emulator.conftest import CALLBACK, pkce

if TYPE_CHECKING:
    from tests.emulator.conftest import Ctx

SMUGGLED = [
    "http://[::1]@evil.example/",
    "http://[::1]:80@evil.example/",
    "http://127.0.0.1@evil.example/",
    "http://localhost:8484@evil.example/",
    "http://user:pw@127.0.0.1:8484/",
    "http://127.0.0.1\\@evil.example/",
    "http://127.0.0.1:99999/",
    "http://[::1].evil.example/",
]


@pytest.mark.parametrize("target", SMUGGLED)
def test_v2_logout_never_redirects_to_a_smuggled_host(ctx: Ctx, target: str) -> None:
    """/v2/logout refuses a returnTo with user info or an unparsable host (no 302)."""
    reply = ctx.client.get("/v2/logout", params={"client_id": demo.NATIVE_CLIENT_ID, "returnTo": target})
    assert reply.status_code == 400
    assert "location" not in reply.headers


@pytest.mark.parametrize("target", SMUGGLED)
def test_oidc_logout_never_redirects_to_a_smuggled_host(ctx: Ctx, target: str) -> None:
    """/oidc/logout refuses a post_logout_redirect_uri with user info (no 302)."""
    reply = ctx.client.get("/oidc/logout", params={"post_logout_redirect_uri": target, "state": "s"})
    assert reply.status_code == 400
    assert "location" not in reply.headers


@pytest.mark.parametrize("target", ["http://[::1]:8484/bye", "http://127.0.0.2/", "https://localhost/x"])
def test_loopback_logout_targets_still_work(ctx: Ctx, target: str) -> None:
    """Any loopback http(s) URL is still a logout target of the demo native client."""
    reply = ctx.client.get("/v2/logout", params={"client_id": demo.NATIVE_CLIENT_ID, "returnTo": target})
    assert (reply.status_code, reply.headers["location"]) == (302, target)
    assert urlsplit(reply.headers["location"]).hostname in ("::1", "127.0.0.2", "localhost")


def test_callback_with_user_info_is_refused(ctx: Ctx) -> None:
    """/authorize refuses a redirect_uri with user info even when a client lists it."""
    smuggled = "http://127.0.0.1:8484@evil.example/callback"
    client = ctx.tenant.clients[demo.NATIVE_CLIENT_ID]
    ctx.tenant.clients[demo.NATIVE_CLIENT_ID] = type(client)(
        **{**client.__dict__, "callbacks": (*client.callbacks, smuggled)}
    )
    reply = ctx.client.get(ctx.authorize_url(pkce("x" * 43), redirect_uri=smuggled))
    assert reply.status_code == 400
    assert "Callback URL mismatch" in reply.text
    assert ctx.client.get(ctx.authorize_url(pkce("x" * 43), redirect_uri=CALLBACK)).status_code == 302


@pytest.mark.parametrize(
    ("url", "loopback"), [("http://[::1]@evil.example/", False), ("http://[::1]:1/", True)]
)
def test_is_loopback_web_url(url: str, loopback: bool) -> None:
    """The host is what urlsplit and ipaddress say, not a string prefix."""
    assert is_loopback_web_url(url) is loopback
