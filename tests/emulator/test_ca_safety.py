"""The local CA: a planted or exposed key is refused, and the CA can sign for loopback names only."""

from __future__ import annotations

import datetime
import os
from typing import TYPE_CHECKING

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

from auth0link.emulator import EmulatorError
from auth0link.emulator.server import tls
from auth0link.emulator.server.options import EmulatorOptions
from auth0link.emulator.server.serve import prepare
from auth0link.emulator.server.tls import CA_FILE, CA_KEY_FILE, SERVER_FILE, prepare_tls

if TYPE_CHECKING:
    from pathlib import Path

NOBODY = 65534


def _ca(folder: Path) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    raw = (folder / CA_KEY_FILE).read_bytes()
    key = serialization.load_pem_private_key(raw, password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return key, x509.load_pem_x509_certificate(raw)


def _leaf(ca_key: ec.EllipticCurvePrivateKey, ca: x509.Certificate, name: str) -> x509.Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )


def _verify(ca: x509.Certificate, leaf: x509.Certificate, name: str) -> None:
    verifier = PolicyBuilder().store(Store([ca])).build_server_verifier(x509.DNSName(name))
    verifier.verify(leaf, [])


def test_a_leaked_ca_key_cannot_sign_for_another_host(tmp_path: Path) -> None:
    """The CA is name-constrained (critical): its key signs for localhost but not tenant.example."""
    prepare_tls(tmp_path, "127.0.0.1", own_folder=False)
    key, ca = _ca(tmp_path)
    constraints = ca.extensions.get_extension_for_class(x509.NameConstraints)
    assert constraints.critical
    _verify(ca, _leaf(key, ca, "localhost"), "localhost")
    with pytest.raises(VerificationError):
        _verify(ca, _leaf(key, ca, "tenant.example"), "tenant.example")


def test_an_unconstrained_ca_is_replaced_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A kept CA made without name constraints is replaced, and the log says to trust the new one."""
    monkeypatch.setattr(tls, "_name_constraints", x509.OCSPNoCheck)
    monkeypatch.setattr(tls, "_constrained", lambda _cert: True)
    prepare_tls(tmp_path, "127.0.0.1", own_folder=False)
    monkeypatch.undo()
    _key, old = _ca(tmp_path)
    with pytest.raises(x509.ExtensionNotFound):
        old.extensions.get_extension_for_class(x509.NameConstraints)
    with caplog.at_level("WARNING", logger="auth0link.emulator"):
        prepare_tls(tmp_path, "127.0.0.1", own_folder=False)
    _key, new = _ca(tmp_path)
    assert new.extensions.get_extension_for_class(x509.NameConstraints).critical
    assert (tmp_path / CA_FILE).read_bytes() == new.public_bytes(serialization.Encoding.PEM)
    assert "made a new one limited to loopback names" in caplog.text


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o602])
def test_a_ca_key_others_can_read_or_write_is_refused(tmp_path: Path, mode: int) -> None:
    """A CA key readable or writable by others is one error naming the file and the fix."""
    prepare_tls(tmp_path, "127.0.0.1", own_folder=False)
    (tmp_path / CA_KEY_FILE).chmod(mode)
    with pytest.raises(EmulatorError, match=r"emulator-ca-key\.pem: it is readable or writable") as info:
        prepare_tls(tmp_path, "127.0.0.1", own_folder=False)
    assert "chmod 600" in str(info.value)


@pytest.mark.skipif(os.geteuid() != 0, reason="planting a file owned by another user needs root")
def test_a_planted_ca_key_of_another_user_is_refused(tmp_path: Path) -> None:
    """A 0600 CA key owned by another user (planted) is refused; the server certificate is not issued."""
    prepare_tls(tmp_path, "127.0.0.1", own_folder=False)
    (tmp_path / SERVER_FILE).unlink()
    os.chown(tmp_path / CA_KEY_FILE, NOBODY, NOBODY)
    with pytest.raises(EmulatorError, match="is not yours"):
        prepare_tls(tmp_path, "127.0.0.1", own_folder=False)
    assert not (tmp_path / SERVER_FILE).exists()


def test_a_ca_symlink_is_refused(tmp_path: Path) -> None:
    """A CA key that is a symbolic link (to someone's key) is refused."""
    prepare_tls(tmp_path / "real", "127.0.0.1", own_folder=False)
    (tmp_path / "tls").mkdir(mode=0o700)
    (tmp_path / "tls" / CA_KEY_FILE).symlink_to(tmp_path / "real" / CA_KEY_FILE)
    with pytest.raises(EmulatorError, match="is not a regular file"):
        prepare_tls(tmp_path / "tls", "127.0.0.1", own_folder=False)


@pytest.mark.parametrize("mode", [0o777, 0o1777, 0o770])
def test_a_state_file_in_a_shared_folder_refuses_to_keep_the_ca_there(tmp_path: Path, mode: int) -> None:
    """--state in a folder others can write (e.g. /tmp) is exit-2 error naming --tls-dir."""
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(mode)
    with pytest.raises(EmulatorError, match=r"writable by other users.*--tls-dir DIR"):
        prepare(EmulatorOptions(state_file=shared / "state.json"))
    assert not (shared / CA_KEY_FILE).exists()
