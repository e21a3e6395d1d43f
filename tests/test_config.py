"""Settings resolution: precedence, domain and profile validation, the profile file."""

from __future__ import annotations

import stat
from typing import TYPE_CHECKING

import pytest
from hypothesis import given
from hypothesis import strategies as st

from auth0link import config
from auth0link._domain import normalize_domain
from auth0link._profile_file import validate_profile
from auth0link.cli import exit_code_for
from auth0link.errors import ConfigurationError, UsageError

if TYPE_CHECKING:
    from pathlib import Path

    from tests.conftest import Runner


def resolve(env: dict[str, str], **kw: object) -> config.Settings:
    """resolve_settings with a given environment."""
    return config.resolve_settings(env=env, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("tenant.eu.auth0.com", "https://tenant.eu.auth0.com"),
        ("https://Tenant.EU.auth0.com/", "https://tenant.eu.auth0.com"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://localhost:9/", "http://localhost:9"),
        ("http://[::1]:8080", "http://[::1]:8080"),
        ("http://127.5.6.7", "http://127.5.6.7"),
        ("login.example.com:8443", "https://login.example.com:8443"),
    ],
)
def test_normalize_domain_accepts(raw: str, expected: str) -> None:
    """Host names imply https; URLs keep their scheme and port; loopback may use http."""
    assert normalize_domain(raw) == expected


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("http://tenant.auth0.com", "Refusing plain http"),
        ("http://10.0.0.1", "Refusing plain http"),
        ("ftp://tenant.auth0.com", "Unsupported scheme"),
        ("https://tenant.auth0.com/path", "must not contain a path"),
        ("https://user:pw@tenant.auth0.com", "must not contain"),
        ("tenant auth0.com", "Invalid"),
        ("", "Invalid tenant domain"),
        ("tenant.auth0.com\x1b[31m", "Invalid tenant domain"),
        ("https://tenant.auth0.com:99999", "Invalid tenant domain"),
    ],
)
def test_normalize_domain_refuses(raw: str, fragment: str) -> None:
    """Bad domains and plain http to non-loopback hosts are refused with a clear error."""
    with pytest.raises(ConfigurationError, match=fragment) as info:
        normalize_domain(raw)
    assert info.value.hint


@given(st.text(max_size=80))
def test_normalize_domain_never_crashes(raw: str) -> None:
    """Any input gives a base URL or a ConfigurationError, never another exception."""
    try:
        result = normalize_domain(raw)
    except ConfigurationError:
        return
    assert result.startswith(("https://", "http://"))
    assert "\n" not in result


@pytest.mark.parametrize("name", ["../etc", "a/b", "", ".hidden", "x" * 65, "a..b", "bad name", "é"])
def test_invalid_profile_names(name: str) -> None:
    """Profile names that could escape the config dir (or are odd) are refused."""
    with pytest.raises(ConfigurationError, match="Invalid profile name"):
        validate_profile(name)


def test_precedence_flag_over_env_over_file_over_default(isolated_env: Path) -> None:
    """A flag beats the env var, which beats the profile file, which beats the default."""
    profile = config.ProfileFile(isolated_env / "config", "default")
    profile.set("domain", "file.example.com")
    profile.set("client_id", "fileclient")
    env = {"AUTH0LINK_CONFIG_DIR": str(isolated_env / "config"), "AUTH0LINK_DOMAIN": "env.example.com"}
    s = resolve(env, domain="flag.example.com")
    assert s.domain == "https://flag.example.com"
    assert s.sources["domain"] == "flag"
    s = resolve(env)
    assert s.domain == "https://env.example.com"
    assert s.sources["domain"] == "env AUTH0LINK_DOMAIN"
    assert s.client_id == "fileclient"
    assert s.sources["client_id"] == "profile default"
    assert s.scopes == config.DEFAULT_SCOPES
    assert s.callback_ports == (8484, 8485, 8486)
    assert s.api_audience == "https://env.example.com/api/v2/"


def test_profiles_are_separate(isolated_env: Path) -> None:
    """--profile / AUTH0LINK_PROFILE select a different file."""
    cfg = isolated_env / "config"
    config.ProfileFile(cfg, "staging").set("domain", "staging.example.com")
    env = {"AUTH0LINK_CONFIG_DIR": str(cfg)}
    assert resolve(env).domain is None
    assert resolve(env, profile="staging").domain == "https://staging.example.com"
    assert resolve({**env, "AUTH0LINK_PROFILE": "staging"}).domain == "https://staging.example.com"


def test_missing_domain_error_names_the_fix() -> None:
    """Using the tenant without a domain says how to configure one."""
    s = resolve({})
    with pytest.raises(ConfigurationError, match="No Auth0 tenant") as info:
        _ = s.require_domain
    assert info.value.hint is not None
    assert "auth0link config set domain" in info.value.hint


def test_no_input_from_ci_or_non_tty() -> None:
    """CI, AUTH0LINK_NO_INPUT or a non-TTY stdin all mean: never prompt."""
    assert resolve({"CI": "true"}).no_input
    assert resolve({"AUTH0LINK_NO_INPUT": "1"}).no_input
    assert resolve({}, stdin_isatty=False).no_input
    assert not resolve({}, stdin_isatty=True).no_input


def test_profile_file_is_private_and_round_trips(isolated_env: Path) -> None:
    """The profile file is written 0600 with validated, canonical values."""
    profile = config.ProfileFile(isolated_env / "config", "default")
    assert profile.set("domain", "HTTPS://Tenant.Auth0.com/") == "https://tenant.auth0.com"
    assert profile.set("callback_ports", "8484, 9000,8484") == "8484,9000"
    assert profile.read() == {"domain": "https://tenant.auth0.com", "callback_ports": "8484,9000"}
    assert stat.S_IMODE(profile.path.stat().st_mode) == 0o600
    assert profile.unset("domain") is True
    assert profile.unset("domain") is False


def test_profile_file_rejects_bad_values_without_writing(isolated_env: Path) -> None:
    """An invalid value is refused and the file keeps its previous content."""
    profile = config.ProfileFile(isolated_env / "config", "default")
    profile.set("domain", "good.example.com")
    with pytest.raises(ConfigurationError):
        profile.set("domain", "http://evil.example.com")
    with pytest.raises(ConfigurationError):
        profile.set("callback_ports", "80")
    with pytest.raises(UsageError):
        profile.set("nope", "x")
    assert profile.read() == {"domain": "https://good.example.com"}


def test_corrupt_profile_file_is_a_config_error(isolated_env: Path) -> None:
    """A hand-broken TOML file gives a one-line error naming the file."""
    profile = config.ProfileFile(isolated_env / "config", "default")
    profile.path.parent.mkdir(parents=True)
    profile.path.write_text("domain = [unterminated")
    with pytest.raises(ConfigurationError, match="not valid TOML"):
        profile.read()


def test_timeout_env_validated() -> None:
    """AUTH0LINK_TIMEOUT must be a positive number of seconds."""
    assert resolve({"AUTH0LINK_TIMEOUT": "2.5"}).timeout == 2.5
    with pytest.raises(ConfigurationError):
        resolve({"AUTH0LINK_TIMEOUT": "soon"})
    with pytest.raises(ConfigurationError):
        resolve({"AUTH0LINK_TIMEOUT": "-1"})


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b'domain = "\xff\xfe.example.com"\n', "not UTF-8 text"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not UTF-8 text"),
        (b'domain = "a\x00b"\n', "not valid TOML"),
        (b"domain = [unterminated", "not valid TOML"),
        (b'domain = ["tenant.example.com"]\n', "domain is an array"),
        (b"[domain]\nhost = 1\n", "domain is a table"),
        (b"storage = true\n", "storage is a boolean"),
    ],
)
def test_malformed_profile_file_is_one_config_error(
    isolated_env: Path, content: bytes, fragment: str
) -> None:
    """Binary, NUL, invalid TOML, or a table/array value: a ConfigurationError naming the file and fix."""
    profile = config.ProfileFile(isolated_env / "config", "work")
    profile.path.parent.mkdir(parents=True)
    profile.path.write_bytes(content)
    with pytest.raises(ConfigurationError, match=fragment) as info:
        profile.read()
    assert str(profile.path) in info.value.message
    assert info.value.hint == "fix or delete it, then run: auth0link --profile work config set KEY VALUE"


def test_profile_numbers_are_read_as_strings(isolated_env: Path) -> None:
    """A hand-written number (callback_ports = 8484) is still accepted, as its string."""
    profile = config.ProfileFile(isolated_env / "config", "default")
    profile.path.parent.mkdir(parents=True)
    profile.path.write_text("callback_ports = 8484\nunknown = [1]\n")
    assert profile.read() == {"callback_ports": "8484"}


def test_directory_in_place_of_the_profile_file(isolated_env: Path) -> None:
    """A directory where the profile file belongs is named as such, with the fix."""
    profile = config.ProfileFile(isolated_env / "config", "default")
    profile.path.mkdir(parents=True)
    with pytest.raises(ConfigurationError, match="it is a directory") as info:
        profile.read()
    assert info.value.hint == f"remove or rename the directory {profile.path}"


def test_profile_write_under_a_regular_file_is_a_config_error(tmp_path: Path) -> None:
    """A config dir that is a regular file: writing names the file in the way (not an OSError)."""
    in_the_way = tmp_path / "not-a-dir"
    in_the_way.write_text("")
    profile = config.ProfileFile(in_the_way, "default")
    with pytest.raises(ConfigurationError, match=f"{in_the_way} is not a folder") as info:
        profile.write({"domain": "https://tenant.example.com"})
    assert "AUTH0LINK_CONFIG_DIR" in (info.value.hint or "")
    assert in_the_way.read_text() == ""


@pytest.mark.parametrize("raw", ["nan", "inf", "-inf", "0", "-1", "abc", "301", "1e400"])
def test_keyring_timeout_env_validated_once(raw: str) -> None:
    """A keyring timeout that is not finite, above 0 and at most 300 s is a config error naming the fix."""
    with pytest.raises(ConfigurationError) as info:
        resolve({"AUTH0LINK_KEYRING_TIMEOUT": raw})
    assert exit_code_for(info.value) == 2
    assert "AUTH0LINK_KEYRING_TIMEOUT" in info.value.message
    assert "unset AUTH0LINK_KEYRING_TIMEOUT" in str(info.value.hint)


def test_keyring_timeout_default_and_value() -> None:
    """Unset (or empty) means 5 s; a valid value is used as given."""
    assert resolve({}).keyring_timeout == 5.0
    assert resolve({"AUTH0LINK_KEYRING_TIMEOUT": ""}).keyring_timeout == 5.0
    assert resolve({"AUTH0LINK_KEYRING_TIMEOUT": "0.5"}).keyring_timeout == 0.5


@pytest.mark.parametrize("raw", ["nan", "inf", "0", "-1", "abc"])
def test_cli_bad_keyring_timeout_is_exit_2_not_a_keyring_error(cli: Runner, raw: str) -> None:
    """The CLI names the variable (exit 2) instead of blaming the keyring or crashing."""
    env = {
        "AUTH0LINK_KEYRING_TIMEOUT": raw,
        "AUTH0LINK_DOMAIN": "tenant.example.com",
        "AUTH0LINK_CLIENT_ID": "c",
    }
    for args in (["status"], ["login", "--no-browser"], ["logout", "--all"]):
        result = cli(*args, env=env)
        assert result.exit_code == 2, (args, result.stderr)
        assert result.stderr.startswith("error: Invalid AUTH0LINK_KEYRING_TIMEOUT value")
        assert "OS keyring" not in result.stderr
        assert "Unexpected" not in result.stderr


def test_a_client_id_or_domain_with_a_trailing_newline_is_refused() -> None:
    r"""Validation is a full match: 'abc\n' is not a client ID, nor a host with junk after it a domain."""
    import pytest

    from auth0link._domain import normalize_domain
    from auth0link.config import validate_client_id
    from auth0link.errors import ConfigurationError

    with pytest.raises(ConfigurationError):
        validate_client_id("abc\n")
    with pytest.raises(ConfigurationError):
        normalize_domain("https://tenant.example%0a")
