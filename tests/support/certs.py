"""Real certificates and a real local HTTPS server, made in the test (no fixtures on disk).

    ca = TestCA(tmp_path, "Corp Root")
    leaf = ca.issue("127.0.0.1")                          # valid for 127.0.0.1 (an IP SAN)
    expired = ca.issue("127.0.0.1", expired=True)
    other = ca.issue("other.example")                     # a hostname mismatch at 127.0.0.1
    with TlsServer(leaf) as server:                       # HTTPS on 127.0.0.1:server.port
        ...                                               # answers JSON; counts handshakes

A :class:`Leaf` serves its chain (leaf + CA), as real servers do; ``ca.pem`` is what clients
trust. ``TlsServer(None)`` serves plain HTTP on the same loop (a wrong-protocol server).
"""

from __future__ import annotations

import datetime
import http.server
import ipaddress
import json
import ssl
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

if TYPE_CHECKING:
    from pathlib import Path

_DAY = datetime.timedelta(days=1)


def _pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def _key_pem(key: ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")


@dataclass(frozen=True)
class Leaf:
    """A server certificate: ``chain_file`` holds the key, the leaf and its CA (for ``load_cert_chain``)."""

    chain_file: Path
    cert: x509.Certificate


class TestCA:
    """A root CA in ``folder``; ``pem`` (``ca.pem``) is the file clients trust."""

    __test__ = False  # not a pytest test class

    def __init__(self, folder: Path, name: str = "auth0link test CA") -> None:
        """Make the CA key and self-signed certificate, and write ``<folder>/<slug>.pem``."""
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        now = datetime.datetime.now(datetime.UTC)
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - _DAY)
            .not_valid_after(now + 30 * _DAY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(self.key.public_key()), critical=False)
            .sign(self.key, hashes.SHA256())
        )
        self.pem = folder / (name.replace(" ", "-") + ".pem")
        self.pem.write_text(_pem(self.cert), encoding="ascii")
        self._count = 0

    def issue(self, host: str, *, expired: bool = False) -> Leaf:
        """A server certificate for ``host`` (an IP or DNS SAN), valid now or expired yesterday."""
        key = ec.generate_private_key(ec.SECP256R1())
        try:
            san: x509.GeneralName = x509.IPAddress(ipaddress.ip_address(host))
        except ValueError:
            san = x509.DNSName(host)
        now = datetime.datetime.now(datetime.UTC)
        start, end = (now - 10 * _DAY, now - _DAY) if expired else (now - _DAY, now + 10 * _DAY)
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.SubjectAlternativeName([san]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), critical=False
            )
            .sign(self.key, hashes.SHA256())
        )
        self._count += 1
        chain_file = self.folder / f"server-{self._count}.pem"
        chain_file.write_text(_key_pem(key) + _pem(cert) + _pem(self.cert), encoding="ascii")
        return Leaf(chain_file=chain_file, cert=cert)


class TlsServer:
    """An HTTPS server on 127.0.0.1 answering every GET with JSON; counts the connections it accepts."""

    def __init__(self, leaf: Leaf | None, body: dict[str, Any] | None = None) -> None:
        """Serve ``leaf``'s chain (plain HTTP when ``leaf`` is None) with ``body`` as every answer."""
        payload = json.dumps(body or {"status": "ok"}).encode()
        outer = self
        self.connections = 0

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *_args: object) -> None:
                return

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def get_request(self) -> Any:
                sock, address = super().get_request()
                outer.connections += 1
                if leaf is None:
                    return sock, address
                context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                context.load_cert_chain(leaf.chain_file)
                return context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), address

            def handle_error(self, *_args: object) -> None:
                return  # failed handshakes are the point of these tests

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port: int = self.server.server_address[1]
        self.domain = f"127.0.0.1:{self.port}"
        # shutdown() waits for the loop to look at its flag: every 20 ms, not the default 0.5 s.
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def __enter__(self) -> Self:
        """Start serving."""
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(5)
