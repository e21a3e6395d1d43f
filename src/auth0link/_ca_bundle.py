"""The extra CA bundle (``--ca-bundle`` / ``AUTH0LINK_CA_BUNDLE`` / profile ``ca_bundle``): the one check.

A CA bundle is a readable regular file of at most 4 MiB (:data:`MAX_BUNDLE_BYTES`; a device
such as ``/dev/zero``, a FIFO or a folder is refused before it is read) holding at least one PEM
certificate. ``config set ca_bundle``
stores it as an absolute path after :func:`check_ca_bundle`; the HTTP client loads it next to the
operating system's trust store (:mod:`auth0link.client._tls`). Imports nothing heavy at module
level: ``ssl`` is loaded only when a bundle is checked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from auth0link.errors import ConfigurationError, Fix, cmd

BUNDLE_HINT: Final = Fix(
    "point --ca-bundle, AUTH0LINK_CA_BUNDLE or `",
    cmd("config", "set", "ca_bundle", "FILE"),
    "` at a PEM file of CA certificates",
)


#: The largest bundle read (the system's whole CA store is about 200 KiB).
MAX_BUNDLE_BYTES: Final = 4 * 1024 * 1024


def check_ca_bundle(value: str | Path) -> Path:
    """Return the bundle's absolute path if it is a readable PEM file with a certificate."""
    return read_ca_bundle(value)[0]


def read_ca_bundle(value: str | Path) -> tuple[Path, str]:
    """The bundle's absolute path and its PEM text, once checked (see the module docstring)."""
    import ssl

    path = Path(value).expanduser().absolute()
    try:
        text = _read_bounded(path).decode("ascii")
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
    return path, text


def _read_bounded(path: Path) -> bytes:
    """A regular file's bytes, at most :data:`MAX_BUNDLE_BYTES`.

    Opened non-blocking, so a FIFO does not hang the open; anything but a regular file (a device
    such as ``/dev/zero``, a FIFO, a folder) and anything larger is refused before it is read.
    """
    import os
    import stat

    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ConfigurationError(f"The CA bundle {path} is not a regular file.", hint=BUNDLE_HINT)
        if info.st_size > MAX_BUNDLE_BYTES:
            raise ConfigurationError(
                f"The CA bundle {path} is larger than {MAX_BUNDLE_BYTES // (1024 * 1024)} MiB.",
                hint=BUNDLE_HINT,
            )
        with os.fdopen(os.dup(fd), "rb") as handle:
            data = handle.read(MAX_BUNDLE_BYTES + 1)
    finally:
        os.close(fd)
    if len(data) > MAX_BUNDLE_BYTES:  # grew after the check
        raise ConfigurationError(f"The CA bundle {path} is larger than 4 MiB.", hint=BUNDLE_HINT)
    return data
