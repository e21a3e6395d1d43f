"""ID token validation (discovery and the signing keys are in :mod:`.discovery`).

* :func:`validate_id_token` checks an ID token with PyJWT: RS256 only (``none``, HS256 and
  everything else are refused, which also defeats the "HS256 signed with the RSA public key"
  confusion), ``iss``, ``aud`` (and ``azp`` when there are several audiences), ``exp``/``iat``/``nbf``
  with a small leeway, ``nonce``, and optionally ``auth_time`` for logins that must be fresh.
  Any failure is an :class:`~auth0link.errors.IdTokenError`; nothing is stored after one.

PyJWT and cryptography are imported inside :func:`validate_id_token` only (they cost ~100 ms at
start-up).
"""

from __future__ import annotations

import hmac
import math
import time
from typing import TYPE_CHECKING, Any, Final, TypeGuard

from auth0link.errors import LOGIN, Fix, IdTokenError, cmd

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping


DEFAULT_LEEWAY: Final = 60
ALLOWED_ALGORITHMS: Final = ("RS256",)


class UnknownSigningKey(IdTokenError):
    """The ID token names a key id that is not in the JWKS (refetch the JWKS once, then fail)."""


#: the fix of a refused ID token; a login flow swaps in its caller's own retry (``link``'s)
RETRY_LOGIN: Final = "nothing was stored; " + LOGIN


def _fail(message: str) -> IdTokenError:
    return IdTokenError(f"The ID token was refused: {message}.", hint=RETRY_LOGIN)


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
            hint=RETRY_LOGIN,
        )
    if len(rsa) == 1:
        return rsa[0]
    raise _fail("it names no key id and the provider publishes several keys")


def validate_id_token(
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

    In the order OIDC Core §3.1.3.7 lists the checks: the signature (RS256 with the provider's
    key), ``iss``, ``aud``/``azp``, ``sub``, the times (``exp``, ``iat``, ``nbf`` with a leeway),
    ``nonce`` (``None`` skips it: refreshed ID tokens carry none; the login flows always pass
    one), and ``auth_time`` ≥ ``auth_time_after`` minus the leeway: proof that the user really
    authenticated during this login.
    """
    claims = _verified_claims(id_token, jwks)
    _check_audience(claims, issuer=issuer, client_id=client_id)
    _check_times(claims, now=time.time() if now is None else now, leeway=leeway)
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


def _verified_claims(id_token: str, jwks: Mapping[str, Any]) -> dict[str, Any]:
    """The claims of a token whose RS256 signature matches the provider's key (nothing else checked)."""
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
            # exp/iat/nbf against the injectable clock, aud with the azp rule, iss: all checked here
            options={
                "verify_signature": True,
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
                "verify_aud": False,
                "verify_iss": False,
            },
        )
    except jwt.InvalidSignatureError:
        raise _fail("its signature does not match the provider's key") from None
    except jwt.InvalidTokenError as exc:
        raise _fail(f"it could not be verified ({type(exc).__name__})") from None
    return claims


def _check_audience(claims: Mapping[str, Any], *, issuer: str, client_id: str) -> None:
    """``iss`` is the provider, ``aud`` names this application (``azp`` too when several), a ``sub``."""
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


def _check_times(claims: Mapping[str, Any], *, now: float, leeway: float) -> None:
    """``exp``, ``iat`` and (when present) ``nbf`` are finite numbers and hold ``now``, with a leeway."""
    exp, iat, nbf = claims.get("exp"), claims.get("iat"), claims.get("nbf")
    if not _is_time(exp):
        raise _fail("it has no expiry (exp)")
    if not _is_time(iat):
        raise _fail("it has no issue time (iat)")
    if nbf is not None and not _is_time(nbf):
        raise _fail("its not-before time (nbf) is not a number")
    if now >= exp + leeway:
        raise _fail("it has expired (check this computer's clock if you just logged in)")
    if iat > now + leeway:
        raise _fail("it was issued in the future (check this computer's clock)")
    if nbf is not None and nbf > now + leeway:
        raise _fail("it is not valid yet (nbf is in the future; check this computer's clock)")


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
            hint=Fix("include 'openid' in the scopes (", cmd("login", "--scopes", "'openid …'"), ")"),
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
