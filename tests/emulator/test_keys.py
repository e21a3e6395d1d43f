"""Signing keys: verification of foreign and unsigned tokens, PEM round trip."""

from __future__ import annotations

import jwt
import pytest

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


def test_a_key_made_in_the_background_is_a_working_key() -> None:
    """generate_in_background hands over a key made on another thread (the emulator's start-up)."""
    from auth0link.emulator.protocol.keys import generate_in_background

    key = generate_in_background()()
    assert key.verify(key.sign({"sub": "x"})) == {"sub": "x"}


def test_an_error_making_the_key_is_raised_by_the_waiting_side(monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure on the key's thread is raised where the key is asked for, not lost on the thread."""
    from auth0link.emulator.protocol.keys import generate_in_background

    def broken(_cls: type[SigningKey]) -> SigningKey:
        raise MemoryError("no memory for a prime")

    monkeypatch.setattr(SigningKey, "generate", classmethod(broken))
    result = generate_in_background()
    with pytest.raises(MemoryError, match="prime"):
        result()
