"""Private directories (issue #11, item 7): 0700 whatever the umask, shared directories untouched."""

from __future__ import annotations

import os
import stat
from typing import TYPE_CHECKING

import pytest

from auth0link._files import atomic_write_text
from auth0link.config import ProfileFile
from auth0link.infra.journal import AppendFile
from auth0link.infra.session_index import IndexEntry, SessionIndex
from auth0link.machine import MachineProfile
from auth0link.session import SessionLock
from auth0link.token_file import FileTokenStore
from auth0link.tokens import TokenSet
from auth0link.usecases.backups import BackupFiles

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.conftest import Runner


@pytest.fixture
def umask_000() -> Iterator[None]:
    """Run the test under umask 000 (the worst case); the previous umask is restored after."""
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    """The permission bits of ``path``."""
    return stat.S_IMODE(path.stat().st_mode)


def test_private_dir_makes_every_missing_component_0700(tmp_path: Path, umask_000: None) -> None:
    """Under umask 000 each directory created on the way is 0700; the existing parent is untouched."""
    from auth0link._files import private_dir

    tmp_path.chmod(0o755)
    private_dir(tmp_path / "a" / "b" / "c")
    assert [mode(tmp_path / p) for p in ("a", "a/b", "a/b/c")] == [0o700, 0o700, 0o700]
    assert mode(tmp_path) == 0o755


def test_private_dir_refuses_a_file_in_the_way(tmp_path: Path) -> None:
    """A file where a directory should be is an error, and its mode is not changed."""
    from auth0link._files import private_dir

    (tmp_path / "file").write_text("x")
    (tmp_path / "file").chmod(0o644)
    with pytest.raises(NotADirectoryError):
        private_dir(tmp_path / "file" / "sub")
    assert mode(tmp_path / "file") == 0o644


def test_every_config_and_data_dir_is_0700_under_umask_000(isolated_env: Path, umask_000: None) -> None:
    """Profiles, tokens, machine, sessions, locks, cache, backups, journals: all their dirs are 0700."""
    config, data = isolated_env / "config", isolated_env / "data"
    ProfileFile(config, "default").set("domain", "tenant.example.com")
    FileTokenStore(config / "tokens.json").save("k", TokenSet(access_token="a", expires_at=1.0))
    MachineProfile(config, "default").write("https://tenant.example.com", "m2mClient")
    SessionIndex(config).add(IndexEntry("k", "default", "https://t.example.com", "c", "file"))
    lock = SessionLock(config, "k")
    with lock.hold():  # the session lock and generation (refresh, login, logout)
        lock.renew()
    atomic_write_text(config / "cache" / "jwks-k.json", "{}")  # the OIDC cache writer's call
    BackupFiles(data / "backups", clock=lambda: 1_800_000_000.0).write({"user": "x"})
    AppendFile(data / "journals" / "batch-1.jsonl").append({"n": 1})
    dirs = [isolated_env, *(p for p in isolated_env.rglob("*") if p.is_dir())]
    names = {p.relative_to(isolated_env).as_posix() for p in dirs}
    assert {"config/profiles", "config/machine", "config/locks", "data/backups", "data/journals"} <= names
    assert {p.relative_to(isolated_env).as_posix(): mode(p) for p in dirs} == dict.fromkeys(names, 0o700)
    files = [p for p in isolated_env.rglob("*") if p.is_file()]
    assert all(mode(p) & 0o077 == 0 for p in files), {p.name: oct(mode(p)) for p in files}


def test_cli_tightens_existing_roots_but_not_shared_dirs(
    cli: Runner, isolated_env: Path, tmp_path: Path
) -> None:
    """A 0755 config dir (older versions) becomes 0700; a sticky data dir and the parent stay as they are."""
    config = isolated_env / "config"
    (config / "profiles").mkdir(parents=True)
    config.chmod(0o755)
    isolated_env.chmod(0o755)
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    result = cli("status", env={"AUTH0LINK_DATA_DIR": str(shared), "AUTH0LINK_STORAGE": "file"})
    assert result.exit_code == 3, result.stderr  # not logged in, but the settings were resolved
    assert mode(config) == 0o700
    assert mode(isolated_env) == 0o755
    assert mode(shared) == 0o1777


def test_a_root_holding_other_files_is_left_alone(cli: Runner, tmp_path: Path) -> None:
    """AUTH0LINK_DATA_DIR/CONFIG_DIR at a directory with other files ($HOME, /etc): never chmod'ed."""
    home = tmp_path / "myhome"
    (home / ".bashrc").parent.mkdir()
    (home / ".bashrc").write_text("")
    (home / "backups").mkdir()
    home.chmod(0o755)
    env = {"AUTH0LINK_DATA_DIR": str(home), "AUTH0LINK_CONFIG_DIR": str(home), "AUTH0LINK_STORAGE": "file"}
    assert cli("status", env=env).exit_code == 3
    assert mode(home) == 0o755


def test_make_private_skips_missing_and_already_private_dirs(tmp_path: Path) -> None:
    """A missing directory is not created, and a 0700 one stays 0700 (nothing to do)."""
    from auth0link._files import make_private

    make_private(tmp_path / "missing", own={"x"})
    assert not (tmp_path / "missing").exists()
    (tmp_path / "ours").mkdir(mode=0o700)
    (tmp_path / "ours" / "x").mkdir()
    make_private(tmp_path / "ours", own={"x"})
    assert mode(tmp_path / "ours") == 0o700
