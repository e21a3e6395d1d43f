"""HTTPS for the emulator: a local CA made once and kept, and a server certificate it signs at each start.

A real tenant is HTTPS only, so the emulator is too (``--http`` turns it off). The files live in
one folder: ``--tls-dir``, else the ``--state`` file's folder, else ``<data dir>/emulator``
(``$AUTH0LINK_DATA_DIR/emulator``, or the platform's user data directory for ``auth0link``)::

    emulator-ca.pem       the CA certificate: what clients trust (AUTH0LINK_CA_BUNDLE,
                          SSL_CERT_FILE, REQUESTS_CA_BUNDLE, NODE_EXTRA_CA_CERTS, a browser)
    emulator-ca-key.pem   the CA's private key and certificate (0600); kept, so a trust set up
                          once keeps working across restarts
    emulator-server.pem   the server's private key and certificate chain (0600), re-issued at
                          every start for 127.0.0.1, ::1, localhost and the bound address

The CA is name-constrained (critical) to ``localhost``, 127.0.0.0/8 and ``::1``: even its key
cannot mint a certificate for another host. A CA key that is not a private regular file of the
current user, or a folder another user can write, is refused (the fix is named); a kept CA made
without the constraints is replaced (with a warning to trust the new one).

Keys are ECDSA P-256 (instant to make). The CA is published with a hard link from a finished
temporary file, so two emulators starting at once agree on one CA; every file is written whole
(never half) and private from its first byte.
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import hashlib
import ipaddress
import logging
import os
import ssl
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from .. import EmulatorError
from ..state.persistence import private_temp_file, write_private

if TYPE_CHECKING:
    from collections.abc import Mapping

LOG = logging.getLogger("auth0link.emulator")
CA_FILE = "emulator-ca.pem"
CA_KEY_FILE = "emulator-ca-key.pem"
SERVER_FILE = "emulator-server.pem"
ENV_DATA_DIR = "AUTH0LINK_DATA_DIR"  # the CLI's variable (the emulator does not import the CLI)
CA_DAYS = 3650
SERVER_DAYS = 90
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
_RENEW_BEFORE = datetime.timedelta(days=1)


@dataclass(frozen=True)
class ServerTls:
    """The files one start serves with: the CA to trust and the server's key + chain."""

    ca_file: Path
    server_file: Path

    def client_context(self) -> ssl.SSLContext:
        """An SSL context for clients that trusts this CA (only)."""
        return client_context(self.ca_file)


def client_context(ca_file: Path | str) -> ssl.SSLContext:
    """``ssl.create_default_context`` trusting ``ca_file`` (hostname checks on)."""
    return ssl.create_default_context(cafile=str(ca_file))


def default_folder(env: Mapping[str, str]) -> Path:
    """``$AUTH0LINK_DATA_DIR/emulator``, else the platform's user data directory + ``/emulator``."""
    if env.get(ENV_DATA_DIR):
        return Path(env[ENV_DATA_DIR]) / "emulator"
    import platformdirs

    return Path(platformdirs.user_data_dir("auth0link", appauthor=False)) / "emulator"


def prepare_tls(folder: Path, address: str, *, own_folder: bool) -> ServerTls:
    """Load (or make) the CA in ``folder``, issue this start's server certificate, write both.

    ``own_folder`` (the default data-directory folder) is made 0700 even if it existed; any
    other folder is created 0700 when missing and otherwise left as it is. File errors are one
    :class:`~auth0link.emulator.EmulatorError` naming the folder and the fix.
    """
    try:
        if own_folder:  # <data dir>/emulator: a missing data directory is made private too
            folder.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        if own_folder:
            folder.chmod(0o700)
        _check_private_folder(folder)
        key, cert = _load_or_create_ca(folder / CA_KEY_FILE)
        ca_pem = cert.public_bytes(serialization.Encoding.PEM).decode("ascii")
        ca_file = folder / CA_FILE
        if _read_text(ca_file) != ca_pem:
            write_private(ca_file, ca_pem)
        server_file = folder / SERVER_FILE
        write_private(server_file, _server_pem(key, cert, address))
    except OSError as exc:
        raise EmulatorError(
            f"cannot keep the emulator's TLS files in {folder} ({exc.strerror or exc}); "
            "fix its permissions, pass --tls-dir DIR, or serve plain HTTP with --http"
        ) from exc
    return ServerTls(ca_file=ca_file, server_file=server_file)


def spki_sha256(cert_pem: str) -> str:
    """Base64 SHA-256 of a certificate's public key (Chromium's --ignore-certificate-errors-spki-list)."""
    cert = x509.load_pem_x509_certificate(cert_pem.encode("ascii"))
    der = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(hashlib.sha256(der).digest()).decode("ascii")


# -- the CA -----------------------------------------------------------------------------------


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="ascii")
    except (FileNotFoundError, UnicodeDecodeError):
        return None


def _check_private_folder(folder: Path) -> None:
    """Refuse a folder another user could plant a CA key in (not ours, or group/world-writable)."""
    info = folder.stat()
    if info.st_uid != os.getuid() or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        owner = "is not yours" if info.st_uid != os.getuid() else "is writable by other users"
        raise EmulatorError(
            f"refusing to keep the emulator's CA in {folder}: the folder {owner}, so another user "
            "could plant a CA key there; pass --tls-dir DIR with a private folder (chmod 700 DIR)"
        )


def _check_private_key_file(path: Path) -> None:
    """Refuse a CA key file that is not a regular file of ours, readable or writable by no one else."""
    info = path.lstat()
    problem = None
    if not stat.S_ISREG(info.st_mode):
        problem = "is not a regular file"
    elif info.st_uid != os.getuid():
        problem = "is not yours (another user may hold its key)"
    elif info.st_mode & 0o077:
        problem = f"is readable or writable by other users (mode {stat.S_IMODE(info.st_mode):o})"
    if problem is not None:
        raise EmulatorError(
            f"refusing the emulator's CA key {path}: it {problem}; delete it to make a new CA "
            f"(then trust the new {CA_FILE}), or chmod 600 it if it is yours"
        )


def _load_or_create_ca(path: Path) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """The kept CA; a new one if there is none yet, it is about to expire or it has no name constraints."""
    try:
        _check_private_key_file(path)
        raw = path.read_bytes()
    except FileNotFoundError:
        return _create_ca(path, replace=False)
    key, cert = _decode_ca(raw, path)
    if cert.not_valid_after_utc - _RENEW_BEFORE < _now():
        LOG.warning("the local CA in %s has expired; made a new one: trust the new %s", path.parent, CA_FILE)
        return _create_ca(path, replace=True)
    if not _constrained(cert):
        LOG.warning(
            "the local CA in %s could sign for any host (made before name constraints); "
            "made a new one limited to loopback names: trust the new %s",
            path.parent,
            CA_FILE,
        )
        return _create_ca(path, replace=True)
    return key, cert


def _constrained(cert: x509.Certificate) -> bool:
    """Whether the CA carries this version's critical name constraints (loopback names only)."""
    try:
        extension = cert.extensions.get_extension_for_class(x509.NameConstraints)
    except x509.ExtensionNotFound:
        return False
    return extension.critical and extension.value == _name_constraints()


def _name_constraints() -> x509.NameConstraints:
    """Loopback only: even a leaked CA key cannot mint a certificate another host would accept.

    ``--host`` accepts loopback names only (``localhost``, 127.0.0.0/8, ``::1``), so these are
    every name the emulator can serve under. ``localhost`` also permits ``*.localhost``.
    """
    return x509.NameConstraints(
        permitted_subtrees=[
            x509.DNSName("localhost"),
            x509.IPAddress(ipaddress.ip_network("127.0.0.0/8")),
            x509.IPAddress(ipaddress.ip_network("::1/128")),
        ],
        excluded_subtrees=None,
    )


def _decode_ca(raw: bytes, path: Path) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    damaged = EmulatorError(
        f"the emulator's CA file {path} is damaged; delete it (a new CA is made; trust the new {CA_FILE})"
    )
    try:
        key = serialization.load_pem_private_key(raw, password=None)
        cert = x509.load_pem_x509_certificate(raw)
    except (ValueError, TypeError) as exc:
        raise damaged from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey) or cert.public_key() != key.public_key():
        raise damaged
    return key, cert


def _create_ca(path: Path, *, replace: bool) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """Make a CA and publish it at ``path``; if another process got there first, use theirs."""
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _ca_certificate(key)
    text = _key_pem(key) + cert.public_bytes(serialization.Encoding.PEM).decode("ascii")
    if replace:
        write_private(path, text)
        return key, cert
    tmp = private_temp_file(path, text)
    try:
        os.link(tmp, path)  # fails if the file exists: first one wins, never a half-written CA
    except FileExistsError:
        return _decode_ca(path.read_bytes(), path)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
    LOG.info("made a local CA in %s; clients trust %s", path.parent, path.parent / CA_FILE)
    return key, cert


def _ca_certificate(key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    # A distinct name per CA, so trust stores never confuse two emulator CAs (as mkcert does).
    tag = hashlib.sha256(_spki_der(key.public_key())).hexdigest()[:12]
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "auth0link emulator"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"auth0link emulator local CA {tag}"),
        ]
    )
    now = _now()
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(ca=True), critical=True)
        .add_extension(_name_constraints(), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )


def _key_usage(*, ca: bool) -> x509.KeyUsage:
    """Signatures only; a CA also signs certificates and revocation lists."""
    return x509.KeyUsage(
        digital_signature=True,
        key_cert_sign=ca,
        crl_sign=ca,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        encipher_only=False,
        decipher_only=False,
    )


# -- the server certificate -------------------------------------------------------------------


def _server_pem(ca_key: ec.EllipticCurvePrivateKey, ca_cert: x509.Certificate, address: str) -> str:
    """A fresh server key and its chain (server certificate, then the CA), as one PEM."""
    key = ec.generate_private_key(ec.SECP256R1())
    names = dict.fromkeys((*LOOPBACK_NAMES, address))
    san: list[x509.GeneralName] = []
    for name in names:
        try:
            san.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            san.append(x509.DNSName(name))
    now = _now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(min(now + datetime.timedelta(days=SERVER_DAYS), ca_cert.not_valid_after_utc))
        .add_extension(x509.SubjectAlternativeName(san), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(ca=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    chain = [cert, ca_cert]
    return _key_pem(key) + "".join(c.public_bytes(serialization.Encoding.PEM).decode("ascii") for c in chain)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")


def _spki_der(public: ec.EllipticCurvePublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)
