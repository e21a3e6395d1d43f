"""Signing keys: verification of foreign and unsigned tokens, PEM round trip."""

from __future__ import annotations

import jwt

from auth0link.emulator.protocol.keys import SigningKey


def test_verify_rejects_foreign_and_unsigned_tokens() -> None:
    """Tokens signed by another key, with HS256 or alg none are refused."""
    key, other = SigningKey.generate(), SigningKey.generate()
    assert key.verify(key.sign({"sub": "x"})) == {"sub": "x"}
    assert key.verify(other.sign({"sub": "x"})) is None
    assert key.verify(jwt.encode({"sub": "x"}, "secret-secret-secret-secret-32by", algorithm="HS256")) is None
    unsigned = jwt.encode({"sub": "x"}, None, algorithm="none")  # type: ignore[arg-type] # PyJWT accepts None for alg none
    assert key.verify(unsigned) is None


def test_pem_round_trip_keeps_kid_and_jwk() -> None:
    """A key saved as PEM reloads with the same kid and JWK (so --state keeps JWKS stable)."""
    key = SigningKey.generate()
    again = SigningKey.from_pem(key.to_pem())
    assert again.kid == key.kid
    assert again.jwk == key.jwk
