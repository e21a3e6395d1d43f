"""The CLI's TLS trust: the OS trust store plus --ca-bundle, and one clear line per certificate failure.

Every case uses real certificates made here and a real HTTPS server on 127.0.0.1 (tests/support/
certs.py): no mocks between the CLI and the handshake.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import TYPE_CHECKING

import httpx
import jwt
import pytest

from auth0link.client import Auth0Client, _tls
from auth0link.errors import TlsError, render_fix
from tests.support.certs import TestCA, TlsServer

if TYPE_CHECKING:
    import ssl
    from pathlib import Path

    from tests.conftest import Runner

TOKEN = jwt.encode({"sub": "auth0|tls-test"}, "k" * 32, algorithm="HS256")


def _identities(cli: Runner, domain: str, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """``auth0link [ARGS] --domain DOMAIN identities`` with a token in the environment: (exit, stderr)."""
    result = cli(
        *args, "--domain", domain, "identities", env={"AUTH0LINK_ACCESS_TOKEN": TOKEN, **(env or {})}
    )
    return result.exit_code, result.stderr


def _get(context: ssl.SSLContext, server: TlsServer) -> int:
    """One GET over ``context``; the HTTP status."""
    with httpx.Client(verify=context) as http:
        return http.get(f"https://{server.domain}/").status_code


def test_the_os_store_and_the_extra_bundle_are_both_trusted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """truststore's context trusts a CA of the OS store and, with a bundle, that bundle's CA too."""
    system_ca, extra_ca = TestCA(tmp_path / "os", "OS root"), TestCA(tmp_path / "extra", "Extra root")
    # On Linux, truststore reads the OS store from OpenSSL's default paths, which SSL_CERT_FILE sets.
    monkeypatch.setenv("SSL_CERT_FILE", str(system_ca.pem))
    with (
        TlsServer(system_ca.issue("127.0.0.1")) as by_os,
        TlsServer(extra_ca.issue("127.0.0.1")) as by_extra,
    ):
        with_bundle = _tls.build_context(extra_ca.pem)
        assert _get(with_bundle, by_os) == 200
        assert _get(with_bundle, by_extra) == 200
        assert _get(_tls.build_context(), by_os) == 200
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            _get(_tls.build_context(), by_extra)


def test_the_context_is_built_once_per_process_and_bundle(tmp_path: Path) -> None:
    """ssl_context() is cached: every client of the process shares one context per bundle."""
    ca = TestCA(tmp_path)
    assert _tls.ssl_context(str(ca.pem)) is _tls.ssl_context(str(ca.pem))
    assert _tls.ssl_context(None) is _tls.ssl_context(None)
    assert _tls.ssl_context(None) is not _tls.ssl_context(str(ca.pem))


def test_an_unknown_ca_is_one_line_with_the_fix_and_exit_5(tmp_path: Path, cli: Runner) -> None:
    """A chain from a CA nobody trusts: exit 5, one error line naming the host, the reason and the fix."""
    ca = TestCA(tmp_path)
    with TlsServer(ca.issue("127.0.0.1")) as server:
        code, err = _identities(cli, server.domain)
    assert code == 5
    assert err == (
        f"error: The TLS certificate of {server.domain} was not accepted: "
        f"self-signed certificate in certificate chain; {render_fix(_tls.TRUST_HINT)}.\n"
    )


def test_an_expired_certificate_is_named(tmp_path: Path, cli: Runner) -> None:
    """A trusted CA but an expired server certificate: 'certificate has expired', exit 5."""
    ca = TestCA(tmp_path)
    with TlsServer(ca.issue("127.0.0.1", expired=True)) as server:
        code, err = _identities(cli, server.domain, "--ca-bundle", str(ca.pem))
    assert code == 5
    assert err == (
        f"error: The TLS certificate of {server.domain} was not accepted: certificate has expired; "
        "the server must renew its certificate (or this machine's clock is wrong).\n"
    )


def test_a_hostname_mismatch_is_named(tmp_path: Path, cli: Runner) -> None:
    """A trusted certificate for another host: 'hostname mismatch', exit 5, the domain fix."""
    ca = TestCA(tmp_path)
    with TlsServer(ca.issue("other.example")) as server:
        code, err = _identities(cli, server.domain, "--ca-bundle", str(ca.pem))
    assert code == 5
    assert (
        f"error: The TLS certificate of {server.domain} was not accepted: "
        "hostname mismatch (certificate is not valid for '127.0.0.1'); "
        "use the host name the certificate was issued for: auth0link config set domain HOST.\n"
    ) == err


def test_a_plain_http_server_behind_https_is_a_handshake_error(cli: Runner) -> None:
    """https:// to a server speaking plain HTTP: one line naming plain HTTP and the http:// domain, exit 5."""
    with TlsServer(None) as server:
        code, err = _identities(cli, server.domain)
    assert code == 5
    assert err == (
        f"error: {server.domain} speaks plain HTTP, not HTTPS; set the domain to http://{server.domain} "
        "(plain http is accepted for loopback hosts only).\n"
    )


def test_plain_http_to_an_https_server_names_https_and_the_ca_bundle(tmp_path: Path, cli: Runner) -> None:
    """http:// to a server speaking TLS (the emulator): "speaks HTTPS; use HOST:PORT and its CA bundle", exit 5."""
    ca = TestCA(tmp_path, "Emulator-like CA")
    with TlsServer(ca.issue("127.0.0.1")) as server:
        code, err = _identities(cli, f"http://{server.domain}")
    assert code == 5
    assert err == (
        f"error: {server.domain} speaks HTTPS, not plain HTTP; use {server.domain} as the domain (a bare "
        "host:port means https) and its CA bundle: --ca-bundle FILE or AUTH0LINK_CA_BUNDLE=FILE "
        "(auth0link emulator prints it).\n"
    )
    assert "may or may not" not in err


def test_the_tls_probe_tells_a_tls_server_from_a_plain_one(tmp_path: Path) -> None:
    """speaks_tls: True for a TLS server whatever its CA, False for plain HTTP and for a closed port."""
    with TlsServer(TestCA(tmp_path, "Untrusted").issue("127.0.0.1")) as tls, TlsServer(None) as plain:
        assert _tls.speaks_tls("127.0.0.1", int(tls.domain.rsplit(":", 1)[1]))
        assert not _tls.speaks_tls("127.0.0.1", int(plain.domain.rsplit(":", 1)[1]))
    assert not _tls.speaks_tls("127.0.0.1", int(plain.domain.rsplit(":", 1)[1]), timeout=1)


def test_a_certificate_failure_is_not_retried(tmp_path: Path) -> None:
    """The client gives up after one handshake: retrying cannot fix a certificate."""
    ca = TestCA(tmp_path)
    with TlsServer(ca.issue("127.0.0.1")) as server:
        client = Auth0Client(f"https://{server.domain}", access_token=TOKEN, sleep=lambda _s: None)
        with pytest.raises(TlsError):
            client.get_user("auth0|x")
        client.close()
    assert server.connections == 1


@pytest.mark.parametrize("how", ["flag", "env", "profile"])
def test_the_bundle_comes_from_flag_env_or_profile(tmp_path: Path, cli: Runner, how: str) -> None:
    """--ca-bundle, AUTH0LINK_CA_BUNDLE and the profile key ca_bundle each make the CA trusted."""
    ca = TestCA(tmp_path)
    args: tuple[str, ...] = ()
    env: dict[str, str] = {}
    if how == "flag":
        args = ("--ca-bundle", str(ca.pem))
    elif how == "env":
        env = {"AUTH0LINK_CA_BUNDLE": str(ca.pem)}
    else:
        assert cli("config", "set", "ca_bundle", str(ca.pem)).exit_code == 0
    with TlsServer(ca.issue("127.0.0.1"), body={"user_id": "auth0|tls-test", "identities": []}) as server:
        code, err = _identities(cli, server.domain, *args, env=env)
    assert "TLS" not in err
    assert code == 0, err


def test_config_set_ca_bundle_stores_an_absolute_path(
    tmp_path: Path, cli: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """config set ca_bundle takes a relative path and stores it absolute."""
    ca = TestCA(tmp_path / "certs")
    monkeypatch.chdir(tmp_path)
    result = cli("config", "set", "ca_bundle", f"certs/{ca.pem.name}")
    assert result.exit_code == 0, result.stderr
    assert cli("config", "get", "ca_bundle").stdout.strip() == str(ca.pem)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "Cannot read the CA bundle"),
        ("", "holds no PEM certificate"),
        ("just some text\n", "holds no PEM certificate"),
        ("-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n", "holds no PEM"),
    ],
)
def test_config_set_refuses_a_bundle_without_a_certificate(
    tmp_path: Path, cli: Runner, content: str | None, message: str
) -> None:
    """A missing file, an empty one, text or a broken PEM block: exit 2, nothing stored."""
    path = tmp_path / "bundle.pem"
    if content is not None:
        path.write_text(content)
    result = cli("config", "set", "ca_bundle", str(path))
    assert result.exit_code == 2
    assert message in result.stderr
    assert "hint: point --ca-bundle, AUTH0LINK_CA_BUNDLE" in result.stderr
    assert cli("config", "get", "ca_bundle").exit_code != 0


def test_config_set_refuses_a_key_without_a_certificate(tmp_path: Path, cli: Runner) -> None:
    """A PEM file holding only a private key is not a CA bundle."""
    ca = TestCA(tmp_path)
    key_only = tmp_path / "key.pem"
    key_only.write_text(ca.issue("127.0.0.1").chain_file.read_text().split("-----END PRIVATE KEY-----")[0])
    result = cli("config", "set", "ca_bundle", str(key_only))
    assert result.exit_code == 2
    assert "holds no PEM certificate" in result.stderr


def test_a_missing_bundle_at_run_time_is_exit_2(cli: Runner, tmp_path: Path) -> None:
    """AUTH0LINK_CA_BUNDLE naming no file: a configuration error (exit 2), before any request."""
    code, err = _identities(cli, "127.0.0.1:9", env={"AUTH0LINK_CA_BUNDLE": str(tmp_path / "nope.pem")})
    assert code == 2
    assert err.startswith(f"error: Cannot read the CA bundle {tmp_path / 'nope.pem'}: No such file")


def test_doctor_shows_the_issuer_and_expiry_or_the_fix(tmp_path: Path, cli: Runner) -> None:
    """doctor's tls check: ok with issuer and expiry when trusted; the reason and the fix when not."""
    ca = TestCA(tmp_path, "Doctor root")
    leaf = ca.issue("127.0.0.1")
    with TlsServer(leaf) as server:
        base = ("--domain", server.domain, "--client-id", "abc")
        trusted = cli("--ca-bundle", str(ca.pem), *base, "doctor", "--json")
        untrusted = cli(*base, "doctor", "--json")
    check = json.loads(trusted.stdout)["checks"][0]
    assert check["name"] == "tls"
    assert check["ok"] is True
    assert "issued by CN=Doctor root" in check["detail"]
    assert f"expires {leaf.cert.not_valid_after_utc:%Y-%m-%d}" in check["detail"]
    bad = json.loads(untrusted.stdout)["checks"][0]
    assert bad["ok"] is False
    assert "self-signed certificate in certificate chain" in bad["detail"]
    assert "--ca-bundle" in bad["fix"]
    others = {c["name"]: c for c in json.loads(untrusted.stdout)["checks"][1:]}
    for name in ("discovery", "signing keys", "authorization code grant", "device code grant"):
        assert others[name] == {
            "name": name,
            "ok": None,
            "detail": "not checked: the TLS check above failed",
            "fix": None,
        }  # said once, not repeated with a wrong fix ("check the domain")


def test_doctor_notes_plain_http_on_loopback(cli: Runner) -> None:
    """Over http://127.0.0.1 the tls check is a note (no TLS), not a failure."""
    with TlsServer(None) as server:
        result = cli("--domain", f"http://{server.domain}", "--client-id", "abc", "doctor", "--json")
    check = json.loads(result.stdout)["checks"][0]
    assert check == {
        "name": "tls",
        "ok": None,
        "detail": f"http://{server.domain} is plain http (allowed for loopback hosts only)",
        "fix": None,
    }


@pytest.mark.e2e
def test_a_real_process_reports_a_certificate_failure_without_a_traceback(tmp_path: Path) -> None:
    """`python -m auth0link` against an untrusted server: exit 5, one error line, no traceback."""
    ca = TestCA(tmp_path)
    with TlsServer(ca.issue("127.0.0.1")) as server:
        done = subprocess.run(
            [sys.executable, "-m", "auth0link", "--domain", server.domain, "identities"],
            env={**_env(), "AUTH0LINK_ACCESS_TOKEN": TOKEN},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 5
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines()[0].startswith(f"error: The TLS certificate of {server.domain}")
    assert len(done.stderr.splitlines()) == 1


def _env() -> dict[str, str]:
    """The test process environment (isolated dirs, no real keyring)."""
    import os

    return dict(os.environ)


@pytest.mark.parametrize("kind", ["dev-zero", "fifo", "huge", "directory"])
def test_a_bundle_that_is_not_a_sane_regular_file_is_exit_2(cli: Runner, tmp_path: Path, kind: str) -> None:
    """/dev/zero, a FIFO (no writer), a file over the size limit or a folder: one line, exit 2, no hang."""
    import os

    from auth0link._ca_bundle import MAX_BUNDLE_BYTES

    path = tmp_path / "bundle.pem"
    if kind == "dev-zero":
        path = tmp_path / "zero.pem"  # a symlink to a device is followed, then refused
        path.symlink_to("/dev/zero")
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "huge":
        ca = TestCA(tmp_path)
        with path.open("w") as handle:
            handle.write(ca.pem.read_text())
            handle.truncate(MAX_BUNDLE_BYTES + 1)
    else:
        path.mkdir()
    code, err = _identities(cli, "127.0.0.1:9", env={"AUTH0LINK_CA_BUNDLE": str(path)})
    assert code == 2, err
    assert err.startswith((f"error: The CA bundle {path} ", f"error: Cannot read the CA bundle {path}"))
    assert "Unexpected" not in err
    assert len(err.splitlines()) == 2  # the error and its hint
