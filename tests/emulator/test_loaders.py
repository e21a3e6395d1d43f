"""Hostile --tenant, --users and --state files: bounded, one clear error, linear time."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING

import pytest

from auth0link.emulator import EmulatorError
from auth0link.emulator.server.command import main
from auth0link.emulator.state import tenant_file
from auth0link.emulator.state.persistence import build_tenant, load_state, read_users_file
from tests.emulator.conftest import BASE

if TYPE_CHECKING:
    from pathlib import Path

LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
connections:
  - name: laughs
    strategy: auth0
    options: {x: [*f,*f,*f,*f,*f,*f,*f,*f,*f]}
"""


def test_alias_bomb_is_refused(tmp_path: Path) -> None:
    """A few hundred bytes of YAML aliases that expand to millions of values are one clear error."""
    path = tmp_path / "tenant.yaml"
    path.write_text(LAUGHS)
    assert path.stat().st_size < 500
    with pytest.raises(EmulatorError, match=r"tenant\.yaml expands to more than .* YAML aliases"):
        tenant_file.read(path)


def test_self_referring_alias_is_refused(tmp_path: Path) -> None:
    """An alias inside the node it names (infinite expansion) is refused."""
    path = tmp_path / "tenant.yaml"
    path.write_text("a: &a [1, *a]\n")
    with pytest.raises(EmulatorError, match="refers to itself"):
        tenant_file.read(path)


def test_modest_aliases_still_load(tmp_path: Path) -> None:
    """Reusing a list through an alias (as people do for callback URLs) still works."""
    path = tmp_path / "tenant.yaml"
    path.write_text("urls: &u [http://localhost:3000]\nclients:\n  - {name: a, callbacks: *u}\n")
    assert tenant_file.read(path)["clients"][0]["callbacks"] == ["http://localhost:3000"]


def test_deep_yaml_is_one_clear_error(tmp_path: Path) -> None:
    """A deeply nested tenant file is an EmulatorError naming the file, not a RecursionError."""
    path = tmp_path / "tenant.yaml"
    path.write_text("a: " + "[" * 5_000 + "]" * 5_000 + "\n")
    with pytest.raises(EmulatorError, match=r"tenant\.yaml is nested too deeply"):
        tenant_file.read(path)


@pytest.mark.parametrize("layout", ["list", "ndjson"])
def test_deep_users_file_exits_2_naming_the_file(
    tmp_path: Path, layout: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A deeply nested --users file is exit 2 with one line naming the file."""
    deep = '{"email": "a@example.com", "user_metadata": ' + "[" * 100_000 + "]" * 100_000 + "}"
    path = tmp_path / "users.json"
    path.write_text(f"[{deep}]" if layout == "list" else deep + "\n" + deep + "\n")
    assert main(["--users", str(path), "--port", "0", "--http"]) == 2
    err = capsys.readouterr().err
    assert str(path) in err
    assert "nested too deeply" in err
    assert "RecursionError" not in err


def test_deep_state_file_exits_2_naming_the_file(tmp_path: Path) -> None:
    """A deeply nested --state file is one EmulatorError naming the file."""
    path = tmp_path / "state.json"
    path.write_text('{"version": 1, "x": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(EmulatorError, match=r"state\.json"):
        load_state(path)


def _load_seconds(tmp_path: Path, size: int) -> float:
    path = tmp_path / f"users-{size}.json"
    users = [{"email": "big@example.com", "user_metadata": {"x": "y" * size}}]
    path.write_text(json.dumps(users))
    started = time.perf_counter()
    tenant = build_tenant(BASE, users=read_users_file(path))
    elapsed = time.perf_counter() - started
    tenant.close()
    return elapsed


def test_one_long_value_loads_in_linear_time(tmp_path: Path) -> None:
    """Loading a users file with one 8 MiB value takes about twice as long as with 4 MiB, not four times."""
    _load_seconds(tmp_path, 1 << 20)  # warm up
    small = min(_load_seconds(tmp_path, 4 << 20) for _ in range(2))
    large = min(_load_seconds(tmp_path, 8 << 20) for _ in range(2))
    assert large < small * 3 + 0.05, (small, large)
