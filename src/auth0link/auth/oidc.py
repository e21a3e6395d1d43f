"""OpenID Connect plumbing: discovery, the JWKS, and ID token validation.

* :func:`discover` reads ``<domain>/.well-known/openid-configuration`` into :class:`Endpoints`
  (all ``https://``; ``http://`` only when it and the issuer are loopback), caches it in
  ``<config dir>/cache/`` for :data:`DISCOVERY_TTL`, and falls back to Auth0's fixed paths when
  it cannot be fetched (a flaky discovery never blocks an Auth0 login; other providers work too).
* :class:`JwksCache` fetches the provider's signing keys (also cached on disk) and is refetched
  once when an ID token names a key id it has not seen (key rotation).
* :func:`validate_id_token` checks an ID token with PyJWT: RS256 only (``none``, HS256 and
  everything else are refused, which also defeats the "HS256 signed with the RSA public key"
  confusion), ``iss``, ``aud`` (and ``azp`` when there are several audiences), ``exp``/``iat``/``nbf``
  with a small leeway, ``nonce``, and optionally ``auth_time`` for logins that must be fresh.
  Any failure is an :class:`~auth0link.errors.IdTokenError`; nothing is stored after one.

HTTP goes through :class:`~auth0link.client.Auth0Client`; PyJWT and cryptography are imported
inside :func:`validate_id_token` only (they cost ~100 ms at start-up).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import hmac
import json
import math
import time
from typing import TYPE_CHECKING, Any, Final, TypeGuard
from urllib.parse import urlsplit

from auth0link.errors import Auth0LinkError, ConfigurationError, IdTokenError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from pathlib import Path

    from auth0link.client import Auth0Client

DISCOVERY_TTL: Final = 24 * 3600.0
JWKS_TTL: Final = 24 * 3600.0
DEFAULT_LEEWAY: Final = 60
ALLOWED_ALGORITHMS: Final = ("RS256",)


class UnknownSigningKey(IdTokenError):
    """The ID token names a key id that is not in the JWKS (refetch the JWKS once, then fail)."""


@dataclasses.dataclass(frozen=True)
class Endpoints:
    """Where a provider's OAuth/OIDC endpoints live (absolute URLs).

    ``source`` says where they came from: ``discovery``, ``cache`` or ``fallback`` (Auth0's fixed
    paths because discovery failed).
    """

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    device_authorization_endpoint: str | None
    userinfo_endpoint: str | None
    jwks_uri: str
    revocation_endpoint: str | None
    end_session_endpoint: str | None
    source: str = "discovery"

    @classmethod
    def auth0_defaults(cls, base_url: str) -> Endpoints:
        """Auth0's fixed paths for a tenant base URL (``https://tenant.auth0.com``)."""
        base = base_url.rstrip("/")
        return cls(
            issuer=base + "/",
            authorization_endpoint=base + "/authorize",
            token_endpoint=base + "/oauth/token",
            device_authorization_endpoint=base + "/oauth/device/code",
            userinfo_endpoint=base + "/userinfo",
            jwks_uri=base + "/.well-known/jwks.json",
            revocation_endpoint=base + "/oauth/revoke",
            end_session_endpoint=base + "/oidc/logout",
            source="fallback",
        )

    @classmethod
    def from_document(cls, doc: Mapping[str, Any], *, base_url: str, source: str = "discovery") -> Endpoints:
        """Parse a discovery document; the issuer must be the domain we asked (OIDC Discovery §4.3)."""
        loopback_issuer = _loopback_http(doc.get("issuer"))

        def url(key: str, *, required: bool) -> str | None:
            value = doc.get(key)
            if isinstance(value, str) and value.startswith(("https://", "http://")):
                if value.startswith("http://") and not (loopback_issuer and _loopback_http(value)):
                    raise ConfigurationError(
                        f"The discovery document lists a plain http:// {key} ({value[:80]}).",
                        hint="the provider must publish https:// endpoints (http only for a loopback tenant)",
                    )
                return value
            if required:
                raise ConfigurationError(
                    f"The provider's discovery document has no valid {key!r}.",
                    hint="check the tenant domain (auth0link doctor)",
                )
            return None

        issuer = url("issuer", required=True)
        assert issuer is not None
        if issuer.rstrip("/") != base_url.rstrip("/"):
            raise ConfigurationError(
                f"The discovery document at {base_url} names another issuer ({issuer}).",
                hint="set the domain to the issuer's host: auth0link config set domain ISSUER_HOST",
            )
        return cls(
            issuer=issuer,
            authorization_endpoint=url("authorization_endpoint", required=True) or "",
            token_endpoint=url("token_endpoint", required=True) or "",
            device_authorization_endpoint=url("device_authorization_endpoint", required=False),
            userinfo_endpoint=url("userinfo_endpoint", required=False),
            jwks_uri=url("jwks_uri", required=True) or "",
            revocation_endpoint=url("revocation_endpoint", required=False),
            end_session_endpoint=url("end_session_endpoint", required=False),
            source=source,
        )

    def to_json(self) -> dict[str, Any]:
        """The cached form (without ``source``)."""
        data = dataclasses.asdict(self)
        data.pop("source")
        return data


def _loopback_http(value: object) -> bool:
    """True for a plain ``http://`` URL on a loopback host (a local test tenant)."""
    from auth0link.config import is_loopback_host

    with contextlib.suppress(ValueError):  # urlsplit: a malformed IPv6 host
        if isinstance(value, str) and value.startswith("http://"):
            return is_loopback_host(urlsplit(value).hostname or "")
    return False


def _cache_path(cache_dir: Path, kind: str, base_url: str) -> Path:
    digest = hashlib.sha256(base_url.encode()).hexdigest()[:16]
    return cache_dir / f"{kind}-{digest}.json"


def _read_cache(path: Path, ttl: float, now: float) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("fetched_at"), int | float):
        return None
    if not 0 <= now - data["fetched_at"] < ttl or not isinstance(data.get("value"), dict):
        return None
    value: dict[str, Any] = data["value"]
    return value


def _write_cache(path: Path, value: Mapping[str, Any], now: float) -> None:
    from auth0link._files import atomic_write_text

    with contextlib.suppress(OSError):  # a cache that cannot be written only costs a request
        atomic_write_text(path, json.dumps({"fetched_at": now, "value": dict(value)}), mode=0o600)


def discover(
    client: Auth0Client,
    *,
    cache_dir: Path | None,
    ttl: float = DISCOVERY_TTL,
    clock: Callable[[], float] = time.time,
    fallback: bool = True,
) -> Endpoints:
    """The provider's endpoints: cached, else discovered, else (``fallback``) Auth0's fixed paths."""
    base_url = client.base_url
    path = _cache_path(cache_dir, "discovery", base_url) if cache_dir is not None else None
    now = clock()
    if path is not None:
        cached = _read_cache(path, ttl, now)
        if cached is not None:
            try:
                return Endpoints.from_document(cached, base_url=base_url, source="cache")
            except ConfigurationError:
                pass  # a stale or foreign cache entry: discover again
    try:
        endpoints = Endpoints.from_document(client.discovery(), base_url=base_url)
    except ConfigurationError:
        raise
    except Auth0LinkError:
        if not fallback:
            raise
        return Endpoints.auth0_defaults(base_url)
    if path is not None:
        _write_cache(path, endpoints.to_json(), now)
    return endpoints


class JwksCache:
    """The provider's JSON Web Key Set, from memory, the disk cache, or ``jwks_uri``.

    Calling the object returns the key set (the ``jwks_provider`` the login flows take);
    :meth:`refresh` fetches it again (done once when a token names an unknown ``kid``).
    """

    def __init__(
        self,
        client: Auth0Client,
        jwks_uri: str,
        *,
        cache_dir: Path | None = None,
        ttl: float = JWKS_TTL,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Nothing is fetched until the keys are needed."""
        self._client = client
        self.jwks_uri = jwks_uri
        self._path = _cache_path(cache_dir, "jwks", jwks_uri) if cache_dir is not None else None
        self._ttl = ttl
        self._clock = clock
        self._keys: dict[str, Any] | None = None
        self.fetches = 0

    def __call__(self) -> dict[str, Any]:
        """The key set (memory, then disk cache, then network)."""
        if self._keys is None and self._path is not None:
            cached = _read_cache(self._path, self._ttl, self._clock())
            if cached is not None and isinstance(cached.get("keys"), list):
                self._keys = cached
        if self._keys is None:
            self._keys = self.refresh()
        return self._keys

    def refresh(self) -> dict[str, Any]:
        """Fetch the key set from ``jwks_uri`` (and cache it)."""
        data = self._client.get_json(self.jwks_uri)
        self.fetches += 1
        if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
            raise IdTokenError(
                f"The provider's key set at {self.jwks_uri} is not a JWKS.",
                hint="check the tenant domain (auth0link doctor)",
            )
        self._keys = data
        if self._path is not None:
            _write_cache(self._path, data, self._clock())
        return data


def _fail(message: str) -> IdTokenError:
    return IdTokenError(
        f"The ID token was refused: {message}", hint="nothing was stored; run: auth0link login"
    )


def _is_time(value: object) -> TypeGuard[float]:
    """A NumericDate claim: a finite number (not a bool, not NaN or infinity)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _select_key(jwks: Mapping[str, Any], kid: str | None) -> dict[str, Any]:
    keys = [k for k in jwks.get("keys", []) if isinstance(k, dict)]
    rsa = [k for k in keys if k.get("kty") == "RSA" and k.get("use", "sig") == "sig"]
    if kid is not None:
        for key in rsa:
            if key.get("kid") == kid:
                return key
        raise UnknownSigningKey(
            f"The ID token was refused: it is signed with key {kid!r}, which the provider does not publish.",
            hint="nothing was stored; run: auth0link login",
        )
    if len(rsa) == 1:
        return rsa[0]
    raise _fail("it names no key id and the provider publishes several keys")


def validate_id_token(  # noqa: C901, PLR0912, PLR0915 - one check per claim, in the order OIDC Core §3.1.3.7 lists them
    id_token: str,
    *,
    jwks: Mapping[str, Any],
    issuer: str,
    client_id: str,
    nonce: str | None,
    now: float | None = None,
    leeway: float = DEFAULT_LEEWAY,
    auth_time_after: float | None = None,
) -> dict[str, Any]:
    """Verify an ID token and return its claims, or raise :class:`IdTokenError`.

    ``nonce=None`` skips the nonce check (refreshed ID tokens carry none); the login flows
    always pass one. ``auth_time_after`` (a UNIX time) requires ``auth_time`` ≥ it minus
    ``leeway``: proof that the user really authenticated during this login.
    """
    import jwt

    try:
        header = jwt.get_unverified_header(id_token)
    except jwt.InvalidTokenError:
        raise _fail("it is not a well-formed JWT") from None
    alg = header.get("alg")
    if alg not in ALLOWED_ALGORITHMS:
        raise _fail(f"it is signed with alg {alg!r}; only RS256 is accepted")
    kid = header.get("kid") if isinstance(header.get("kid"), str) else None
    jwk = _select_key(jwks, kid)
    try:
        key = jwt.PyJWK(jwk, algorithm="RS256").key
    except jwt.PyJWKError:
        raise _fail("the provider's signing key is not a usable RSA key") from None
    try:
        claims: dict[str, Any] = jwt.decode(
            id_token,
            key=key,
            algorithms=list(ALLOWED_ALGORITHMS),
            options={
                "verify_signature": True,
                "verify_exp": False,  # checked below against the injectable clock
                "verify_iat": False,
                "verify_nbf": False,
                "verify_aud": False,  # checked below (azp rule for several audiences)
                "verify_iss": False,
            },
        )
    except jwt.InvalidSignatureError:
        raise _fail("its signature does not match the provider's key") from None
    except jwt.InvalidTokenError as exc:
        raise _fail(f"it could not be verified ({type(exc).__name__})") from None
    current = time.time() if now is None else now
    if claims.get("iss") != issuer:
        raise _fail(f"it was issued by {claims.get('iss')!r}, not {issuer!r}")
    aud = claims.get("aud")
    audiences = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
    if client_id not in audiences:
        raise _fail(f"its audience {aud!r} is not this application ({client_id})")
    if len(audiences) > 1 and claims.get("azp") != client_id:
        raise _fail("it has several audiences but its azp is not this application")
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise _fail("it has no subject (sub)")
    exp, iat, nbf = claims.get("exp"), claims.get("iat"), claims.get("nbf")
    if not _is_time(exp):
        raise _fail("it has no expiry (exp)")
    if not _is_time(iat):
        raise _fail("it has no issue time (iat)")
    if nbf is not None and not _is_time(nbf):
        raise _fail("its not-before time (nbf) is not a number")
    if current >= exp + leeway:
        raise _fail("it has expired (check this computer's clock if you just logged in)")
    if iat > current + leeway:
        raise _fail("it was issued in the future (check this computer's clock)")
    if nbf is not None and nbf > current + leeway:
        raise _fail("it is not valid yet (nbf is in the future; check this computer's clock)")
    if nonce is not None:
        token_nonce = claims.get("nonce")
        if not isinstance(token_nonce, str) or not hmac.compare_digest(token_nonce, nonce):
            raise _fail("its nonce does not match this login (a replayed or injected token)")
    if auth_time_after is not None:
        auth_time = claims.get("auth_time")
        if not _is_time(auth_time):
            raise _fail("it carries no auth_time, so a fresh login cannot be proven")
        if auth_time < auth_time_after - leeway:
            raise _fail(
                "the provider reused an earlier login (auth_time predates this login); "
                "sign in again in the browser"
            )
    return claims


def validate_with_provider(
    id_token: str | None,
    *,
    jwks_provider: Callable[[], Mapping[str, Any]],
    issuer: str,
    client_id: str,
    nonce: str | None,
    now: float | None = None,
    leeway: float = DEFAULT_LEEWAY,
    auth_time_after: float | None = None,
) -> dict[str, Any]:
    """:func:`validate_id_token` with keys from ``jwks_provider``, refetched once on an unknown kid.

    The refetch happens when the provider has a ``refresh()`` method (as :class:`JwksCache` does).
    A token response without an ID token (``id_token=None``) cannot be verified and is refused.
    """
    if not id_token:
        raise IdTokenError(
            "The provider returned no ID token, so the user cannot be verified.",
            hint="include 'openid' in the scopes (auth0link login --scopes 'openid …')",
        )
    kwargs: dict[str, Any] = {
        "issuer": issuer,
        "client_id": client_id,
        "nonce": nonce,
        "now": now,
        "leeway": leeway,
        "auth_time_after": auth_time_after,
    }
    try:
        return validate_id_token(id_token, jwks=jwks_provider(), **kwargs)
    except UnknownSigningKey:
        refresh = getattr(jwks_provider, "refresh", None)
        if refresh is None:
            raise
        return validate_id_token(id_token, jwks=refresh(), **kwargs)
