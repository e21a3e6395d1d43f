"""Whom the CLI trusts over HTTPS: the operating system's trust store, plus an optional CA bundle.

Certificates are verified with the OS trust store through ``truststore`` (as pip does), so a
company CA installed on the machine just works. ``--ca-bundle FILE`` / ``AUTH0LINK_CA_BUNDLE`` /
profile ``ca_bundle`` adds CAs on top (the emulator's, a test CA): ``truststore.SSLContext``
passes ``load_verify_locations`` to the OpenSSL context it wraps, which on Linux verifies against
that store and the system CA file together; on macOS and Windows truststore (0.10 and later)
adds the loaded CAs as extra anchors. Hostname checks stay on.

:func:`ssl_context` builds the context lazily, once per process and bundle; this module is
imported by the HTTP core only, never by ``auth0link --help``. :func:`tls_failure` turns a failed
handshake into one :class:`~auth0link.errors.TlsError` naming the host, the reason and the fix.
"""

from __future__ import annotations

import functools
import ssl
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from auth0link._ca_bundle import read_ca_bundle
from auth0link._domain import is_loopback_host
from auth0link.errors import Fix, TlsError, cmd

if TYPE_CHECKING:
    import datetime
    from pathlib import Path

TRUST_HINT: Final = Fix(
    "if you trust that server, pass --ca-bundle FILE or set AUTH0LINK_CA_BUNDLE=FILE to its CA certificate (",
    cmd("emulator"),
    " prints its CA file)",
)
_EXPIRED: Final = frozenset({9, 10})  # X509_V_ERR_CERT_NOT_YET_VALID, X509_V_ERR_CERT_HAS_EXPIRED
_HOSTNAME: Final = frozenset({62, 64})  # X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH
# What OpenSSL says when the "server hello" is an HTTP answer (a plain-HTTP server).
_PLAIN_HTTP_ANSWERS: Final = frozenset({"wrong version number", "record layer failure", "http request"})
_PROBE_TIMEOUT: Final = 2.0


def speaks_tls(host: str, port: int, *, timeout: float = _PROBE_TIMEOUT) -> bool:
    """Whether ``host:port`` completes a TLS handshake: tells "plain http to an HTTPS server" apart.

    Called only after a plain-http request failed at the protocol level, to name the fix. Nothing
    is sent after the handshake, so the certificate need not be trusted for this one question.
    """
    import socket

    probe = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    probe.check_hostname = False
    probe.verify_mode = ssl.CERT_NONE  # a diagnosis only: the connection is closed unused
    try:
        with (
            socket.create_connection((host, port), timeout=timeout) as raw,
            probe.wrap_socket(raw, server_hostname=host),
        ):
            return True
    except (OSError, ValueError):
        return False


def https_server_error(where: str) -> TlsError:
    """The error for a plain-http request to ``where`` (``host:port``), which serves HTTPS."""
    return TlsError(
        f"{where} speaks HTTPS, not plain HTTP",
        fix=Fix(
            f"use {where} as the domain (a bare host:port means https) and its CA bundle: "
            "--ca-bundle FILE or AUTH0LINK_CA_BUNDLE=FILE (",
            cmd("emulator"),
            " prints it)",
        ),
    )


def build_context(ca_bundle: str | Path | None = None) -> ssl.SSLContext:
    """A client context verifying with the OS trust store and the CAs in ``ca_bundle``."""
    import truststore

    context = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if ca_bundle is not None:
        context.load_verify_locations(cadata=read_ca_bundle(ca_bundle)[1])  # the text checked
    return context


@functools.cache
def ssl_context(ca_bundle: str | None = None) -> ssl.SSLContext:
    """:func:`build_context`, built on first use and then shared by every client of the process."""
    return build_context(ca_bundle)


def tls_failure(exc: BaseException, where: str) -> TlsError | None:
    """The :class:`TlsError` for a failed handshake with ``where`` (``host:port``), else ``None``.

    Pass connection errors only: an SSL error while reading an answer is a dropped connection.
    """
    cause = _ssl_cause(exc)
    if cause is None:
        return None
    if isinstance(cause, ssl.SSLCertVerificationError):
        code = cause.verify_code
        reason = _reason(cause)
        if code in _EXPIRED:
            hint: Fix | str = "the server must renew its certificate (or this machine's clock is wrong)"
        elif code in _HOSTNAME:
            hint = Fix(
                "use the host name the certificate was issued for: ", cmd("config", "set", "domain", "HOST")
            )
        else:
            hint = TRUST_HINT
        return TlsError(f"The TLS certificate of {where} was not accepted: {reason}", fix=hint)
    reason = (cause.reason or type(cause).__name__).lower().replace("_", " ")
    if reason in _PLAIN_HTTP_ANSWERS:
        host = where.rsplit(":", 1)[0].strip("[]")
        return TlsError(
            f"{where} speaks plain HTTP, not HTTPS",
            fix=f"set the domain to http://{where} (plain http is accepted for loopback hosts only)"
            if is_loopback_host(host)
            else "check the domain and port: a tenant serves HTTPS",
        )
    return TlsError(
        f"The TLS handshake with {where} failed ({reason})",
        fix="check that it serves HTTPS; for a plain-HTTP loopback server (the emulator's --http) "
        "set the domain to http://HOST:PORT",
    )


def _reason(error: ssl.SSLCertVerificationError) -> str:
    message = str(error.verify_message or error.reason or "certificate verify failed").rstrip(".")
    if error.verify_code in _HOSTNAME:
        # CPython words it as: Hostname (or IP address) mismatch, certificate is not valid for X.
        return "hostname mismatch (" + message.split(", ", 1)[-1] + ")"
    return message[:1].lower() + message[1:]


def _ssl_cause(exc: BaseException) -> ssl.SSLError | None:
    """The :class:`ssl.SSLError` behind an httpx error (httpx chains the original), if any."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ssl.SSLError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


@dataclass(frozen=True)
class PeerCertificate:
    """The server certificate a verified connection presented (for ``auth0link doctor``)."""

    subject: str
    issuer: str
    not_after: datetime.datetime


def describe(der: bytes) -> PeerCertificate:
    """Read the subject, issuer and expiry of a DER certificate."""
    from cryptography import x509

    cert = x509.load_der_x509_certificate(der)
    return PeerCertificate(
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        not_after=cert.not_valid_after_utc,
    )
