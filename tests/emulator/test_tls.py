"""The emulator's TLS: the local CA kept in one folder, the server certificate, and real handshakes."""

from __future__ import annotations

import base64
import datetime
import ipaddress
import shutil
import socket
import ssl
import subprocess
import threading
from typing import TYPE_CHECKING

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from auth0link.emulator import EmulatorError
from auth0link.emulator.server import tls
from auth0link.emulator.server.options import EmulatorOptions
from auth0link.emulator.server.serve import EmulatorThread, prepare
from auth0link.emulator.server.tls import CA_FILE, CA_KEY_FILE, SERVER_FILE, prepare_tls, spki_sha256

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path


def _mode(path: Path) -> int:
    """The permission bits of ``path``."""
    return path.stat().st_mode & 0o777


def _chain(path: Path) -> list[x509.Certificate]:
    """The certificates in a PEM file, in order."""
    return x509.load_pem_x509_certificates(path.read_bytes())


def test_the_ca_is_made_once_and_kept_the_server_certificate_each_start(tmp_path: Path) -> None:
    """A second start keeps the CA (same file, same key) and issues a new server certificate."""
    first = prepare_tls(tmp_path / "tls", "127.0.0.1", own_folder=True)
    ca_pem, ca_key = first.ca_file.read_text(), (tmp_path / "tls" / CA_KEY_FILE).read_text()
    server_pem = first.server_file.read_text()
    second = prepare_tls(tmp_path / "tls", "127.0.0.1", own_folder=True)
    assert second == first
    assert second.ca_file.read_text() == ca_pem
    assert (tmp_path / "tls" / CA_KEY_FILE).read_text() == ca_key
    assert second.server_file.read_text() != server_pem
    ca = _chain(second.ca_file)
    assert len(ca) == 1
    assert ca[0].extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True
    assert "auth0link emulator local CA" in ca[0].subject.rfc4514_string()


def test_key_files_are_0600_in_a_0700_folder(tmp_path: Path) -> None:
    """Every file is 0600; the data-directory folder is made 0700 even if it existed wider."""
    folder = tmp_path / "emulator"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    prepare_tls(folder, "127.0.0.1", own_folder=True)
    assert _mode(folder) == 0o700
    assert {p.name: _mode(p) for p in folder.iterdir()} == {
        CA_FILE: 0o600,
        CA_KEY_FILE: 0o600,
        SERVER_FILE: 0o600,
    }


def test_a_missing_data_directory_is_created_private_under_umask_000(tmp_path: Path) -> None:
    """The data directory the emulator creates for its CA is 0700 too, whatever the umask."""
    import os

    previous = os.umask(0)
    try:
        prepare_tls(tmp_path / "data" / "emulator", "127.0.0.1", own_folder=True)
    finally:
        os.umask(previous)
    assert _mode(tmp_path / "data") == 0o700
    assert _mode(tmp_path / "data" / "emulator") == 0o700


def test_a_folder_it_does_not_own_is_created_0700_but_not_changed(tmp_path: Path) -> None:
    """A --tls-dir/--state folder is created 0700 when missing; an existing one keeps its mode."""
    prepare_tls(tmp_path / "new", "127.0.0.1", own_folder=False)
    assert _mode(tmp_path / "new") == 0o700
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o750)
    prepare_tls(shared, "127.0.0.1", own_folder=False)
    assert _mode(shared) == 0o750
    assert _mode(shared / CA_KEY_FILE) == 0o600


def test_the_server_certificate_names_loopback_and_chains_to_the_ca(tmp_path: Path) -> None:
    """The server file holds the key, the server certificate (127.0.0.1, ::1, localhost, the address) and the CA."""
    files = prepare_tls(tmp_path, "127.0.0.7", own_folder=False)
    text = files.server_file.read_text()
    assert text.startswith("-----BEGIN PRIVATE KEY-----")
    server, ca = _chain(files.server_file)
    assert ca == _chain(files.ca_file)[0]
    assert server.issuer == ca.subject
    san = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["localhost"]
    assert san.get_values_for_type(x509.IPAddress) == [
        ipaddress.ip_address("127.0.0.1"),
        ipaddress.ip_address("::1"),
        ipaddress.ip_address("127.0.0.7"),
    ]
    lifetime = server.not_valid_after_utc - server.not_valid_before_utc
    assert lifetime <= datetime.timedelta(days=tls.SERVER_DAYS, hours=1)


def test_emulators_starting_together_agree_on_one_ca(tmp_path: Path) -> None:
    """Eight starts racing on an empty folder all end up with the one published CA."""
    results: list[str] = []

    def start() -> None:
        files = prepare_tls(tmp_path, "127.0.0.1", own_folder=False)
        results.append(_chain(files.server_file)[1].public_bytes(serialization.Encoding.PEM).decode())

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8
    assert set(results) == {(tmp_path / CA_FILE).read_text()}
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([CA_FILE, CA_KEY_FILE, SERVER_FILE])


def test_a_damaged_ca_file_is_one_error_naming_it(tmp_path: Path) -> None:
    """A CA key file that is not a key and certificate is an EmulatorError naming the file and the fix."""
    (tmp_path / CA_KEY_FILE).write_text("not a key\n")
    (tmp_path / CA_KEY_FILE).chmod(0o600)
    with pytest.raises(EmulatorError, match=r"emulator-ca-key\.pem is damaged; delete it") as info:
        prepare_tls(tmp_path, "127.0.0.1", own_folder=False)
    assert "\n" not in str(info.value)


def test_an_expired_ca_is_replaced_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A CA past its end of validity is replaced by a new one, and the log says to trust it."""
    long_ago = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=tls.CA_DAYS + 2)
    monkeypatch.setattr(tls, "_now", lambda: long_ago)
    prepare_tls(tmp_path, "127.0.0.1", own_folder=False)
    old = (tmp_path / CA_FILE).read_text()
    monkeypatch.undo()
    with caplog.at_level("WARNING", logger="auth0link.emulator"):
        prepare_tls(tmp_path, "127.0.0.1", own_folder=False)
    assert (tmp_path / CA_FILE).read_text() != old
    assert _chain(tmp_path / CA_FILE)[0].not_valid_after_utc > datetime.datetime.now(datetime.UTC)
    assert "has expired; made a new one" in caplog.text


def test_an_unusable_folder_is_one_error_with_the_fixes(tmp_path: Path) -> None:
    """A folder that cannot be made (a file is in the way) names it, --tls-dir and --http."""
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(EmulatorError, match=r"--tls-dir DIR, or serve plain HTTP with --http"):
        prepare(EmulatorOptions(tls_dir=blocker / "tls"))


def test_the_folder_is_the_state_files_else_the_data_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--tls-dir wins, then the --state file's folder, then $AUTH0LINK_DATA_DIR/emulator, then XDG."""
    cases = [
        (EmulatorOptions(tls_dir=tmp_path / "t", state_file=tmp_path / "s" / "state.json"), tmp_path / "t"),
        (EmulatorOptions(state_file=tmp_path / "s" / "state.json"), tmp_path / "s"),
        (EmulatorOptions(), tmp_path / "home" / "data" / "emulator"),  # the autouse AUTH0LINK_DATA_DIR
    ]
    for options, folder in cases:
        prepared = prepare(options)
        prepared.sock.close()
        assert prepared.tls is not None
        assert prepared.tls.ca_file == folder / CA_FILE
    monkeypatch.delenv("AUTH0LINK_DATA_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert tls.default_folder({}) == tmp_path / "xdg" / "auth0link" / "emulator"


def test_http_makes_no_tls_files(tmp_path: Path) -> None:
    """--http serves plain HTTP and writes no CA anywhere."""
    prepared = prepare(EmulatorOptions(tls=False, tls_dir=tmp_path / "tls"))
    prepared.sock.close()
    assert prepared.tls is None
    assert not (tmp_path / "tls").exists()


def test_a_client_that_reads_the_banner_early_waits_instead_of_being_refused(tmp_path: Path) -> None:
    """The socket listens before the banner, so a connection made before uvicorn runs is queued."""
    prepared = prepare(EmulatorOptions(tls_dir=tmp_path))
    try:
        with socket.create_connection(prepared.sock.getsockname()[:2], timeout=2):
            pass
    finally:
        prepared.sock.close()


def test_uvicorn_serves_tls_that_verifies_by_ip_and_name(
    served_options: Callable[..., EmulatorOptions],
) -> None:
    """A real handshake verifies for 127.0.0.1 and localhost with the CA, and fails without it."""
    with EmulatorThread(served_options()) as running:
        assert running.ca_file is not None
        port = int(running.base_url.rsplit(":", 1)[1])
        for host in ("127.0.0.1", "localhost"):
            reply = httpx.get(f"https://{host}:{port}/__emulator/health", verify=running.verify)
            assert reply.json()["status"] == "ok"
        context = ssl.create_default_context()  # the system CAs only
        with (
            pytest.raises(ssl.SSLCertVerificationError, match="self-signed certificate in certificate chain"),
            socket.create_connection(("127.0.0.1", port), timeout=5) as raw,
        ):
            context.wrap_socket(raw, server_hostname="127.0.0.1")


def test_openssl_s_client_verifies_the_chain(served_options: Callable[..., EmulatorOptions]) -> None:
    """openssl s_client, given only the CA file, verifies the served chain for IP 127.0.0.1."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed")
    with EmulatorThread(served_options()) as running:
        done = subprocess.run(
            [
                *(openssl, "s_client", "-connect", running.domain, "-CAfile", str(running.ca_file)),
                *("-verify_ip", "127.0.0.1", "-verify_return_error", "-brief"),
            ],
            input="",
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    assert done.returncode == 0, done.stderr
    assert "Verification: OK" in done.stderr


def test_spki_hash_matches_openssls(tmp_path: Path) -> None:
    """spki_sha256 (for Chromium's --ignore-certificate-errors-spki-list) equals the openssl pipeline's."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed")
    files = prepare_tls(tmp_path, "127.0.0.1", own_folder=False)
    pubkey = subprocess.run(
        [openssl, "x509", "-in", str(files.ca_file), "-pubkey", "-noout"], capture_output=True, check=True
    ).stdout
    der = subprocess.run(
        [openssl, "pkey", "-pubin", "-outform", "der"], input=pubkey, capture_output=True, check=True
    ).stdout
    digest = subprocess.run(
        [openssl, "dgst", "-sha256", "-binary"], input=der, capture_output=True, check=True
    ).stdout
    assert spki_sha256(files.ca_file.read_text()) == base64.b64encode(digest).decode()
