"""Machine credentials: client credentials grant, stored token and secret, re-request on expiry."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

import httpx
import pytest

from auth0link.client import Auth0Client
from auth0link.errors import LoginRequired, TokenStorageError, UsageError
from auth0link.machine import AdminSession, machine_key, read_secret, secret_key
from auth0link.tokens import FileTokenStore, MemoryTokenStore

if TYPE_CHECKING:
    from pathlib import Path

    from tests.conftest import Runner

BASE = "https://tenant.example.com"
SECRET = "s3cret-value-0123456789"


class TokenEndpoint:
    """A fake /oauth/token that accepts one client ID and secret."""

    def __init__(self) -> None:
        """No calls yet."""
        self.calls: list[dict[str, list[str]]] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        """Answer the client credentials grant."""
        form = parse_qs(request.content.decode())
        self.calls.append(form)
        if form.get("client_secret") != [SECRET]:
            return httpx.Response(401, json={"error": "access_denied", "error_description": "Unauthorized"})
        return httpx.Response(
            200,
            json={
                "access_token": f"m2m-token-{len(self.calls)}",
                "token_type": "Bearer",
                "expires_in": 86400,
                "scope": "read:users update:users",
            },
        )


def session(
    tmp_path: Path, endpoint: TokenEndpoint, store: Any, clock: list[float], **env: str
) -> AdminSession:
    """An AdminSession over the fake endpoint."""
    return AdminSession(
        store=store,
        profile="default",
        domain=BASE,
        audience=f"{BASE}/api/v2/",
        config_dir=tmp_path,
        env=env,
        client_factory=lambda: Auth0Client(BASE, transport=httpx.MockTransport(endpoint.handler)),
        clock=lambda: clock[0],
    )


def test_login_stores_token_secret_and_client_id(tmp_path: Path) -> None:
    """login requests audience <domain>/api/v2/ and stores the machine token and the secret."""
    endpoint, store, clock = TokenEndpoint(), MemoryTokenStore(), [1000.0]
    result = session(tmp_path, endpoint, store, clock).login("m2mClient", SECRET)
    assert result.scope == "read:users update:users"
    assert endpoint.calls[0]["grant_type"] == ["client_credentials"]
    assert endpoint.calls[0]["audience"] == [f"{BASE}/api/v2/"]
    tokens = store.load(machine_key("default", BASE, "m2mClient"))
    assert tokens is not None
    assert tokens.kind == "machine"
    secret = store.load(secret_key("default", BASE, "m2mClient"))
    assert secret is not None
    assert secret.access_token == SECRET
    assert SECRET not in (tmp_path / "machine" / "default.json").read_text()


def test_expired_token_is_re_requested_with_the_stored_secret(tmp_path: Path) -> None:
    """A later run (new session object) re-requests the token when it expired, without asking."""
    endpoint, store, clock = TokenEndpoint(), MemoryTokenStore(), [1000.0]
    session(tmp_path, endpoint, store, clock).login("m2mClient", SECRET)
    later = session(tmp_path, endpoint, store, clock)
    assert later.access_token() == "m2m-token-1"
    clock[0] += 86400
    assert later.access_token() == "m2m-token-2"
    assert len(endpoint.calls) == 2


def test_wrong_secret_stores_nothing(tmp_path: Path) -> None:
    """A refused secret becomes LoginRequired and nothing is stored."""
    endpoint, store, clock = TokenEndpoint(), MemoryTokenStore(), [1000.0]
    with pytest.raises(LoginRequired, match="refused the machine credentials"):
        session(tmp_path, endpoint, store, clock).login("m2mClient", "wrong")
    assert store.keys() == []


def test_no_credentials_says_how_to_log_in(tmp_path: Path) -> None:
    """Without a machine login, admin commands name `login --machine`."""
    with pytest.raises(LoginRequired) as info:
        session(tmp_path, TokenEndpoint(), MemoryTokenStore(), [0.0]).access_token()
    assert "login --machine" in str(info.value.hint)


def test_env_secret_works_without_a_keyring(tmp_path: Path) -> None:
    """CI: with no usable keyring, the environment's client ID and secret give a run-only token."""

    class Broken(MemoryTokenStore):
        def load(self, key: str) -> Any:  # noqa: ARG002 - the protocol signature
            """Fail like a missing keyring."""
            raise TokenStorageError("no keyring")

    endpoint = TokenEndpoint()
    admin = session(
        tmp_path,
        endpoint,
        Broken(),
        [0.0],
        AUTH0LINK_MACHINE_CLIENT_ID="m2mClient",
        AUTH0LINK_CLIENT_SECRET=SECRET,
    )
    assert admin.access_token() == "m2m-token-1"


def test_secret_is_never_read_from_argv() -> None:
    """A secret value passed as an argument is refused; '-' reads stdin; the env var is used otherwise."""
    with pytest.raises(UsageError, match="command line"):
        read_secret("literal-secret", {}, lambda: "")
    assert read_secret("-", {}, lambda: f"{SECRET}\n") == SECRET
    assert read_secret(None, {"AUTH0LINK_CLIENT_SECRET": SECRET}, lambda: "") == SECRET
    with pytest.raises(UsageError, match="No client secret"):
        read_secret(None, {}, lambda: "")


def test_cli_refuses_a_secret_in_argv(cli: Runner) -> None:
    """`login --machine --client-secret VALUE` exits 2 without echoing the value."""
    result = cli(
        "--domain",
        "tenant.example.com",
        "login",
        "--machine",
        "--client-id",
        "m2m",
        "--client-secret",
        "hunter2",
    )
    assert result.exit_code == 2
    assert "hunter2" not in result.output + result.stderr


def test_cli_machine_login_and_logout_with_the_file_store(
    cli: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`login --machine --client-secret -` stores token and secret; `logout --machine` removes both."""
    endpoint = TokenEndpoint()
    import auth0link.cli

    original_init = auth0link.cli.App.__init__

    def init(self: auth0link.cli.App, **kw: Any) -> None:
        original_init(self, **kw)
        self.transport = httpx.MockTransport(endpoint.handler)

    monkeypatch.setattr(auth0link.cli.App, "__init__", init)
    env = {"AUTH0LINK_STORAGE": "file"}
    result = cli(
        "--domain",
        "tenant.example.com",
        "login",
        "--machine",
        "--client-id",
        "m2mClient",
        "--client-secret",
        "-",
        input=f"{SECRET}\n",
        env=env,
    )
    assert result.exit_code == 0, result.stderr
    assert "Machine credentials stored" in result.stderr
    assert SECRET not in result.output + result.stderr
    config_dir = tmp_path / "home" / "config"
    stored = (config_dir / "tokens.json").read_text()
    assert "m2m-token-1" in stored
    assert (config_dir / "tokens.json").stat().st_mode & 0o777 == 0o600
    result = cli("--domain", "tenant.example.com", "logout", "--machine", env=env)
    assert result.exit_code == 0
    assert "removed" in result.stderr
    assert not (config_dir / "tokens.json").exists()


@pytest.fixture
def m2m_endpoint(monkeypatch: pytest.MonkeyPatch) -> TokenEndpoint:
    """Route the CLI's HTTP calls to a fake token endpoint."""
    endpoint = TokenEndpoint()
    import auth0link.cli

    original_init = auth0link.cli.App.__init__

    def init(self: auth0link.cli.App, **kw: Any) -> None:
        original_init(self, **kw)
        self.transport = httpx.MockTransport(endpoint.handler)

    monkeypatch.setattr(auth0link.cli.App, "__init__", init)
    return endpoint


def _machine_login(cli: Runner, *flags: str, env: dict[str, str] | None = None) -> Any:
    return cli(
        "--domain",
        "tenant.example.com",
        "login",
        "--machine",
        "--client-id",
        "m2mClient",
        "--client-secret",
        "-",
        *flags,
        input=f"{SECRET}\n",
        env=env,
    )


def test_machine_login_insecure_storage_works_without_a_keyring(
    cli: Runner, m2m_endpoint: TokenEndpoint, isolated_env: Path
) -> None:
    """`login --machine --insecure-storage` with no keyring stores in the 0600 file, says so, and remembers it."""
    result = _machine_login(cli, "--insecure-storage")
    assert result.exit_code == 0, result.stderr
    config_dir = isolated_env / "config"
    store = FileTokenStore(config_dir / "tokens.json")
    secret = store.load(secret_key("default", BASE, "m2mClient"))
    assert secret is not None
    assert secret.access_token == SECRET
    warning = next(line for line in result.stderr.splitlines() if line.startswith("warning:"))
    assert "plain text" in warning
    assert str(config_dir / "tokens.json") in warning
    assert "0600" in warning
    assert "storage = file" in warning
    assert SECRET not in result.output + result.stderr
    assert 'storage = "file"' in (config_dir / "profiles" / "default.toml").read_text()
    again = cli("--domain", "tenant.example.com", "logout", "--machine")  # no flag: the profile remembers
    assert again.exit_code == 0, again.stderr
    assert "removed" in again.stderr


def test_machine_login_into_a_file_profile_announces_plain_text(
    cli: Runner, m2m_endpoint: TokenEndpoint, isolated_env: Path
) -> None:
    """With storage = file already set, the plain-text client secret is announced on stderr, not silent."""
    assert cli("config", "set", "storage", "file").exit_code == 0
    result = _machine_login(cli)
    assert result.exit_code == 0, result.stderr
    assert "Machine credentials stored" in result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert any(
        "client secret" in w and "plain text" in w and str(isolated_env / "config" / "tokens.json") in w
        for w in warnings
    ), result.stderr
