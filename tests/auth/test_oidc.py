"""Discovery (cache, fallback), the JWKS cache, and ID token validation failures."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

import httpx
import jwt
import pytest
import respx

from auth0link.auth.discovery import Endpoints, JwksCache, discover
from auth0link.auth.oidc import UnknownSigningKey, validate_id_token, validate_with_provider
from auth0link.client import Auth0Client
from auth0link.errors import ConfigurationError, IdTokenError
from tests.support import idp

if TYPE_CHECKING:
    from pathlib import Path


def _client(router: respx.Router, base: str = idp.BASE) -> Auth0Client:
    return Auth0Client(base, transport=httpx.MockTransport(router.handler), sleep=lambda _s: None)


def _validate(token: str, **kw: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "jwks": idp.jwks(),
        "issuer": idp.ISSUER,
        "client_id": idp.CLIENT_ID,
        "nonce": "n-123",
    }
    args.update(kw)
    return validate_id_token(token, **args)


# -- discovery --------------------------------------------------------------------------------


def test_discover_reads_the_document_and_caches_it(tmp_path: Path) -> None:
    """Endpoints come from the discovery document; a second call within the TTL uses the cache."""
    router = respx.Router(assert_all_called=False)
    idp.mount(router)
    first = discover(_client(router), cache_dir=tmp_path)
    second = discover(_client(router), cache_dir=tmp_path)
    assert first.token_endpoint == idp.BASE + "/oauth/token"
    assert first.source == "discovery"
    assert second.source == "cache"
    assert second.to_json() == first.to_json()
    assert router.routes[0].call_count == 1


def test_discover_refetches_after_the_ttl(tmp_path: Path) -> None:
    """An expired cache entry is fetched again."""
    router = respx.Router(assert_all_called=False)
    idp.mount(router)
    discover(_client(router), cache_dir=tmp_path, clock=lambda: 1000.0)
    again = discover(_client(router), cache_dir=tmp_path, clock=lambda: 1000.0 + 2 * 86400)
    assert again.source == "discovery"
    assert router.routes[0].call_count == 2


def test_discover_falls_back_to_auth0_paths_when_unreachable(tmp_path: Path) -> None:
    """A failing discovery request falls back to Auth0's fixed paths (and caches nothing)."""
    router = respx.Router()
    router.get(idp.BASE + "/.well-known/openid-configuration").mock(return_value=httpx.Response(404))
    endpoints = discover(_client(router), cache_dir=tmp_path)
    assert endpoints == Endpoints.auth0_defaults(idp.BASE)
    assert endpoints.device_authorization_endpoint == idp.BASE + "/oauth/device/code"
    assert endpoints.issuer == idp.ISSUER
    assert not list(tmp_path.iterdir())


def test_discover_without_fallback_raises() -> None:
    """With fallback off (doctor), an unreachable discovery is an error."""
    router = respx.Router()
    router.get(idp.BASE + "/.well-known/openid-configuration").mock(return_value=httpx.Response(500))
    with pytest.raises(Exception, match="HTTP 500"):
        discover(_client(router), cache_dir=None, fallback=False)


def test_discover_supports_non_auth0_layouts() -> None:
    """Any provider's endpoint layout is taken from its document, not assumed."""
    router = respx.Router()
    doc = {
        "issuer": idp.BASE,
        "authorization_endpoint": idp.BASE + "/protocol/openid-connect/auth",
        "token_endpoint": idp.BASE + "/protocol/openid-connect/token",
        "jwks_uri": idp.BASE + "/protocol/openid-connect/certs",
    }
    router.get(idp.BASE + "/.well-known/openid-configuration").mock(
        return_value=httpx.Response(200, json=doc)
    )
    endpoints = discover(_client(router), cache_dir=None)
    assert endpoints.token_endpoint.endswith("/protocol/openid-connect/token")
    assert endpoints.device_authorization_endpoint is None
    assert endpoints.issuer == idp.BASE


def test_discover_refuses_a_foreign_issuer() -> None:
    """A document naming another issuer is a configuration error, not a silent switch."""
    router = respx.Router()
    doc = idp.discovery_document("https://evil.example.com")
    router.get(idp.BASE + "/.well-known/openid-configuration").mock(
        return_value=httpx.Response(200, json=doc)
    )
    with pytest.raises(ConfigurationError, match="another issuer"):
        discover(_client(router), cache_dir=None)


_ENDPOINT_KEYS = (
    "authorization_endpoint",
    "token_endpoint",
    "device_authorization_endpoint",
    "userinfo_endpoint",
    "jwks_uri",
    "revocation_endpoint",
    "end_session_endpoint",
)


@pytest.mark.parametrize("key", _ENDPOINT_KEYS)
def test_discover_refuses_a_plain_http_endpoint_for_an_https_tenant(key: str) -> None:
    """An https tenant whose document lists any http:// endpoint is refused, naming the key."""
    router = respx.Router()
    doc = idp.discovery_document()
    doc[key] = doc[key].replace("https://", "http://")
    router.get(idp.BASE + "/.well-known/openid-configuration").mock(
        return_value=httpx.Response(200, json=doc)
    )
    with pytest.raises(ConfigurationError, match=f"plain http:// {key} ") as info:
        discover(_client(router), cache_dir=None)
    assert "https://" in (info.value.hint or "")
    assert "\n" not in str(info.value)


def test_loopback_http_tenant_may_use_loopback_http_endpoints() -> None:
    """A loopback http issuer (the emulator) keeps its http endpoints; a remote http one is refused."""
    local = "http://127.0.0.1:8080"
    endpoints = Endpoints.from_document(idp.discovery_document(local), base_url=local)
    assert endpoints.token_endpoint == local + "/oauth/token"
    doc = idp.discovery_document(local)
    doc["token_endpoint"] = "http://tokens.example.com/oauth/token"
    with pytest.raises(ConfigurationError, match="plain http:// token_endpoint"):
        Endpoints.from_document(doc, base_url=local)


def test_a_cached_http_endpoint_is_revalidated_and_rediscovered(tmp_path: Path) -> None:
    """A fresh cache entry listing an http:// endpoint is not used: discovery runs again."""
    router = respx.Router(assert_all_called=False)
    idp.mount(router)
    discover(_client(router), cache_dir=tmp_path, clock=lambda: 1000.0)
    [cache_file] = tmp_path.glob("discovery-*.json")
    cached = json.loads(cache_file.read_text())
    cached["value"]["jwks_uri"] = "http://tenant.example.com/.well-known/jwks.json"
    cache_file.write_text(json.dumps(cached))
    again = discover(_client(router), cache_dir=tmp_path, clock=lambda: 1001.0)
    assert again.source == "discovery"
    assert again.jwks_uri == idp.BASE + "/.well-known/jwks.json"
    assert router.routes[0].call_count == 2


# -- JWKS ---------------------------------------------------------------------------------------


def test_jwks_cache_fetches_once_and_persists(tmp_path: Path) -> None:
    """The JWKS is fetched once, then served from memory and from the disk cache."""
    router = respx.Router()
    route = router.get(idp.BASE + "/.well-known/jwks.json").mock(
        return_value=httpx.Response(200, json=idp.jwks())
    )
    uri = idp.BASE + "/.well-known/jwks.json"
    cache = JwksCache(_client(router), uri, cache_dir=tmp_path)
    assert cache() == idp.jwks()
    assert cache() == idp.jwks()
    assert JwksCache(_client(router), uri, cache_dir=tmp_path)() == idp.jwks()
    assert route.call_count == 1


def test_unknown_kid_refetches_the_jwks_once() -> None:
    """A token signed with a rotated-in key validates after one refetch."""
    router = respx.Router()
    new = idp.jwk(idp.other_private_key(), kid="rotated")
    route = router.get(idp.BASE + "/.well-known/jwks.json").mock(
        side_effect=[httpx.Response(200, json=idp.jwks()), httpx.Response(200, json=idp.jwks(idp.jwk(), new))]
    )
    cache = JwksCache(_client(router), idp.BASE + "/.well-known/jwks.json")
    token = idp.id_token(key=idp.other_private_key(), kid="rotated")
    claims = validate_with_provider(
        token, jwks_provider=cache, issuer=idp.ISSUER, client_id=idp.CLIENT_ID, nonce="n-123"
    )
    assert claims["sub"] == "auth0|alice"
    assert route.call_count == 2


def test_unknown_kid_after_refetch_fails() -> None:
    """A key id the provider never publishes is refused after the single refetch."""
    router = respx.Router()
    route = router.get(idp.BASE + "/.well-known/jwks.json").mock(
        return_value=httpx.Response(200, json=idp.jwks())
    )
    cache = JwksCache(_client(router), idp.BASE + "/.well-known/jwks.json")
    token = idp.id_token(key=idp.other_private_key(), kid="attacker")
    with pytest.raises(UnknownSigningKey, match="attacker"):
        validate_with_provider(
            token, jwks_provider=cache, issuer=idp.ISSUER, client_id=idp.CLIENT_ID, nonce=None
        )
    assert route.call_count == 2


# -- ID token validation ----------------------------------------------------------------------


def test_valid_token_returns_claims() -> None:
    """A well-formed RS256 token from the provider yields its claims."""
    claims = _validate(idp.id_token())
    assert claims["sub"] == "auth0|alice"
    assert claims["email"] == "alice@example.com"


def test_alg_none_is_refused() -> None:
    """An unsigned token (alg none) is refused."""
    token = jwt.encode(idp.claims(), key="", algorithm="none")
    with pytest.raises(IdTokenError, match="alg 'none'"):
        _validate(token)


def test_hs256_signed_with_the_public_key_is_refused() -> None:
    """The key-confusion attack (HS256 with the RSA public key as secret) is refused."""
    import hashlib
    import hmac as hmac_mod

    header = jwt.utils.base64url_encode(b'{"alg":"HS256","typ":"JWT","kid":"test-key-1"}')
    import json

    payload = jwt.utils.base64url_encode(json.dumps(idp.claims()).encode())
    signing_input = header + b"." + payload
    signature = hmac_mod.new(idp.public_pem(), signing_input, hashlib.sha256).digest()
    token = (signing_input + b"." + jwt.utils.base64url_encode(signature)).decode()
    with pytest.raises(IdTokenError, match="alg 'HS256'"):
        _validate(token)


def test_other_rs_algorithms_are_refused() -> None:
    """RS512 is not RS256: refused."""
    with pytest.raises(IdTokenError, match="only RS256"):
        _validate(idp.id_token(alg="RS512"))


def test_signature_by_another_key_is_refused() -> None:
    """A token signed by a key other than the published one (same kid) fails the signature check."""
    with pytest.raises(IdTokenError, match="signature"):
        _validate(idp.id_token(key=idp.other_private_key()))


def test_wrong_audience_is_refused() -> None:
    """A token for another application is refused."""
    with pytest.raises(IdTokenError, match="audience"):
        _validate(idp.id_token(aud="someone-else"))


def test_several_audiences_need_azp() -> None:
    """With several audiences, azp must name this application."""
    token = idp.id_token(aud=[idp.CLIENT_ID, "other"])
    with pytest.raises(IdTokenError, match="azp"):
        _validate(token)
    assert _validate(idp.id_token(aud=[idp.CLIENT_ID, "other"], azp=idp.CLIENT_ID))["sub"] == "auth0|alice"


def test_wrong_issuer_is_refused() -> None:
    """A token from another issuer is refused (exact match, trailing slash included)."""
    with pytest.raises(IdTokenError, match="issued by"):
        _validate(idp.id_token(iss="https://evil.example.com/"))
    with pytest.raises(IdTokenError, match="issued by"):
        _validate(idp.id_token(iss=idp.BASE))


def test_wrong_nonce_is_refused() -> None:
    """A token whose nonce is not this login's is refused (replay/injection)."""
    with pytest.raises(IdTokenError, match="nonce"):
        _validate(idp.id_token(nonce="other"))
    with pytest.raises(IdTokenError, match="nonce"):
        _validate(idp.id_token(nonce=None))


def test_expired_token_is_refused_beyond_the_leeway() -> None:
    """exp is enforced with the leeway: 30 s late passes, 61 s late fails."""
    now = time.time()
    token = idp.id_token(exp=int(now) - 30, iat=int(now) - 3600)
    assert _validate(token, now=now)["sub"] == "auth0|alice"
    with pytest.raises(IdTokenError, match="expired"):
        _validate(token, now=now + 31)


def test_token_issued_in_the_future_is_refused() -> None:
    """iat more than the leeway ahead of our clock is refused."""
    now = time.time()
    with pytest.raises(IdTokenError, match="future"):
        _validate(idp.id_token(iat=int(now) + 600, exp=int(now) + 9000), now=now)


def test_missing_exp_or_sub_is_refused() -> None:
    """Required claims must be present."""
    with pytest.raises(IdTokenError, match="exp"):
        _validate(idp.id_token(exp=None))
    with pytest.raises(IdTokenError, match="sub"):
        _validate(idp.id_token(sub=None))


def test_stale_auth_time_is_refused() -> None:
    """With auth_time_after, an SSO-reused login (old auth_time) or none at all is refused."""
    started = time.time()
    with pytest.raises(IdTokenError, match="earlier login"):
        _validate(idp.id_token(auth_time=int(started) - 3600), auth_time_after=started)
    with pytest.raises(IdTokenError, match="auth_time"):
        _validate(idp.id_token(), auth_time_after=started)
    fresh = _validate(idp.id_token(auth_time=int(started) + 2), auth_time_after=started)
    assert fresh["auth_time"] >= started


def test_garbage_is_refused() -> None:
    """Not a JWT at all: a clear IdTokenError."""
    with pytest.raises(IdTokenError, match="well-formed"):
        _validate("not-a-jwt")


def test_token_without_kid_uses_the_single_key() -> None:
    """Providers that omit kid work when they publish exactly one signing key."""
    assert _validate(idp.id_token(kid=None))["sub"] == "auth0|alice"


def test_token_not_valid_yet_is_refused_beyond_the_leeway() -> None:
    """nbf is enforced with the iat leeway: 30 s ahead passes, an hour ahead is refused."""
    now = time.time()
    assert _validate(idp.id_token(nbf=int(now) + 30), now=now)["sub"] == "auth0|alice"
    with pytest.raises(IdTokenError, match="not valid yet"):
        _validate(idp.id_token(nbf=int(now) + 3600), now=now)


@pytest.mark.parametrize("nbf", ["0", True, [1], {"at": 1}, float("nan"), float("inf")])
def test_nbf_that_is_not_a_number_is_refused(nbf: object) -> None:
    """An nbf claim that is present must be a number."""
    with pytest.raises(IdTokenError, match="nbf"):
        _validate(idp.id_token(nbf=nbf))


def test_exp_that_is_not_finite_is_refused() -> None:
    """exp = NaN (which JSON parsers accept) would never expire: it is refused as no expiry."""
    with pytest.raises(IdTokenError, match="exp"):
        _validate(idp.id_token(exp=float("nan")))
