"""The extra CA bundle (``--ca-bundle`` / ``AUTH0LINK_CA_BUNDLE`` / profile ``ca_bundle``): the one check.

A CA bundle is a readable PEM file holding at least one certificate. ``config set ca_bundle``
stores it as an absolute path after :func:`check_ca_bundle`; the HTTP client loads it next to the
operating system's trust store (:mod:`auth0link.client._tls`). Imports nothing heavy at module
level: ``ssl`` is loaded only when a bundle is checked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from auth0link.errors import ConfigurationError

BUNDLE_HINT: Final = (
    "point --ca-bundle, AUTH0LINK_CA_BUNDLE or `auth0link config set ca_bundle FILE` "
    "at a PEM file of CA certificates"
)


def check_ca_bundle(value: str | Path) -> Path:
    """Return the bundle's absolute path if it is a readable PEM file with a certificate."""
    import ssl

    path = Path(value).expanduser().absolute()
    try:
        text = path.read_text(encoding="ascii")
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ConfigurationError(f"Cannot read the CA bundle {path}: {reason}.", hint=BUNDLE_HINT) from None
    except UnicodeDecodeError:
        text = ""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    try:
        if "-----BEGIN CERTIFICATE-----" in text:
            context.load_verify_locations(cadata=text)
    except (ssl.SSLError, ValueError):
        pass
    if not context.cert_store_stats()["x509"]:
        raise ConfigurationError(f"The CA bundle {path} holds no PEM certificate.", hint=BUNDLE_HINT)
    return path
