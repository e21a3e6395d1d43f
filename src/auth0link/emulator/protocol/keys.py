"""RS256 signing keys: generation, PEM round-trip, the JWKS document, signing and verifying.

One :class:`SigningKey` per tenant. Its ``kid`` is the RFC 7638 thumbprint of the public key, so
it is stable for as long as the key is (``--state`` saves the key). The JWKS carries ``x5c``, a
self-signed certificate for the key, as Auth0's does.

Verified tokens are cached (token → claims) so the Management API hot path does not pay for an
RSA verification on every request; expiry is still checked on every use.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

if TYPE_CHECKING:
    from collections.abc import Callable

_CACHE_LIMIT = 10_000


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


@dataclass
class SigningKey:
    """An RSA private key with its ``kid``, JWK and certificate, able to sign and verify JWTs."""

    private_key: rsa.RSAPrivateKey
    common_name: str = "auth0link-emulator"
    kid: str = field(init=False)
    jwk: dict[str, Any] = field(init=False)
    _verified: dict[str, dict[str, Any]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        """Derive the public JWK (with ``x5c``) and the ``kid`` once."""
        numbers = self.private_key.public_key().public_numbers()
        n, e = _b64url_uint(numbers.n), _b64url_uint(numbers.e)
        thumb_input = json.dumps({"e": e, "kty": "RSA", "n": n}, separators=(",", ":"))
        digest = hashlib.sha256(thumb_input.encode("ascii")).digest()
        self.kid = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
        cert = self._certificate()
        der = cert.public_bytes(serialization.Encoding.DER)
        self.jwk = {
            "kty": "RSA",
            "use": "sig",
            "alg": "RS256",
            "kid": self.kid,
            "n": n,
            "e": e,
            "x5c": [base64.b64encode(der).decode("ascii")],
            "x5t": base64.urlsafe_b64encode(hashlib.sha1(der).digest())  # noqa: S324 - x5t is SHA-1 by RFC 7517
            .rstrip(b"=")
            .decode("ascii"),
        }

    @classmethod
    def generate(cls) -> SigningKey:
        """Make a fresh 2048-bit key (Auth0 tenants use 2048-bit RS256 keys)."""
        return cls(rsa.generate_private_key(public_exponent=65537, key_size=2048))

    @classmethod
    def from_pem(cls, pem: str) -> SigningKey:
        """Load a key saved with :meth:`to_pem`."""
        key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise TypeError("the saved signing key is not an RSA key")
        return cls(key)

    def to_pem(self) -> str:
        """The private key as unencrypted PKCS#8 PEM (the state file is written 0600)."""
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode("ascii")

    def _certificate(self) -> x509.Certificate:
        # A deterministic validity window keeps x5c identical across restarts with --state
        # (the signature itself is deterministic too: PKCS#1 v1.5).
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, self.common_name)])
        start = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
        public = self.private_key.public_key()
        serial = (
            int.from_bytes(
                hashlib.sha256(
                    public.public_bytes(
                        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
                    )
                ).digest()[:16],
                "big",
            )
            >> 1
        )
        return (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(public)
            .serial_number(serial)
            .not_valid_before(start)
            .not_valid_after(start + datetime.timedelta(days=365 * 30))
            .sign(self.private_key, hashes.SHA256())
        )

    def jwks(self) -> dict[str, Any]:
        """The ``/.well-known/jwks.json`` document."""
        return {"keys": [self.jwk]}

    def sign(self, claims: dict[str, Any]) -> str:
        """Sign ``claims`` as an RS256 JWT with this key's ``kid``."""
        return jwt.encode(claims, self.private_key, algorithm="RS256", headers={"kid": self.kid})

    def verify(self, token: str) -> dict[str, Any] | None:
        """Return the claims of an RS256 token this key signed, or ``None``.

        Only the header and signature are checked (and cached); callers check ``exp``, ``iss``
        and ``aud`` against the tenant clock themselves.
        """
        claims = self._verified.get(token)
        if claims is not None:
            return claims
        try:
            header = jwt.get_unverified_header(token)
            if header.get("alg") != "RS256":
                return None
            claims = jwt.decode(
                token,
                self.private_key.public_key(),
                algorithms=["RS256"],
                options={
                    "verify_exp": False,
                    "verify_aud": False,
                    "verify_iss": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
        except jwt.PyJWTError:
            return None
        if len(self._verified) >= _CACHE_LIMIT:
            self._verified.clear()
        self._verified[token] = claims
        return claims


def generate_in_background() -> Callable[[], SigningKey]:
    """Start making a fresh key on another thread; the function returned waits for it.

    RSA key generation releases the GIL, so while it runs the emulator imports and builds
    everything else (on two cores, most of the key's 40 ms leave the start-up). An error
    raised there is raised by the function returned.
    """
    import threading

    made: list[SigningKey | BaseException] = []

    def work() -> None:
        try:
            made.append(SigningKey.generate())
        except BaseException as exc:  # noqa: BLE001 - handed to the caller, raised there
            made.append(exc)

    thread = threading.Thread(target=work, name="signing-key", daemon=True)
    thread.start()

    def result() -> SigningKey:
        thread.join()
        if isinstance(made[0], BaseException):
            raise made[0]
        return made[0]

    return result
