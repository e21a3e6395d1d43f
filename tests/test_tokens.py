"""Token records and stores: memory, the 0600 file, and the keyring's failure paths."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
import threading
import time
from typing import TYPE_CHECKING, Any

import pytest

from auth0link import config, tokens
from auth0link.errors import TokenStorageError
from auth0link.token_file import FileTokenStore
from auth0link.tokens import KeyringTokenStore, MemoryTokenStore, TokenSet, store_key

if TYPE_CHECKING:
    from pathlib import Path

TOKENS = TokenSet(
    access_token="AT-secret",
    expires_at=1_000.0,
    scope="openid read:current_user",
    refresh_token="RT-secret",
    id_token="IDT-secret",
    user_id="auth0|abc",
)


def test_is_expired_uses_leeway() -> None:
    """A token counts as expired within 60 s of its expiry."""
    assert not TOKENS.is_expired(900.0)
    assert TOKENS.is_expired(941.0)
    assert TOKENS.is_expired(1_000.0)


def test_repr_hides_tokens() -> None:
    """repr() (tracebacks, debug) never shows a token."""
    text = repr(TOKENS)
    assert "secret" not in text
    assert "auth0|abc" in text


def test_json_round_trip_ignores_unknown_keys() -> None:
    """The stored form round-trips and tolerates fields from newer versions."""
    data = json.loads(TOKENS.to_json())
    data["future_field"] = 1
    assert TokenSet.from_json(json.dumps(data)) == TOKENS


def test_store_key_is_per_profile_domain_client() -> None:
    """Sessions are keyed by profile, tenant and application."""
    assert store_key("p", "https://t.example", "cid") == "p:https://t.example:cid"


def test_memory_store_round_trip() -> None:
    """MemoryTokenStore saves, loads and deletes."""
    store = MemoryTokenStore()
    store.save("k", TOKENS)
    assert store.load("k") == TOKENS
    assert store.keys() == ["k"]
    assert store.delete("k") is True
    assert store.load("k") is None
    assert store.delete("k") is False


def test_file_store_is_0600_and_keeps_other_profiles(tmp_path: Path) -> None:
    """The insecure file store writes 0600 and replacing one session keeps the others."""
    store = FileTokenStore(tmp_path / "cfg" / "tokens.json")
    store.save("a", TOKENS)
    store.save("b", TOKENS)
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert store.load("a") == TOKENS
    assert store.delete("a") is True
    assert store.keys() == ["b"]
    store.delete("b")
    assert not store.path.exists()


def test_file_store_corrupt_file_is_storage_error(tmp_path: Path) -> None:
    """A corrupt token file gives a TokenStorageError naming the fix."""
    path = tmp_path / "tokens.json"
    path.write_text("{nope")
    with pytest.raises(TokenStorageError, match="corrupt") as info:
        FileTokenStore(path).load("a")
    assert f"rm {path}" in str(info.value.hint)  # `login` alone would fail on the same file


def test_no_keyring_backend_is_one_friendly_error() -> None:
    """With keyring's fail backend (no D-Bus), every call becomes TokenStorageError with options."""
    store = KeyringTokenStore(timeout=5)
    for call in (lambda: store.load("k"), lambda: store.save("k", TOKENS), lambda: store.delete("k")):
        with pytest.raises(TokenStorageError, match="No usable OS keyring") as info:
            call()
        assert info.value.hint is not None
        assert "--insecure-storage" in info.value.hint
        assert "AUTH0LINK_ACCESS_TOKEN" in info.value.hint


class _FakeBackend:
    """A keyring backend stand-in for failure-injection tests (above the real-keyring tests)."""

    def __init__(self) -> None:
        self.data: dict[tuple[str, str], str] = {}
        self.fail_on_set_after: int | None = None
        self.sets = 0
        self.hang = False

    def get_password(self, service: str, key: str) -> str | None:
        if self.hang:
            time.sleep(10)
        return self.data.get((service, key))

    def set_password(self, service: str, key: str, value: str) -> None:
        self.sets += 1
        if self.fail_on_set_after is not None and self.sets > self.fail_on_set_after:
            msg = f"disk full while writing {value}"
            raise RuntimeError(msg)
        self.data[(service, key)] = value

    def delete_password(self, service: str, key: str) -> None:
        import keyring.errors

        if (service, key) not in self.data:
            raise keyring.errors.PasswordDeleteError(key)
        del self.data[(service, key)]


@pytest.fixture
def fake_backend(monkeypatch: pytest.MonkeyPatch) -> _FakeBackend:
    """Install the fake backend as keyring's backend."""
    import keyring

    backend = _FakeBackend()
    monkeypatch.setattr(keyring, "get_keyring", lambda: backend)
    return backend


def test_large_records_are_chunked_below_windows_limit(fake_backend: _FakeBackend) -> None:
    """Every stored entry stays under 2,560 bytes even for a large token set."""
    big = TokenSet(access_token="a" * 5000, expires_at=1.0, id_token="i" * 3000, refresh_token="r" * 200)
    store = KeyringTokenStore()
    store.save("k", big)
    assert max(len(v.encode()) for v in fake_backend.data.values()) < 2560
    assert len(fake_backend.data) > 2
    assert store.load("k") == big


def test_resave_removes_old_chunks(fake_backend: _FakeBackend) -> None:
    """Saving again replaces the chunks instead of accumulating them."""
    store = KeyringTokenStore()
    store.save("k", TOKENS)
    store.save("k", TOKENS)
    assert len(fake_backend.data) == 2  # head + one chunk
    assert store.delete("k") is True
    assert fake_backend.data == {}


def test_failed_save_keeps_previous_session(fake_backend: _FakeBackend) -> None:
    """A crash while writing new chunks leaves the old session readable, and the error hides values."""
    store = KeyringTokenStore()
    store.save("k", TOKENS)
    fake_backend.fail_on_set_after = fake_backend.sets + 1
    newer = TokenSet(access_token="NEW-" + "x" * 4000, expires_at=2.0)
    with pytest.raises(TokenStorageError) as info:
        store.save("k", newer)
    assert "NEW-" not in str(info.value)
    assert store.load("k") == TOKENS


def test_damaged_record_reads_as_logged_out(fake_backend: _FakeBackend) -> None:
    """A head entry pointing at missing chunks reads as no session, not a crash."""
    fake_backend.data[(tokens.SERVICE, "k")] = json.dumps({"v": 1, "gen": "dead", "chunks": 2})
    assert KeyringTokenStore().load("k") is None
    fake_backend.data[(tokens.SERVICE, "k")] = "not json"
    assert KeyringTokenStore().load("k") is None


def test_hung_keyring_times_out(fake_backend: _FakeBackend) -> None:
    """A Secret Service that never answers becomes an error after the timeout, not a hang."""
    fake_backend.hang = True
    started = time.monotonic()
    with pytest.raises(TokenStorageError, match="did not answer"):
        KeyringTokenStore(timeout=0.3).load("k")
    assert time.monotonic() - started < 5
    assert any(t.name.startswith("keyring-") for t in threading.enumerate())


@pytest.mark.keyring
def test_real_keyring_round_trip(real_keyring: Any) -> None:
    """The real SecretService stores, reads back and deletes a chunked session."""
    store = KeyringTokenStore(timeout=10)
    big = TokenSet(
        access_token="A" * 4000, expires_at=5.0, refresh_token="R", id_token="I" * 2000, user_id="u"
    )
    store.save("test:https://t:cid", big)
    assert store.load("test:https://t:cid") == big
    assert "SecretService" in store.description
    assert store.delete("test:https://t:cid") is True
    assert store.load("test:https://t:cid") is None
    assert store.delete("test:https://t:cid") is False


@pytest.mark.keyring
def test_open_store_chooses_backend(tmp_path: Path) -> None:
    """Application.open_store builds a keyring store for 'keyring' and a file store for 'file'."""
    from auth0link.application import Application, Services

    env = {"AUTH0LINK_CONFIG_DIR": str(tmp_path), "AUTH0LINK_KEYRING_TIMEOUT": "1"}
    app = Application.from_services(config.resolve_settings(env=env, stdin_isatty=False), Services())
    assert isinstance(app.open_store("keyring"), KeyringTokenStore)
    store = app.open_store("file")
    assert isinstance(store, FileTokenStore)
    assert store.path == tmp_path / "tokens.json"


# -- the file store under concurrency (issue #11, item 3) ------------------------------------

SAVER = """
import sys, time
from pathlib import Path
from auth0link.token_file import FileTokenStore
from auth0link.tokens import TokenSet
path, name, count, go = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
while not go.exists():
    time.sleep(0.005)
store = FileTokenStore(path)
for i in range(count):
    store.save(name, TokenSet(access_token=f"{name}-{i}", expires_at=1e10, refresh_token=f"RT-{name}-{i}"))
"""

HOLDER = """
import fcntl, json, os, sys, time
from pathlib import Path
path, lock_path = Path(sys.argv[1]), Path(sys.argv[2])
fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
data = json.loads(path.read_text())  # read under the lock ...
print("locked", flush=True)
time.sleep(0.6)  # ... while another process wants to save ...
data["other"] = data["first"]
tmp = path.with_suffix(".holder")
tmp.write_text(json.dumps(data))
tmp.replace(path)  # ... then write back what it read, plus its own change
os.close(fd)
"""


def _python(code: str, *args: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", code, *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_parallel_processes_saving_different_profiles_lose_nothing(tmp_path: Path) -> None:
    """Six processes each saving their own key 25 times: every key ends with its last value."""
    path, go, names = tmp_path / "cfg" / "tokens.json", tmp_path / "go", [f"p{i}" for i in range(6)]
    workers = [_python(SAVER, path, name, 25, go) for name in names]
    time.sleep(0.5)  # let them start (imports) so that they save at the same time
    go.touch()
    for worker in workers:
        _, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
    store = FileTokenStore(path)
    assert store.keys() == names
    assert {name: store.load(name) for name in names} == {
        name: TokenSet(access_token=f"{name}-24", expires_at=1e10, refresh_token=f"RT-{name}-24")
        for name in names
    }
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_save_reads_the_file_only_once_it_holds_the_lock(tmp_path: Path) -> None:
    """A save waits for another process's read-modify-write and keeps what that process wrote."""
    store = FileTokenStore(tmp_path / "tokens.json")
    store.save("first", TOKENS)
    holder = _python(HOLDER, store.path, store.path.with_name("tokens.json.lock"))
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "locked"
    started = time.monotonic()
    store.save("mine", TOKENS)
    _, err = holder.communicate(timeout=60)
    assert holder.returncode == 0, err
    assert time.monotonic() - started > 0.3  # it waited for the lock
    assert store.keys() == ["first", "mine", "other"]


# -- damaged records (issue #11, item 11) -------------------------------------------------------


@pytest.mark.parametrize(
    "record",
    [
        5,
        '{"access_token": "a", "expires_at": "soon"}',
        '{"access_token": "a"}',
        '{"access_token": 5, "expires_at": 1}',
        '{"access_token": "a", "expires_at": true}',
        '{"access_token": "a", "expires_at": NaN}',
        '{"access_token": "a", "expires_at": 1, "user_id": 5}',
        '{"access_token": "a", "expires_at": 1, "scope": ["openid"]}',
        '{"access_token": "a", "expires_at": 1, "refresh_token": {}}',
        '["a", 1]',
    ],
)
def test_a_record_with_wrong_types_reads_as_no_session(tmp_path: Path, record: object) -> None:
    """A record with a field of the wrong type is no session (login replaces it), not a crash later."""
    path = tmp_path / "tokens.json"
    path.write_text(json.dumps({"k": record, "good": TOKENS.to_json()}))
    store = FileTokenStore(path)
    assert store.load("k") is None
    assert store.load("good") == TOKENS
    store.save("k", TOKENS)
    assert store.load("k") == TOKENS


def test_a_token_file_that_is_not_utf8_names_the_file_and_the_fix(tmp_path: Path) -> None:
    """Undecodable bytes in tokens.json: one TokenStorageError naming the file and how to recover."""
    path = tmp_path / "tokens.json"
    path.write_bytes(b'{"k": "\xff\xfe"}')
    with pytest.raises(TokenStorageError) as info:
        FileTokenStore(path).load("k")
    assert str(path) in info.value.message
    assert f"rm {path}" in str(info.value.hint)
