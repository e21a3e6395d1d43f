"""The tenant's RSA signing key, generated on a thread while the server's modules import.

A 2048-bit RSA key takes 20-250 ms to generate (random primes), the largest part of a start.
OpenSSL releases the GIL while it searches, so :meth:`EarlyKey.start`, called by
:func:`.command.main` before it imports the server, overlaps the search with the imports of
uvicorn, Starlette and the emulator on a second core; :meth:`EarlyKey.take` waits for it when
the tenant is built. Standard library only at import time (``--help`` stays light).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

KEY_SIZE = 2048  # Auth0 tenants sign with 2048-bit RS256 keys


def generate_private_key() -> RSAPrivateKey:
    """A fresh 2048-bit RSA private key (public exponent 65537)."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)


class EarlyKey:
    """One private key being generated on a daemon thread."""

    def __init__(self) -> None:
        """Prepare the thread; :meth:`start` runs it."""
        self._key: RSAPrivateKey | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._generate, name="emulator-keygen", daemon=True)

    @classmethod
    def start(cls) -> EarlyKey:
        """Start generating now."""
        early = cls()
        early._thread.start()
        return early

    def _generate(self) -> None:
        try:
            self._key = generate_private_key()
        except BaseException as exc:  # noqa: BLE001 # handed to take(), in the thread that needs it
            self._error = exc

    def take(self) -> RSAPrivateKey:
        """The key, once generated (re-raises what went wrong on the thread)."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._key is not None
        return self._key
